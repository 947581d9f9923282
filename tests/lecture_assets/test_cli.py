"""`konspekt process` as a user runs it: a subprocess against a real DAGSTER_HOME."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import dagster as dg
import pytest

from tests.helpers import REPO
from tests.helpers.cli import EXTRACTIVE, KONSPEKT, run_cli
from tests.helpers.media import JFK, JFK_TEXT, LECTURE_MP4, make_media

pytestmark = pytest.mark.slow


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
        "course": None,
    }
    assert lecture["status"] == "ok" and Path(lecture["pdf"]).is_file()
    assert duplicate["status"] == "duplicate" and duplicate["partition"] == lecture["partition"]
    assert "processing" in proc.stderr  # progress goes to stderr, results to stdout

    # The runs and partitions are in the instance the UI reads.
    with dg.DagsterInstance.from_config(str(tmp_path / "home")) as instance:
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
    proc = run_cli(tmp_path, "--json", str(JFK), env=EXTRACTIVE)
    key = json.loads(proc.stdout)["partition"]
    pdf = tmp_path / "data" / "lectures" / key / "notes.pdf"
    first_pdf = pdf.stat().st_mtime_ns

    proc = run_cli(tmp_path, "--json", "--all", command="backfill", env=EXTRACTIVE)
    assert proc.returncode == 0, proc.stderr[-2000:]
    (line,) = [json.loads(x) for x in proc.stdout.splitlines()]
    expected = {"input": key, "status": "ok", "partition": key, "pdf": str(pdf), "error": None}
    assert line == {**expected, "course": None}
    assert pdf.stat().st_mtime_ns > first_pdf
    assert f"backfill 1/1: {key}" in proc.stderr

    proc = run_cli(tmp_path, "--missing", command="backfill", env=EXTRACTIVE)
    assert proc.returncode == 0 and proc.stdout == ""
    assert "nothing to backfill" in proc.stderr

    proc = run_cli(
        tmp_path, "--json", key, key, "no-such-lecture", command="backfill", env=EXTRACTIVE
    )
    assert proc.returncode == 1
    ok, unknown = [json.loads(x) for x in proc.stdout.splitlines()]
    assert ok["status"] == "ok"
    assert unknown["error"] == "No lecture no-such-lecture is registered."

    with dg.DagsterInstance.from_config(str(tmp_path / "home")) as instance:
        runs = instance.get_runs()
        assert len(runs) == 3
        backfills = {r.tags.get("konspekt/backfill") for r in runs} - {None}
        assert len(backfills) == 2  # one id per backfill command, shared by its runs
        assert all(r.tags["dagster/partition"] == key for r in runs)


def test_a_document_renamed_mp4_is_refused_before_it_becomes_a_lecture(tmp_path):
    """The inbox sensor gives this file the same outcome (lecture_assets/test_sensor.py)."""
    document = tmp_path / "notes.mp4"
    document.write_text("Meeting notes, renamed by mistake.\n" * 40)
    proc = run_cli(tmp_path, "--json", str(document))
    assert proc.returncode == 1
    assert json.loads(proc.stdout) == {
        "input": str(document),
        "status": "failed",
        "partition": None,
        "pdf": None,
        "error": "notes.mp4 is not a readable video or audio file.",
        "course": None,
    }
    assert not (tmp_path / "data" / "lectures").exists()
    with dg.DagsterInstance.from_config(str(tmp_path / "home")) as instance:
        assert instance.get_dynamic_partitions("lectures") == []
        assert instance.get_runs() == []


def test_cli_first_then_make_run_share_one_instance_configuration(tmp_path):
    """With DAGSTER_HOME unset, the instance the CLI creates is the one `make run` serves,
    with the heavy pool limit and the run queue of the repository's dagster.yaml."""
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    env["KONSPEKT_DATA_DIR"] = str(tmp_path / "data")
    document = tmp_path / "notes.mp4"
    document.write_text("not a recording")
    proc = subprocess.run(
        [str(KONSPEKT), "process", str(document)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    home = tmp_path / ".dagster_home"
    assert f"DAGSTER_HOME not set, using {home}" in proc.stderr
    # What `make run` does before `dagster dev` (the venv is up to date: -o skips the install).
    make = ["make", "-C", str(REPO), "-o", ".venv/.installed", "home", f"DAGSTER_HOME={home}"]
    subprocess.run([*make, f"KONSPEKT_DATA_DIR={tmp_path / 'data'}"], check=True, env=env)
    with dg.DagsterInstance.from_config(str(home)) as instance:
        pools = instance.get_concurrency_config().pool_config
        assert pools.default_pool_limit == 1
        assert instance.run_coordinator.__class__.__name__ == "QueuedRunCoordinator"


def test_a_bad_setting_is_one_sentence_not_a_traceback(tmp_path):
    env = {**os.environ, "KONSPEKT_MAX_MINUTES": "abc", "DAGSTER_HOME": str(tmp_path)}
    proc = subprocess.run(
        [str(KONSPEKT), "process", str(JFK)], env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.strip() == (
        "konspekt: KONSPEKT_MAX_MINUTES must be a number of minutes (0 for no limit), not 'abc'."
    )


def test_two_konspekt_on_one_file_at_once_make_one_lecture_with_whole_files(tmp_path):
    """Two `konspekt process` started together on the same recording, sharing an instance and a
    data folder: one partition, both succeed, every artifact whole, no SQLite error shown."""
    import json

    from pypdf import PdfReader

    source = tmp_path / "talk.mp4"
    shutil.copyfile(LECTURE_MP4, source)
    env = {
        **os.environ,
        **EXTRACTIVE,
        "DAGSTER_HOME": str(tmp_path / "home"),
        "KONSPEKT_DATA_DIR": str(tmp_path / "data"),
    }
    (tmp_path / "home").mkdir()
    cmd = [str(KONSPEKT), "process", "--json", str(source)]
    procs = [
        subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [proc.communicate(timeout=600) for proc in procs]
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err[-3000:]
        assert "database is locked" not in err and "Traceback" not in err, err[-3000:]
    results = [json.loads(out) for out, _ in outputs]
    assert {r["status"] for r in results} == {"ok"}
    assert len({r["partition"] for r in results}) == 1
    folder = Path(results[0]["pdf"]).parent
    assert [p.name for p in folder.parent.iterdir()] == [folder.name]
    assert PdfReader(results[0]["pdf"]).pages  # whole, readable
    for name in ("summary.json", "transcript.json", "slides.json", "source.json"):
        json.loads((folder / name).read_text())
    assert not [p for p in folder.rglob("*.tmp")]
