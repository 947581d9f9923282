"""The newcomer's path for real: `make run`, a dropped file, the sensor, the UI in a browser,
a backfill, a retrain, automation and a course's notes, through the webserver and daemon a
user runs.

Each step fails with a message naming it. Run alone with `pytest tests/system -s`; skip with
`-m "not system"`."""

import json
import re

import pytest
from pypdf import PdfReader

from tests.helpers import system
from tests.helpers.media import copy_lecture
from tests.helpers.platform import (
    ARTIFACTS,
    ASSET_NODES,
    BACKFILL,
    LAUNCH_BACKFILL,
    LAUNCH_RUN,
    MATERIALIZATIONS,
    PARTITIONS,
    RUN,
    RUNS,
    WORKSPACE,
    in_flight,
    key_input,
    metadata,
    pdf_path,
    tag,
    wait_for,
)
from tests.helpers.ui import CHROMIUM, CHROMIUM_ARGS, drawn_lineage, open_global_lineage

pytestmark = pytest.mark.system

LECTURE_LINEAGE = {
    ("audio", "transcript"),
    ("slides", "transcript"),
    ("transcript", "summary"),
    ("slides", "summary"),
    ("summary", "pdf"),
    ("slides", "pdf"),
    ("transcript", "study_notes"),
    ("summary", "study_notes"),
    ("slides", "study_notes"),
    ("summary", "course_notes"),
}
LECTURE_ASSETS = {"audio", "slides", "transcript", "summary", "pdf", "study_notes"}
TRAINING_LINEAGE = {("mnist_dataset", "trained_model"), ("trained_model", "training_log")}
RUN_TIMEOUT_S = 300
AUTOMATION_TIMEOUT_S = 240
COURSE_TIMEOUT_S = 480  # a lecture through the pipeline, then the course sensor's next pass
# Enough training to produce a checkpoint in seconds; the accuracy gate is not under test here.
QUICK_TRAINING = {"epochs": 1, "max_batches": 5, "device": "cpu", "min_val_accuracy": 0.0}


def sensors(platform) -> dict[str, str]:
    entries = platform.gql(WORKSPACE)["workspaceOrError"]["locationEntries"]
    return {
        s["name"]: s["sensorState"]["status"]
        for e in entries
        for r in e["locationOrLoadError"].get("repositories", [])
        for s in r["sensors"]
    }


def asset_nodes(platform) -> list[dict]:
    return platform.gql(ASSET_NODES)["assetNodes"]


def lineage(nodes: list[dict], location: str) -> tuple[set[str], set[tuple[str, str]]]:
    """Asset names of one code location and the dependency edges among them, from GraphQL."""
    here = [n for n in nodes if n["repository"]["location"]["name"] == location]
    names = {n["assetKey"]["path"][-1] for n in here}
    edges = {
        (d["path"][-1], n["assetKey"]["path"][-1])
        for n in here
        for d in n["dependencyKeys"]
        if d["path"][-1] in names
    }
    return names, edges


def latest(platform, asset: str, partition: str | None = None) -> dict | None:
    variables = {"key": key_input(asset), "limit": 1}
    if partition:
        variables["partitions"] = [partition]
    node = platform.gql(MATERIALIZATIONS, variables)["assetNodeOrError"]
    events = node.get("assetMaterializations") if node else None
    return events[0] if events else None


def made_by(platform, asset: str, partition: str, limit: int = 10) -> list[dict]:
    """The runs behind the latest materializations of one partition, newest first."""
    variables = {"key": key_input(asset), "partitions": [partition], "limit": limit}
    node = platform.gql(MATERIALIZATIONS, variables)["assetNodeOrError"]
    ids = [e["runId"] for e in node["assetMaterializations"]]
    return [platform.gql(RUN, {"id": run_id})["runOrError"] for run_id in dict.fromkeys(ids)]


def launch(platform, step: str, location: str, assets: list[str], **extra) -> str:
    """Materialize ``assets`` as the UI's Materialize button does: the implicit asset job."""
    selector = {
        "repositoryLocationName": location,
        "repositoryName": "__repository__",
        "jobName": "__ASSET_JOB",
        "assetSelection": [key_input(a) for a in assets],
    }
    result = platform.gql(LAUNCH_RUN, {"params": {"selector": selector, **extra}})["launchRun"]
    if result["__typename"] != "LaunchRunSuccess":
        pytest.fail(f"{step}: launchRun of {assets} refused: {result}")
    return result["run"]["runId"]


