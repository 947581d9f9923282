import dagster as dg

from konspekt.orchestration import fixed
from training_assets.assets import training_assets
from training_assets.resources import resources_from_env
from training_assets.sensors import mnist_incoming_sensor, training_automation_sensor, training_job

defs = dg.Definitions(
    assets=training_assets,
    jobs=[training_job],
    sensors=[mnist_incoming_sensor, training_automation_sensor],
    resources=fixed(resources_from_env()),
    # One process per run: torch is imported once and the steps share it.
    executor=dg.in_process_executor,
)
