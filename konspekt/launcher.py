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
import json
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
_LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
# A process is the run's worker only if it started before Dagster logged it (plus clock slack).
_SLACK_S = 5.0


@dataclass(frozen=True)
class Worker:
    pid: int
    started_by: float  # the worker existed at this time (epoch seconds)


def worker_tags() -> dict[str, str]:
    """Tags naming this process as the worker of a run it executes itself."""
    import os

    return {WORKER_PID_TAG: str(os.getpid()), WORKER_HOST_TAG: socket.gethostname()}


def _on_this_host(run: dg.DagsterRun) -> bool:
    """Only a worker on this machine can be checked by pid: an instance shared with other hosts
    (or containers) holds runs whose pids mean nothing here."""
    if WORKER_PID_TAG in run.tags:
        return run.tags.get(WORKER_HOST_TAG) == socket.gethostname()
    try:
        info = json.loads(run.tags.get(_GRPC_INFO_TAG, ""))
    except ValueError:
        return False
    return bool(info.get("socket")) or info.get("host") in (*_LOCAL_HOSTS, socket.gethostname())


def worker_of(instance: dg.DagsterInstance, run: dg.DagsterRun) -> Worker | None:
    """The process that executes ``run``, when Dagster or the CLI recorded it on this host."""
    if not _on_this_host(run):
        return None
    if WORKER_PID_TAG in run.tags:
        record = instance.get_run_record_by_id(run.run_id)
        when = (record.start_time or record.create_timestamp.timestamp()) if record else 0.0
        return Worker(int(run.tags[WORKER_PID_TAG]), when)
    records = instance.get_records_for_run(
        run.run_id, of_type=dg.DagsterEventType.ENGINE_EVENT, ascending=False, limit=50
    ).records
    for record in records:
        data = record.event_log_entry.dagster_event.engine_event_data
        pid = data.metadata.get("pid") if data and data.metadata else None
        if pid is not None:
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
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


def gone(instance: dg.DagsterInstance, run: dg.DagsterRun) -> Worker | None:
    """The recorded worker of ``run`` if it no longer runs; None if it runs or is unknown."""
    worker = worker_of(instance, run)
    return worker if worker and not is_alive(worker) else None


def crash_message(instance: dg.DagsterInstance, run: dg.DagsterRun, worker: Worker) -> str:
    """What happened and what comes next: a retry by itself, or what to do by hand."""
    what = (
        f"The run's worker process (pid {worker.pid}) is gone: the platform was stopped or the "
        "machine restarted while it ran, or the process was killed (out of memory?)."
    )
    if WORKER_PID_TAG in run.tags:  # a `konspekt process` run: nobody else can re-run it
        return f"{what} Run the same `konspekt` command again; finished outputs are kept."
    allowed = int(run.tags.get("dagster/max_retries", instance.run_retries_max_retries))
    done = int(run.tags.get("dagster/retry_number", 0))
    if instance.run_retries_enabled and done < allowed:
        return f"{what} It is retried from the step that was cut short ({done + 1} of {allowed})."
    return (
        f"{what} It was retried {done} time(s) already; re-execute it from failure in the UI "
        "(or `konspekt backfill KEY`) once the cause is fixed."
    )


def fail_orphaned_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark every STARTED run whose worker is gone as failed and free its pool slots: what run
    monitoring does in `dagster dev`, done by `konspekt` itself when no daemon runs."""
    failed = []
    for record in instance.get_run_records(dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED])):
        worker = gone(instance, record.dagster_run)
        if worker:
            run = record.dagster_run
            instance.report_run_failed(run, crash_message(instance, run, worker))
            instance.event_log_storage.free_concurrency_slots_for_run(record.dagster_run.run_id)
            failed.append(record.dagster_run.run_id)
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

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: dg.DagsterRun) -> CheckRunHealthResult:
        worker = gone(self._instance, run)
        if worker is None:  # alive, or not reported yet: as the default launcher assumes
            return CheckRunHealthResult(WorkerStatus.RUNNING)
        return CheckRunHealthResult(WorkerStatus.FAILED, crash_message(self._instance, run, worker))
