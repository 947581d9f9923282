"""Chaos: the platform killed mid-transcript, and a run worker killed, recover by themselves.

`make run` as a user starts it; lectures dropped into the inbox; then the whole process group
is SIGKILLed while a transcript runs (a power cut, a closed terminal) and started again, and
later one run's worker process is SIGKILLed (an OOM kill). Every lecture must still reach its
notes.pdf with no request from the test, and no pool slot may stay with a finished run.
"""

import os
import signal
import time

import dagster as dg
import pytest

from konspekt.launcher import worker_of
from lecture_assets.layout import Layout
from tests.helpers.media import copy_lecture
from tests.helpers.platform import ARTIFACTS, RUN, RUNS, Platform, in_flight, tag, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.system]

START_TIMEOUT_S = 180
TRANSCRIPT_TIMEOUT_S = 300
RECOVERY_TIMEOUT_S = 480


@pytest.fixture(scope="module")
def chaos(tmp_path_factory):
    root = tmp_path_factory.mktemp("chaos")
    # The extractive notes writer keeps the test on what it is about: recovery, not the LLM.
    running = Platform(
        root / "dagster_home",
        root / "data",
        ARTIFACTS / "chaos-dagster-dev.log",
        env={"KONSPEKT_SUMMARIZER": "extractive"},
    )
    running.start()
    try:
        problem = running.wait_ready(START_TIMEOUT_S)
        if problem:
            pytest.fail(f"chaos: {problem}")
        yield running
    finally:
        running.stop()


def drop(platform: Platform, name: str, extra: bytes) -> None:
    copy_lecture(platform.inbox, name, extra=extra)  # distinct bytes: a lecture of its own


def transcribing(platform: Platform) -> dict | None:
    """A run whose transcript step is in progress."""
    for run in in_flight(platform):
        if run["status"] != "STARTED":
            continue
        detail = platform.gql(RUN, {"id": run["runId"]})["runOrError"]
        steps = {s["stepKey"]: s["status"] for s in detail.get("stepStats", [])}
        if steps.get("transcript") == "IN_PROGRESS":
            return detail
    return None


def pdfs(platform: Platform) -> dict[str, bool]:
    """Lecture key -> whether its notes.pdf exists, for every registered lecture."""
    layout = Layout.of(platform.data)
    return {f.key: f.pdf.is_file() for f in layout.registered()}


def every_pdf(platform: Platform, count: int):
    return lambda: len(pdfs(platform)) == count and all(pdfs(platform).values())


def runs_of(platform: Platform) -> list[dict]:
    return platform.gql(RUNS, {"filter": {}})["runsOrError"]["results"]


def report(platform: Platform) -> str:
    runs = [(r["runId"][:8], r["status"], tag(r, "dagster/partition")) for r in runs_of(platform)]
    return f"runs {runs}; pdfs {pdfs(platform)}; log:\n{platform.log_tail(40)}"


def test_killing_the_platform_mid_transcript_costs_a_retry_not_a_wedged_queue(chaos):
    drop(chaos, "first.mp4", b"first")
    drop(chaos, "second.mp4", b"second")
    victim = wait_for(lambda: transcribing(chaos), TRANSCRIPT_TIMEOUT_S, interval=1)
    if not victim:
        pytest.fail(
            f"chaos: no transcript started within {TRANSCRIPT_TIMEOUT_S} s; {report(chaos)}"
        )

    chaos.crash()
    restarted = time.monotonic()
    chaos.start()
    problem = chaos.wait_ready(START_TIMEOUT_S)
    if problem:
        pytest.fail(f"chaos: after the restart, {problem}")
    if not wait_for(every_pdf(chaos, 2), RECOVERY_TIMEOUT_S, interval=5):
        pytest.fail(f"chaos: lectures not recovered after the restart; {report(chaos)}")
    recovered_s = time.monotonic() - restarted

    killed = chaos.gql(RUN, {"id": victim["runId"]})["runOrError"]
    assert killed["status"] == "FAILURE", report(chaos)
    retries = [r for r in runs_of(chaos) if tag(r, "dagster/parent_run_id") == victim["runId"]]
    assert [r["status"] for r in retries] == ["SUCCESS"], report(chaos)
    # Nothing left STARTED or STARTING: at "run" pool granularity those are what hold the pool.
    assert wait_for(lambda: not in_flight(chaos), 120, interval=5), report(chaos)
    print(f"chaos: both lectures had notes {recovered_s:.0f} s after the restart")


def test_a_killed_run_worker_is_retried_and_the_queue_keeps_moving(chaos):
    drop(chaos, "third.mp4", b"third")
    victim = wait_for(lambda: transcribing(chaos), TRANSCRIPT_TIMEOUT_S, interval=1)
    if not victim:
        pytest.fail(
            f"chaos: no transcript started within {TRANSCRIPT_TIMEOUT_S} s; {report(chaos)}"
        )
    with dg.DagsterInstance.from_config(str(chaos.home)) as instance:
        worker = worker_of(instance, instance.get_run_by_id(victim["runId"]))
    assert worker is not None, "Dagster logged no worker pid for the run"
    os.kill(worker.pid, signal.SIGKILL)
    drop(chaos, "fourth.mp4", b"fourth")  # must not wait behind the dead run

    if not wait_for(every_pdf(chaos, 4), RECOVERY_TIMEOUT_S, interval=5):
        pytest.fail(f"chaos: the queue stopped after a worker was killed; {report(chaos)}")
    assert chaos.gql(RUN, {"id": victim["runId"]})["runOrError"]["status"] == "FAILURE"
    retried = [r for r in runs_of(chaos) if tag(r, "dagster/parent_run_id") == victim["runId"]]
    assert [r["status"] for r in retried] == ["SUCCESS"], report(chaos)
    assert wait_for(lambda: not in_flight(chaos), 120, interval=5), report(chaos)