def finished(platform, step: str, run_id: str, timeout: float = RUN_TIMEOUT_S) -> dict:
    def status():
        run = platform.gql(RUN, {"id": run_id})["runOrError"]
        return run if run["status"] in ("SUCCESS", "FAILURE", "CANCELED") else None

    run = wait_for(status, timeout)
    if run is None:
        pytest.fail(f"{step}: run {run_id} not finished within {timeout} s")
    if run["status"] != "SUCCESS":
        pytest.fail(f"{step}: run {run_id} ended {run['status']}: {run['stepStats']}")
    return run


def test_step1_platform_serves_both_code_locations_with_sensors_on(platform):
    info = platform.server_info()
    assert info and info["dagster_webserver_version"], "step 1: /server_info stopped answering"
    entries = platform.gql(WORKSPACE)["workspaceOrError"]["locationEntries"]
    loaded = {e["name"]: e["locationOrLoadError"] for e in entries}
    for name in ("lecture_assets", "training_assets"):
        location = loaded.get(name) or {}
        assert location.get("__typename") == "RepositoryLocation", f"step 1: {name}: {location}"
    states = sensors(platform)
    for name in ("inbox_sensor", "lecture_automation_sensor", "course_automation_sensor"):
        assert states.get(name) == "RUNNING", f"step 1: {name} is not on by default: {states}"


def test_step2_dropped_files_become_notes_without_any_request(platform, dropped):
    for name, key in dropped.items():
        pdf = pdf_path(platform, key)
        assert pdf.is_file(), f"step 2: {name} -> {key} succeeded but {pdf} is missing"
        assert pdf.read_bytes()[:5] == b"%PDF-", f"step 2: {pdf} is not a PDF"
        runs = made_by(platform, "pdf", key)
        assert any(tag(r, "dagster/sensor_name") == "inbox_sensor" for r in runs), (
            f"step 2: no pdf of {key} from the inbox sensor's run: {runs}"
        )
    statuses = platform.gql(PARTITIONS, {"key": key_input("pdf")})["assetNodeOrError"]
    keys = set(statuses["partitionKeysByDimension"][0]["partitionKeys"])
    materialized = set(statuses["assetPartitionStatuses"]["materializedPartitions"])
    assert set(dropped.values()) <= keys & materialized, f"step 2: pdf partitions {statuses}"


def test_step3_ui_shows_lineage_partitions_and_running_sensor(platform, dropped):
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("step 3: playwright is not installed (pip install -e '.[dev]')")
    if not CHROMIUM.exists():
        system.missing(f"step 3: Chromium ({CHROMIUM})")

    nodes = asset_nodes(platform)
    lecture_names, lecture_edges = lineage(nodes, "lecture_assets")
    assert lecture_names == {*LECTURE_ASSETS, "course_notes"}, f"step 3: {lecture_names}"
    assert lecture_edges == LECTURE_LINEAGE, f"step 3: GraphQL lineage {lecture_edges}"
    training_names, training_edges = lineage(nodes, "training_assets")
    assert training_edges == TRAINING_LINEAGE, f"step 3: GraphQL lineage {training_edges}"
    states = sensors(platform)
    assert states.get("inbox_sensor") == "RUNNING", f"step 3: sensors {states}"
    key = dropped["lecture.mp4"]

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 900})
        page.set_default_timeout(60_000)
        try:
            groups = sorted({n["groupName"] for n in nodes})
            open_global_lineage(page, platform.url, sorted(lecture_names | training_names), groups)
            page.screenshot(path=ARTIFACTS / "lineage.png")
            shown, arrows = drawn_lineage(page, sorted(lecture_names | training_names))
            missing = (lecture_names | training_names) - shown
            assert not missing, f"step 3: lineage page lacks {missing} (url {page.url})"
            drawn_lectures = {e for e in arrows if set(e) <= lecture_names}
            assert drawn_lectures == LECTURE_LINEAGE, f"step 3: drawn lineage {arrows}"
            drawn_training = {e for e in arrows if set(e) <= training_names}
            assert drawn_training == TRAINING_LINEAGE, (
                f"step 3: drawn training lineage {drawn_training}"
            )

            # The partitions tab filtered to Materialized, as its status checkboxes do.
            page.goto(f"{platform.url}/assets/pdf?view=partitions&status=MATERIALIZED")
            for partition in dropped.values():
                page.get_by_text(partition, exact=True).first.wait_for()
            label = page.get_by_text(re.compile(r"^Materialized \(\d+\)$")).inner_text()
            count = int(re.sub(r"\D", "", label))
            assert count >= len(dropped), f"step 3: partitions page says {label!r}"
            page.get_by_text(key, exact=True).first.click()
            page.get_by_text("Materialized", exact=True).wait_for()
            link = page.locator("a[href*='/runs/']").filter(has_text=re.compile(r"^[0-9a-f]{8}$"))
            run_id = link.first.get_attribute("href").split("/runs/")[1].split("?")[0]
            page.screenshot(path=ARTIFACTS / "pdf-partitions.png")
            run = platform.gql(RUN, {"id": run_id})["runOrError"]
            assert run.get("status") == "SUCCESS" and tag(run, "dagster/partition") == key, (
                f"step 3: partition {key} shows run {run_id}: {run}"
            )

            page.goto(f"{platform.url}/locations/lecture_assets/sensors/inbox_sensor")
            page.get_by_text("Registers each new, fully copied file").wait_for()
            toggle = page.locator("tr").filter(has_text="Running").get_by_role("checkbox")
            assert toggle.is_checked(), "step 3: inbox_sensor's Running toggle is off on its page"
            page.screenshot(path=ARTIFACTS / "inbox-sensor.png")
        except (PlaywrightError, AssertionError) as exc:
            page.screenshot(path=ARTIFACTS / "step3-failure.png")
            if isinstance(exc, AssertionError):
                raise
            pytest.fail(f"step 3: {page.url}: {exc.message.splitlines()[0]}")
        finally:
            browser.close()


