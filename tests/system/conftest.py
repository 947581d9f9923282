"""The running platform and the lectures dropped into it, shared by the steps of the system test."""

import shutil
import time

import pytest

from tests.helpers.media import JFK, LECTURE_MP4
from tests.helpers.platform import (
    ARTIFACTS,
    PARTITIONS,
    RUNS,
    WORKSPACE,
    Platform,
    in_flight,
    tag,
    wait_for,
)

# A loaded 2-core CI machine: generous bounds, reached only when something is broken.
START_TIMEOUT_S = 180
DROP_TIMEOUT_S = 480
SETTLE_TIMEOUT_S = 180


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "system: starts `make run` and a browser; deselect with -m 'not system'"
    )


def sensor_report(platform: Platform) -> str:
    """The inbox sensor's state and last ticks, for failure messages."""
    try:
        locations = platform.gql(WORKSPACE)["workspaceOrError"]["locationEntries"]
    except Exception as exc:
        return f"(GraphQL unavailable: {exc})"
    for entry in locations:
        for repo in entry["locationOrLoadError"].get("repositories", []):
            for sensor in repo["sensors"]:
                if sensor["name"] == "inbox_sensor":
                    state = sensor["sensorState"]
                    ticks = [
                        (t["status"], t["runIds"], t["skipReason"], t["error"])
                        for t in state["ticks"]
                    ]
                    return f"inbox_sensor {state['status']}, last ticks {ticks}"
    return f"inbox_sensor not found in {[e['name'] for e in locations]}"


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    """Step 1: `make run` with a temporary instance and data folder, stopped whatever happens."""
    if shutil.which("make") is None:
        pytest.fail("step 1: `make` is not installed")
    root = tmp_path_factory.mktemp("system")
    running = Platform(root / "dagster_home", root / "data", ARTIFACTS / "dagster-dev.log")
    started = time.monotonic()
    running.start()
    try:
        if not wait_for(lambda: running.server_info() or running.exited() is not None, 120):
            pytest.fail(f"step 1: {running.url}/server_info not answering after 120 s")
        if running.exited() is not None:
            pytest.fail(f"step 1: `make run` exited with {running.exited()}:\n{running.log_tail()}")

        def loaded():
            entries = running.gql(WORKSPACE)["workspaceOrError"]["locationEntries"]
            return all(e["loadStatus"] == "LOADED" for e in entries) and entries

        remaining = START_TIMEOUT_S - (time.monotonic() - started)
        if not wait_for(loaded, max(remaining, 10)):
            pytest.fail(f"step 1: code locations not loaded:\n{running.log_tail()}")
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def dropped(platform) -> dict[str, str]:
    """Step 2: two recordings copied into the inbox, processed by the sensor alone.

    Returns file name -> partition key once each partition's run has succeeded."""
    files = [LECTURE_MP4, JFK]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        pytest.fail(f"step 2: test recordings not found: {missing}")
    for source in files:
        # Copy under a temporary name and rename, as the sensor expects of a finished copy.
        partial = platform.inbox / f"{source.name}.part"
        shutil.copyfile(source, partial)
        partial.rename(platform.inbox / source.name)

    def done() -> dict[str, str] | None:
        runs = platform.gql(
            RUNS, {"filter": {"tags": [{"key": "dagster/sensor_name", "value": "inbox_sensor"}]}}
        )
        runs = runs["runsOrError"]["results"]
        failed = [r for r in runs if r["status"] in ("FAILURE", "CANCELED")]
        if failed:
            pytest.fail(f"step 2: a sensor-launched run failed: {failed}")
        ok = {
            tag(r, "konspekt/source"): tag(r, "dagster/partition")
            for r in runs
            if r["status"] == "SUCCESS"
        }
        return ok if all(f.name in ok for f in files) else None

    keys = wait_for(done, DROP_TIMEOUT_S, interval=5)
    if not keys:
        partitions = platform.gql(PARTITIONS, {"key": {"path": ["pdf"]}})
        pytest.fail(
            f"step 2: dropped files not processed within {DROP_TIMEOUT_S} s; "
            f"{sensor_report(platform)}; pdf partitions {partitions}; "
            f"lectures folder {sorted(p.name for p in (platform.data / 'lectures').glob('*'))}"
        )
    # The automation sensor may add a run of its own as the sensor's run ends (it re-evaluates
    # every 30 s); let it finish so later steps start from a quiet instance.
    if not wait_for(lambda: not in_flight(platform), SETTLE_TIMEOUT_S, interval=5):
        pytest.fail(f"step 2: runs still going {SETTLE_TIMEOUT_S} s later: {in_flight(platform)}")
    return {f.name: keys[f.name] for f in files}
