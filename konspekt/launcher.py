"""Crash recovery for the local instance: which runs lost their worker process.

Dagster's ``DefaultRunLauncher`` (what `dagster dev` uses) cannot tell a live run from one whose
process died: run monitoring assumes it is running, so after `dagster dev` is killed mid-run the
run stays STARTED for ever and, with a pool limit of one, blocks every later lecture. This
launcher is the default one plus a health check: a run's worker is the process whose pid Dagster
logged when it started it ("Started process for run (pid: N)"), or for a `konspekt process` run,
the pid in its ``konspekt/worker_pid`` tag. When that process is gone (or the pid now belongs to a
younger process), run monitoring marks the run failed, run retries re-execute it from the failed
step, and the freed pool slot lets the queue move on.
"""

from __future__ import annotations

import contextlib
import socket
from dataclasses import dataclass

import dagster as dg
from dagster._core.launcher import CheckRunHealthResult, WorkerStatus

from konspekt.orchestration import HEAVY_POOL

# Set on runs executed in the `konspekt` process itself (dg.materialize), which Dagster never
# logs a worker pid for.
WORKER_PID_TAG = "konspekt/worker_pid"
WORKER_HOST_TAG = "konspekt/worker_host"
# Where Dagster's default launcher records the code server that started a run's worker.
_GRPC_INFO_TAG = ".dagster/grpc_info"
# A process is the run's worker only if it started before Dagster logged it (plus clock slack).
# Generous: a wall clock stepped back after a laptop resumes must not make a live worker look
# younger than its run; a pid recycled within a minute of its run's start is rarer still.
_SLACK_S = 60.0


@dataclass(frozen=True)
class Worker:
    pid: int
    started_by: float  # the worker existed at this time (epoch seconds)


def worker_tags() -> dict[str, str]:
    """Tags naming this process as the worker of a run it executes itself."""
    import os

    return {WORKER_PID_TAG: str(os.getpid()), WORKER_HOST_TAG: socket.gethostname()}


def _on_this_host(run: dg.DagsterRun) -> bool:
    """Only a worker on this machine can be judged by its pid: an instance shared with other
    hosts (or containers) holds runs whose pids mean nothing here. LocalRunLauncher and the CLI
    tag their runs with the host."""
    return run.tags.get(WORKER_HOST_TAG) == socket.gethostname()


def worker_of(instance: dg.DagsterInstance, run: dg.DagsterRun) -> Worker | None:
    """The process that executes ``run``, when Dagster or the CLI recorded it on this host."""
    if not _on_this_host(run):
        return None
    if _GRPC_INFO_TAG not in run.tags:  # run in a `konspekt` process: the pid it tagged
        if not run.tags.get(WORKER_PID_TAG, "").isdigit():
            return None
        record = instance.get_run_record_by_id(run.run_id)
        when = (record.start_time or record.create_timestamp.timestamp()) if record else 0.0
        return Worker(int(run.tags[WORKER_PID_TAG]), when)
    # Launched through a code server (whose own tags a UI re-execution of a CLI run may carry
    # over, so they are not read here): the first process Dagster logged for the run.
    records = instance.get_records_for_run(
        run.run_id, of_type=dg.DagsterEventType.ENGINE_EVENT, ascending=True, limit=20
    ).records
    for record in records:
        data = record.event_log_entry.dagster_event.engine_event_data
        pid = data.metadata.get("pid") if data and data.metadata else None
        if pid is not None and str(pid.value).isdigit():
            return Worker(int(pid.value), record.event_log_entry.timestamp)
    return None


def is_alive(worker: Worker) -> bool:
    """Whether the worker process still runs (a zombie or a recycled pid does not count)."""
    import psutil

    try:
        process = psutil.Process(worker.pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        return process.create_time() <= worker.started_by + _SLACK_S
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:  # another user's process: not ours to judge, so alive
        return True


def gone(instance: dg.DagsterInstance, run: dg.DagsterRun) -> Worker | None:
    """The recorded worker of ``run`` if it no longer runs; None if it runs or is unknown."""
    worker = worker_of(instance, run)
    return worker if worker and not is_alive(worker) else None


def crash_message(run: dg.DagsterRun, worker: Worker) -> str:
    """What happened, and what comes next."""
    what = (
        f"The run's worker process (pid {worker.pid}) is gone: the platform was stopped or the "
        "machine restarted while it ran, or the process was killed (out of memory?)."
    )
    if _GRPC_INFO_TAG not in run.tags:  # a `konspekt process` run: nobody else can re-run it
        return f"{what} Run the same `konspekt` command again; finished outputs are kept."
    return (
        f"{what} Run retries start it again from the step that was cut short; once they are "
        "used up, re-execute it from failure in the UI (or `konspekt backfill KEY`)."
    )


def fail_orphaned_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark every STARTED run whose worker is gone as failed and free its pool slots: what run
    monitoring does in `dagster dev`, done by `konspekt` itself when no daemon runs."""
    failed = []
    for record in instance.get_run_records(dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED])):
        worker = gone(instance, record.dagster_run)
        # Read again: a run that ended since the listing (its process exiting normally) stays.
        run = instance.get_run_by_id(record.dagster_run.run_id)
        if worker is None or run is None or run.status != dg.DagsterRunStatus.STARTED:
            continue
        instance.report_run_failed(run, crash_message(run, worker))
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        failed.append(run.run_id)
    return failed


class LocalRunLauncher(dg.DefaultRunLauncher):
    """`dagster dev`'s launcher, with a run-worker health check for run monitoring."""

    def register_instance(self, instance: dg.DagsterInstance) -> None:
        super().register_instance(instance)
        # Dagster creates a pool's slots when a step first claims one; at "run" granularity no
        # step claims, so the very first dequeue saw no limit and launched two heavy runs.
        with contextlib.suppress(Exception):  # never keep the instance from starting
            storage = instance.event_log_storage
            if HEAVY_POOL not in storage.get_concurrency_keys():
                storage.initialize_concurrency_limit_to_default(HEAVY_POOL)

    def launch_run(self, context) -> None:
        # The host judges the worker's pid; a CLI pid carried over by a re-execution is cleared.
        tags = {WORKER_HOST_TAG: socket.gethostname(), WORKER_PID_TAG: ""}
        self._instance.add_run_tags(context.dagster_run.run_id, tags)
        super().launch_run(context)

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: dg.DagsterRun) -> CheckRunHealthResult:
        worker = gone(self._instance, run)
        if worker is None:  # alive, or not reported yet: as the default launcher assumes
            return CheckRunHealthResult(WorkerStatus.RUNNING)
        return CheckRunHealthResult(WorkerStatus.FAILED, crash_message(run, worker))