def test_step4a_backfill_of_two_partitions(platform, dropped):
    keys = sorted(dropped.values())
    mtimes = {key: pdf_path(platform, key).stat().st_mtime_ns for key in keys}
    lecture_names, _ = lineage(asset_nodes(platform), "lecture_assets")
    params = {
        "partitionNames": keys,
        # The lecture-partitioned assets: course_notes is partitioned by course.
        "assetSelection": [key_input(a) for a in sorted(lecture_names - {"course_notes"})],
        "title": "system test backfill",
    }
    result = platform.gql(LAUNCH_BACKFILL, {"params": params})["launchPartitionBackfill"]
    if result["__typename"] != "LaunchBackfillSuccess":
        pytest.fail(f"step 4: launchPartitionBackfill refused: {result}")
    backfill_id = result["backfillId"]

    def backfill():
        return platform.gql(BACKFILL, {"id": backfill_id})["partitionBackfillOrError"]

    def runs_done():
        runs = backfill()["runs"]
        failed = [r for r in runs if r["status"] in ("FAILURE", "CANCELED")]
        if failed:
            pytest.fail(f"step 4: backfill {backfill_id} run failed: {failed}")
        ok = {tag(r, "dagster/partition") for r in runs if r["status"] == "SUCCESS"}
        return runs if ok >= set(keys) else None

    runs = wait_for(runs_done, 2 * RUN_TIMEOUT_S, interval=5)
    if runs is None:
        pytest.fail(f"step 4: backfill runs not done in {2 * RUN_TIMEOUT_S} s: {backfill()}")
    # The backfill daemon marks the backfill done on its next pass (every 30 s).
    state = wait_for(lambda: (b := backfill())["status"] != "REQUESTED" and b, 120)
    if not state or state["status"] != "COMPLETED_SUCCESS":
        pytest.fail(f"step 4: backfill {backfill_id} not completed: {state or backfill()}")
    run_ids = {r["runId"] for r in runs}
    for key in keys:
        recent = [r["runId"] for r in made_by(platform, "pdf", key)]
        assert run_ids & set(recent), f"step 4: no pdf of {key} from the backfill: {recent}"
        pdf = pdf_path(platform, key)
        assert pdf.stat().st_mtime_ns > mtimes[key], f"step 4: {pdf} was not rewritten"


