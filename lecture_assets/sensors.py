"""The inbox sensor: a dropped file becomes a `lectures` partition and one run of the job."""

import time
from pathlib import Path

import dagster as dg

from lecture_assets import inbox
from lecture_assets.partitions import lecture_partitions
from lecture_assets.resources import LectureStorage

lecture_job = dg.define_asset_job(
    "lecture_job",
    selection=dg.AssetSelection.groups("lectures"),
    partitions_def=lecture_partitions,
    tags={"konspekt/pipeline": "lectures"},
)

# Admitting a file (hash, register) is the slow part of a tick: past this budget the rest waits
# for the next tick, so a tick stays a few seconds however many files arrive at once.
ADMIT_BUDGET_S = 3.0


@dg.sensor(
    job=lecture_job,
    minimum_interval_seconds=15,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Registers each new, fully copied file in the inbox as a lecture and processes it.",
)
def inbox_sensor(context: dg.SensorEvaluationContext, storage: LectureStorage) -> dg.SensorResult:
    tick = inbox.Arrivals.of(inbox.scan(storage.inbox_dir), context.cursor)
    index = inbox.fingerprint_index(storage.lectures_dir) if tick.ready else {}
    # One query for all keys: asking per file cost ~1 ms each, 10 s for 10,000 new files.
    known = (
        set(context.instance.get_dynamic_partitions(lecture_partitions.name))
        if tick.ready
        else set()
    )
    new_keys: list[str] = []
    run_requests: list[dg.RunRequest] = []
    started = time.monotonic()
    for done, rel in enumerate(tick.ready):
        # At least one file per tick, so a file that alone takes longer than the budget to
        # hash still gets in.
        if done and time.monotonic() - started > ADMIT_BUDGET_S:
            tick.pending[rel] = tick.current[rel]  # still stable next tick, so admitted then
            continue
        try:
            key = _admit(context, storage, rel, index)
        except Exception as exc:  # one bad file must never fail the tick for the others
            context.log.warning(f"skipped {inbox.display_name(rel)}: {exc}")
            key = None
        tick.seen[rel] = tick.current[rel]
        if key is None:
            continue
        if key not in known:
            known.add(key)
            new_keys.append(key)
        # run_key makes a repeated evaluation (or a cursor reset) a no-op for Dagster.
        run_requests.append(
            dg.RunRequest(
                run_key=key, partition_key=key, tags={"konspekt/source": inbox.display_name(rel)}
            )
        )

    return dg.SensorResult(
        run_requests=run_requests,
        dynamic_partitions_requests=[lecture_partitions.build_add_request(new_keys)]
        if new_keys
        else [],
        cursor=tick.cursor(),
    )


def _admit(
    context: dg.SensorEvaluationContext, storage: LectureStorage, rel: str, index: dict[str, str]
) -> str | None:
    """Fingerprint and register one stable file; None for a duplicate of an earlier lecture."""
    path = storage.inbox_dir / rel
    digest = inbox.fingerprint(path)
    key = inbox.partition_key(Path(rel).name, digest)
    first = index.setdefault(digest, key)
    name = inbox.display_name(rel)
    if first != key:
        context.log.info(f"{name} has the same content as lecture {first}; not processed again")
        return None
    inbox.register(storage.lectures_dir, key, path, digest)
    context.log.info(f"{name} -> lecture {key}")
    return key


lecture_automation_sensor = dg.AutomationConditionSensorDefinition(
    "lecture_automation_sensor",
    target=dg.AssetSelection.groups("lectures"),
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description="Re-materializes transcript, summary and pdf when something upstream changes.",
)
