"""`konspekt process` as a user runs it: a subprocess against a real DAGSTER_HOME."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest
from conftest import JFK, JFK_TEXT, LECTURE_MP4, make_media

pytestmark = pytest.mark.slow

KONSPEKT = Path(sys.executable).with_name("konspekt")


def run_cli(tmp_path, *args: str, command: str = "process") -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DAGSTER_HOME": str(tmp_path / "home"),
        "KONSPEKT_DATA_DIR": str(tmp_path / "data"),
    }
    (tmp_path / "home").mkdir(exist_ok=True)
    return subprocess.run(
        [str(KONSPEKT), command, *args], env=env, capture_output=True, text=True, timeout=600
    )


def test_process_json_reports_each_input_in_order(tmp_path):
    copy = tmp_path / "same bytes.mp4"
    copy.write_bytes(LECTURE_MP4.read_bytes())
    inputs = [str(JFK), "missing.mp4", str(LECTURE_MP4), str(copy)]
    proc = run_cli(tmp_path, "--json", *inputs)
    assert proc.returncode == 1, proc.stderr[-2000:]  # one input failed
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [line["input"] for line in lines] == inputs
    jfk, missing, lecture, duplicate = lines

    assert jfk["status"] == "ok" and jfk["error"] is None
    folder = Path(jfk["pdf"]).parent
    assert Path(jfk["pdf"]).is_absolute() and folder.name == jfk["partition"]
    words = json.loads((folder / "transcript.json").read_text())
    spoken = " ".join(s["text"] for s in words["segments"])
    assert (
        re.sub(r"\W+", " ", spoken).lower().split() == re.sub(r"\W+", " ", JFK_TEXT).lower().split()
    )

    assert missing == {
        "input": "missing.mp4",
        "status": "failed",
        "partition": None,
        "pdf": None,
        "error": "missing.mp4 was not found.",
    }
    assert lecture["status"] == "ok" and Path(lecture["pdf"]).is_file()
    assert duplicate["status"] == "duplicate" and duplicate["partition"] == lecture["partition"]
    assert "processing" in proc.stderr  # progress goes to stderr, results to stdout

    # The runs and partitions are in the instance the UI reads.
    os.environ["DAGSTER_HOME"] = str(tmp_path / "home")
    with dg.DagsterInstance.get() as instance:
        keys = instance.get_dynamic_partitions("lectures")
        assert set(keys) == {jfk["partition"], lecture["partition"]}
        assert len(instance.get_runs()) == 2


def test_failed_stage_reports_one_sentence(tmp_path):
    silent = make_media(tmp_path / "screen capture.mp4", "-f", "lavfi", "-i", "color=s=64x64:d=1")
    proc = run_cli(tmp_path, "--json", str(silent))
    assert proc.returncode == 1
    (line,) = [json.loads(x) for x in proc.stdout.splitlines()]
    assert line["status"] == "failed" and line["partition"]
    assert line["error"] == "screen capture.mp4 has no audio track."


def test_backfill_reprocesses_registered_lectures_as_tagged_runs(tmp_path):
    proc = run_cli(tmp_path, "--json", str(JFK))
    key = json.loads(proc.stdout)["partition"]
    pdf = tmp_path / "data" / "lectures" / key / "notes.pdf"
    first_pdf = pdf.stat().st_mtime_ns

    proc = run_cli(tmp_path, "--json", "--all", command="backfill")
    assert proc.returncode == 0, proc.stderr[-2000:]
    (line,) = [json.loads(x) for x in proc.stdout.splitlines()]
    assert line == {"input": key, "status": "ok", "partition": key, "pdf": str(pdf), "error": None}
    assert pdf.stat().st_mtime_ns > first_pdf
    assert f"backfill 1/1: {key}" in proc.stderr

    proc = run_cli(tmp_path, "--missing", command="backfill")
    assert proc.returncode == 0 and proc.stdout == ""
    assert "nothing to backfill" in proc.stderr

    proc = run_cli(tmp_path, "--json", key, key, "no-such-lecture", command="backfill")
    assert proc.returncode == 1
    ok, unknown = [json.loads(x) for x in proc.stdout.splitlines()]
    assert ok["status"] == "ok"
    assert unknown["error"] == "No lecture no-such-lecture is registered."

    os.environ["DAGSTER_HOME"] = str(tmp_path / "home")
    with dg.DagsterInstance.get() as instance:
        runs = instance.get_runs()
        assert len(runs) == 3
        backfills = {r.tags.get("konspekt/backfill") for r in runs} - {None}
        assert len(backfills) == 2  # one id per backfill command, shared by its runs
        assert all(r.tags["dagster/partition"] == key for r in runs)