def test_step4b_materializing_trained_model_gives_a_new_model_version(platform):
    nodes = {n["assetKey"]["path"][-1]: n for n in asset_nodes(platform)}
    assert "trained_model" in nodes, f"step 4: no trained_model asset among {sorted(nodes)}"
    upstream = [d["path"][-1] for d in nodes["trained_model"]["dependencyKeys"]]
    config = {"runConfigData": {"ops": {"trained_model": {"config": QUICK_TRAINING}}}}

    first = launch(platform, "step 4", "training_assets", [*upstream, "trained_model"], **config)
    finished(platform, "step 4", first)
    before = latest(platform, "trained_model")
    assert before and before["runId"] == first, f"step 4: no trained_model from run {first}"

    retrain = launch(platform, "step 4", "training_assets", ["trained_model"], **config)
    finished(platform, "step 4", retrain)
    after = latest(platform, "trained_model")
    assert after["runId"] == retrain, f"step 4: trained_model not re-materialized: {after}"
    old, new = metadata(before), metadata(after)
    assert new.get("version") and new["version"] != old.get("version"), (
        f"step 4: no new model version: before {old}, after {new}"
    )
    assert new.get("parent_version") == old["version"], f"step 4: new version {new}"


def test_step5_new_transcript_flows_to_summary_and_pdf(platform, dropped):
    key = dropped["jfk.flac"]
    pdf = pdf_path(platform, key)
    pdf_mtime = pdf.stat().st_mtime_ns
    tags = {"executionMetadata": {"tags": [{"key": "dagster/partition", "value": key}]}}
    run_id = launch(platform, "step 5", "lecture_assets", ["transcript"], **tags)
    run = finished(platform, "step 5", run_id)
    assert [a["path"] for a in run["assetSelection"]] == [["transcript"]], f"step 5: {run}"
    transcript = latest(platform, "transcript", key)
    assert transcript["runId"] == run_id, f"step 5: transcript of {key} is from {transcript}"

    def followed():
        events = [latest(platform, asset, key) for asset in ("summary", "pdf")]
        newer = all(int(e["timestamp"]) > int(transcript["timestamp"]) for e in events)
        return events if newer else None

    events = wait_for(followed, AUTOMATION_TIMEOUT_S, interval=5)
    if events is None:
        states = sensors(platform)
        pytest.fail(
            f"step 5: summary and pdf of {key} not re-materialized within "
            f"{AUTOMATION_TIMEOUT_S} s of the new transcript; sensors {states}"
        )
    for event in events:
        follow = finished(platform, "step 5", event["runId"])
        assert tag(follow, "dagster/sensor_name") == "lecture_automation_sensor", (
            f"step 5: summary/pdf run {follow['runId']} was not started by the automation: {follow}"
        )
    assert pdf.stat().st_mtime_ns > pdf_mtime, f"step 5: {pdf} was not rewritten"


def test_step6_a_courses_new_lecture_rebuilds_its_course_notes_by_itself(platform, dropped):
    """Recordings in inbox/<course>/ are that course's lectures; a later one re-materializes
    course_notes through the course automation sensor, without a click."""
    from lecture_assets.layout import Layout

    course = Layout.of(platform.data).course("biology-101")

    def drop(name: str, extra: bytes) -> None:
        staged = copy_lecture(platform.data.parent / "staging", name, extra)
        target = platform.inbox / "Biology 101" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        staged.rename(target)  # a finished copy appears at once, as the sensor expects

    def built_with(count: int, after: int = 0):
        # The run writes the record before Dagster stores its materialization, so the record
        # alone can show the new lecture while the latest event is still the previous build:
        # wait for an event newer than `after` as well.
        def check():
            event = latest(platform, "course_notes", "biology-101")
            if not event or int(event["timestamp"]) <= after or not course.record.is_file():
                return None
            lectures = json.loads(course.record.read_text())["lectures"]
            return event if len(lectures) == count else None

        return check

    drop("week 1.mp4", b"course lecture 1")
    first = wait_for(built_with(1), COURSE_TIMEOUT_S, interval=5)
    assert first, f"step 6: no course_notes of biology-101 after one lecture; {in_flight(platform)}"
    drop("week 2.mp4", b"course lecture 2")
    second = wait_for(built_with(2, after=int(first["timestamp"])), COURSE_TIMEOUT_S, interval=5)
    assert second, (
        f"step 6: course_notes not rebuilt with the second lecture; {in_flight(platform)}"
    )
    run = finished(platform, "step 6", second["runId"])
    assert tag(run, "dagster/sensor_name") == "course_automation_sensor", f"step 6: {run}"
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(course.pdf).pages).split())
    assert "Lecture 1: week 1" in text and "Lecture 2: week 2" in text
    lecture_runs = platform.gql(
        RUNS, {"filter": {"tags": [{"key": "konspekt/course", "value": "biology-101"}]}}
    )["runsOrError"]["results"]
    assert {tag(r, "konspekt/source") for r in lecture_runs} >= {
        "Biology 101/week 1.mp4",
        "Biology 101/week 2.mp4",
    }
