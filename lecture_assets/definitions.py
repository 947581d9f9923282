import dagster as dg

from konspekt.orchestration import fixed
from lecture_assets.assets import course_assets, lecture_assets
from lecture_assets.resources import resources_from_env
from lecture_assets.sensors import (
    course_automation_sensor,
    inbox_sensor,
    lecture_automation_sensor,
    lecture_job,
)

defs = dg.Definitions(
    assets=[*lecture_assets, *course_assets],
    jobs=[lecture_job],
    sensors=[inbox_sensor, lecture_automation_sensor, course_automation_sensor],
    resources=fixed(resources_from_env()),
    # Every run of these assets (sensor job, UI materialize, backfill, automation) in one
    # process: no per-step start-up, and models stay loaded from one step to the next.
    executor=dg.in_process_executor,
)
