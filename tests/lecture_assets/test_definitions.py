import os
import subprocess
import sys

import dagster as dg
import pytest
import yaml

from lecture_assets.definitions import defs
from lecture_assets.sensors import inbox_sensor
from tests.helpers import REPO

ROOT = REPO


def test_lineage_is_audio_and_slides_then_transcript_summary_notes_then_the_course():
    graph = defs.resolve_asset_graph()
    parents = {
        key.to_user_string(): {p.to_user_string() for p in graph.get(key).parent_keys}
        for key in graph.get_all_asset_keys()
    }
    assert parents == {
        "audio": set(),
        "slides": set(),  # read from the source video, not the audio
        "transcript": {"audio", "slides"},  # the slides' words prompt Whisper
        "summary": {"transcript", "slides"},
        "pdf": {"summary", "slides"},
        "study_notes": {"transcript", "summary", "slides"},
        "course_notes": {"summary"},  # every lecture's: the course picks its own (courses/)
    }
    partitions = {
        key.to_user_string(): graph.get(key).partitions_def.name
        for key in graph.get_all_asset_keys()
    }
    assert partitions.pop("course_notes") == "courses"
    assert set(partitions.values()) == {"lectures"}


def test_sensors_run_by_default():
    assert inbox_sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert inbox_sensor.minimum_interval_seconds == 15
    for name in ("lecture_automation_sensor", "course_automation_sensor"):
        assert defs.get_sensor_def(name).default_status == dg.DefaultSensorStatus.RUNNING


def test_workspace_locations_load_without_heavy_imports():
    """Each code location in workspace.yaml loads, and does so without torch or whisperX."""
    workspace = yaml.safe_load((ROOT / "workspace.yaml").read_text())
    modules = [entry["python_module"]["module_name"] for entry in workspace["load_from"]]
    assert modules == ["lecture_assets.definitions", "training_assets.definitions"]
    for module in modules:
        code = (
            f"import sys, {module} as m; assert m.defs is not None; "
            "heavy = {'torch', 'whisperx', 'transformers'} & set(sys.modules); "
            "assert not heavy, heavy"
        )
        subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_local_instance_queues_heavy_runs_one_at_a_time(tmp_path):
    """dagster.yaml is a valid instance config whose pool limit applies to transcript."""
    (tmp_path / "dagster.yaml").write_text((ROOT / "dagster.yaml").read_text())
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        pools = instance.get_concurrency_config().pool_config
        assert pools.default_pool_limit == 1 and pools.pool_granularity.value == "run"
        assert instance.run_coordinator.__class__.__name__ == "QueuedRunCoordinator"
        # The launcher sets the pool's limit up front, so the first dequeue already honours it.
        assert instance.run_launcher.__class__.__name__ == "LocalRunLauncher"
        assert instance.event_log_storage.get_concurrency_info("heavy").slot_count == 1
        monitoring = instance.run_monitoring_settings
        assert monitoring["enabled"] and monitoring["free_slots_after_run_end_seconds"] > 0
        assert instance.run_retries_enabled and instance.run_retries_max_retries == 2
    transcript = defs.resolve_assets_def("transcript")
    assert {node.pool for node in transcript.node_def.iterate_op_defs()} == {"heavy"}


def test_the_launchpad_cannot_point_a_run_at_other_files():
    """No login on the UI: resources come from the settings, not from a run's config."""
    job = defs.resolve_job_def("lecture_job")
    for resource, field, value in [
        ("storage", "data_dir", "/"),
        ("summarizer", "llm_model", "/etc/shadow"),
        ("transcriber", "models_dir", "/"),
    ]:
        with pytest.raises(dg.DagsterInvalidConfigError):
            dg.validate_run_config(job, {"resources": {resource: {"config": {field: value}}}})
    from training_assets.definitions import defs as training

    with pytest.raises(dg.DagsterInvalidConfigError):
        dg.validate_run_config(
            training.resolve_job_def("training_job"),
            {"resources": {"storage": {"config": {"data_dir": "/"}}}},
        )


def test_an_operator_can_give_the_launchpad_the_settings_back():
    code = (
        "import dagster as dg; from lecture_assets.definitions import defs; "
        "dg.validate_run_config(defs.resolve_job_def('lecture_job'), "
        "{'resources': {'storage': {'config': {'data_dir': '/tmp/elsewhere'}}}})"
    )
    env = {**os.environ, "KONSPEKT_RUN_CONFIG_RESOURCES": "1"}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
