"""Run monitoring's view of the local instance: which runs lost their worker process."""

import json
import os
import socket
import subprocess
import sys
import time

import dagster as dg
import pytest
from dagster._core.events import EngineEventData
from dagster._core.launcher import WorkerStatus

from konspekt.launcher import (
    WORKER_HOST_TAG,
    WORKER_PID_TAG,
    LocalRunLauncher,
    Worker,
    fail_orphaned_runs,
    is_alive,
)


@pytest.fixture
def local(tmp_path):
    (tmp_path / "home").mkdir()
    with dg.DagsterInstance.local_temp(str(tmp_path / "home")) as instance:
        yield instance


# What LocalRunLauncher and Dagster's default launcher record for a run they start through a
# code server on this host.
LOCAL_GRPC = {
    ".dagster/grpc_info": json.dumps({"host": "localhost", "port": 4266}),
    WORKER_HOST_TAG: socket.gethostname(),
}


def started_run(instance, tags=None) -> dg.DagsterRun:
    tags = LOCAL_GRPC if tags is None else tags
    run = dg.DagsterRun(job_name="lecture_job", status=dg.DagsterRunStatus.STARTED, tags=tags)
    return instance.add_run(run)


def cli_tags(pid: int, host: str | None = None) -> dict[str, str]:
    return {WORKER_PID_TAG: str(pid), WORKER_HOST_TAG: host or socket.gethostname()}


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
    orphan = started_run(local, cli_tags(dead_pid()))
    alive = started_run(local, cli_tags(os.getpid()))
    elsewhere = started_run(local, cli_tags(dead_pid(), host="another-host"))
    container = started_run(local, {})  # e.g. a Docker run worker: its pid means nothing here
    remote = started_run(local, {**LOCAL_GRPC, WORKER_HOST_TAG: "another-host"})
    assert storage.claim_concurrency_slot("heavy", orphan.run_id, "transcript").is_claimed
    assert fail_orphaned_runs(local) == [orphan.run_id]
    assert local.get_run_by_id(orphan.run_id).status == dg.DagsterRunStatus.FAILURE
    for run in (alive, elsewhere, container, remote):
        assert local.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.STARTED
    failure = local.get_records_for_run(
        orphan.run_id, of_type=dg.DagsterEventType.RUN_FAILURE
    ).records[0]
    assert failure.event_log_entry.dagster_event.message.endswith(
        "Run the same `konspekt` command again; finished outputs are kept."
    )
    assert storage.get_concurrency_info("heavy").claimed_slots == []


def test_the_message_says_what_comes_next(local):
    from konspekt.launcher import crash_message

    worker = Worker(123, 0.0)
    launched = crash_message(started_run(local), worker)
    assert launched.startswith("The run's worker process (pid 123) is gone")
    assert "Run retries start it again from the step that was cut short" in launched
    cli = crash_message(started_run(local, cli_tags(123)), worker)
    assert cli.endswith("Run the same `konspekt` command again; finished outputs are kept.")


def test_a_ui_re_execution_of_a_cli_run_is_judged_by_its_own_worker(local):
    """A re-execution copies the CLI run's tags (its dead pid among them): the launcher clears
    that pid, and the run's own logged worker decides."""
    launcher = LocalRunLauncher()
    launcher.register_instance(local)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        time.sleep(0.2)
        copied = {**cli_tags(dead_pid()), "dagster/max_retries": "0"}
        run = started_run(local, copied)
        local.add_run_tags(run.run_id, {WORKER_PID_TAG: "", **LOCAL_GRPC})  # as launch_run does
        run = local.get_run_by_id(run.run_id)
        event = EngineEventData.in_process(sleeper.pid)
        local.report_engine_event(f"Started process for run (pid: {sleeper.pid}).", run, event)
        assert launcher.check_run_worker_health(run).status == WorkerStatus.RUNNING
        assert fail_orphaned_runs(local) == []
    finally:
        sleeper.kill()
