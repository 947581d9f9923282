"""Run monitoring's view of the local instance: which runs lost their worker process."""

import subprocess
import sys
import time

import dagster as dg
import pytest
from dagster._core.events import EngineEventData
from dagster._core.launcher import WorkerStatus

from konspekt.launcher import WORKER_PID_TAG, LocalRunLauncher, Worker, fail_orphaned_runs, is_alive


@pytest.fixture
def local(tmp_path):
    (tmp_path / "home").mkdir()
    with dg.DagsterInstance.local_temp(str(tmp_path / "home")) as instance:
        yield instance


def started_run(instance, tags=None) -> dg.DagsterRun:
    run = dg.DagsterRun(job_name="lecture_job", status=dg.DagsterRunStatus.STARTED, tags=tags or {})
    return instance.add_run(run)


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_live_worker_is_running_and_a_dead_one_failed(local):
    launcher = LocalRunLauncher()
    launcher.register_instance(local)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        time.sleep(0.2)
        run = started_run(local)
        local.report_engine_event(
            f"Started process for run (pid: {sleeper.pid}).",
            run,
            EngineEventData.in_process(sleeper.pid),
        )
        assert launcher.check_run_worker_health(run).status == WorkerStatus.RUNNING
        sleeper.kill()
        sleeper.wait()
        health = launcher.check_run_worker_health(run)
        assert health.status == WorkerStatus.FAILED
        assert f"worker process (pid {sleeper.pid}) is gone" in health.msg
    finally:
        sleeper.kill()


def test_a_run_with_no_reported_worker_is_left_alone(local):
    launcher = LocalRunLauncher()
    launcher.register_instance(local)
    assert launcher.check_run_worker_health(started_run(local)).status == WorkerStatus.RUNNING


def test_a_recycled_pid_is_not_the_worker():
    import os

    assert is_alive(Worker(os.getpid(), time.time()))
    assert not is_alive(Worker(os.getpid(), 0.0))  # this process is younger than 1970
    assert not is_alive(Worker(dead_pid(), time.time()))


def test_orphaned_cli_runs_are_failed_and_their_slots_freed(local):
    storage = local.event_log_storage
    storage.set_concurrency_slots("heavy", 1)
    orphan = started_run(local, {WORKER_PID_TAG: str(dead_pid())})
    alive = started_run(local, {WORKER_PID_TAG: str(__import__("os").getpid())})
    assert storage.claim_concurrency_slot("heavy", orphan.run_id, "transcript").is_claimed
    assert fail_orphaned_runs(local) == [orphan.run_id]
    assert local.get_run_by_id(orphan.run_id).status == dg.DagsterRunStatus.FAILURE
    assert local.get_run_by_id(alive.run_id).status == dg.DagsterRunStatus.STARTED
    assert storage.get_concurrency_info("heavy").claimed_slots == []
