"""New labelled digits in `mnist/incoming/` refresh the dataset and fine-tune the model."""

import hashlib
import json

import dagster as dg

from konspekt.watch import Arrivals, display_name
from training_assets import incoming
from training_assets.resources import TrainingStorage

training_job = dg.define_asset_job(
    "training_job",
    selection=dg.AssetSelection.groups("training"),
    tags={"konspekt/pipeline": "training"},
)


@dg.sensor(
    job=training_job,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Retrains (dataset refresh, then fine-tune) when new labelled PNGs have landed.",
)
def mnist_incoming_sensor(
    context: dg.SensorEvaluationContext, storage: TrainingStorage
) -> dg.SensorResult:
    # Same stability rule as the lecture inbox: admitted once unchanged across two ticks.
    found, refused = incoming.survey(storage.incoming_dir)
    tick = Arrivals.of(found, context.cursor, refused)
    for rel in tick.newly_refused:  # said once, not every tick
        context.log.warning(f"not a training image: {display_name(rel)} {refused[rel]}.")
    ready, current = tick.ready, tick.current
    tick.seen |= {rel: current[rel] for rel in ready}

    run_requests = []
    if ready:
        # One run for the whole batch; the key is a function of the batch, so evaluating the same
        # tick twice (or after a cursor reset) asks for a run Dagster has already launched.
        batch = json.dumps({rel: current[rel] for rel in ready}, sort_keys=True)
        run_key = "incoming-" + hashlib.sha256(batch.encode()).hexdigest()[:16]
        tags = {"konspekt/incoming_files": str(len(ready))}
        run_requests.append(dg.RunRequest(run_key=run_key, tags=tags))
        more = f" and {len(ready) - 5} more" if len(ready) > 5 else ""
        context.log.info(f"{len(ready)} new labelled image(s): {', '.join(ready[:5])}{more}")

    return dg.SensorResult(
        run_requests=run_requests,
        cursor=tick.cursor(),
    )


training_automation_sensor = dg.AutomationConditionSensorDefinition(
    "training_automation_sensor",
    target=dg.AssetSelection.groups("training"),
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description="Writes the training log after each new model (e.g. one materialized in the UI).",
)
