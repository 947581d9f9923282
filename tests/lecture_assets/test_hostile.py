"""Every kind of bad input gets one clear outcome, and no input is ever modified."""

import hashlib
import json
import shutil

import pytest
from pypdf import PdfReader

from tests.helpers.cli import EXTRACTIVE, run_cli
from tests.helpers.media import JFK, LECTURE_MP4, make_media

pytestmark = pytest.mark.slow

ODD_NAME = 'Лекция <1> & "quotes" [v2].m4a'


@pytest.fixture(scope="module")
def hostile_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("uploads")
    lavfi = ("-f", "lavfi", "-i")
    make_media(folder / "no audio.mp4", *lavfi, "color=s=64x64:d=2")
    (folder / "empty.mp4").write_bytes(b"")
    (folder / "notes.mp4").write_text("Meeting notes, renamed by mistake.\n" * 40)
    (folder / "cut.mp4").write_bytes(LECTURE_MP4.read_bytes()[:20_000])
    make_media(folder / "full.mkv", "-i", str(LECTURE_MP4), "-c", "copy")
    data = (folder / "full.mkv").read_bytes()
    (folder / "cut.mkv").write_bytes(data[: len(data) // 2])  # decodes half, then breaks
    (folder / "full.mkv").unlink()
    make_media(folder / "silence.wav", *lavfi, "anullsrc=r=16000:cl=mono:d=6")
    make_media(folder / "jfk.mp3", "-i", str(JFK), "-b:a", "64k")
    shutil.copyfile(folder / "jfk.mp3", folder / "same bytes.mp3")
    make_media(folder / ODD_NAME, "-i", str(LECTURE_MP4), "-vn", "-c:a", "copy")
    return folder


def digests(folder) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


def test_folder_of_bad_and_good_files(tmp_path, hostile_folder):
    before = digests(hostile_folder)
    proc = run_cli(
        tmp_path, "--json", str(hostile_folder), str(tmp_path / "nowhere.mp4"), env=EXTRACTIVE
    )
    assert proc.returncode == 1
    outcomes = {}
    for line in proc.stdout.splitlines():
        item = json.loads(line)
        outcomes[item["input"].rsplit("/", 1)[-1]] = item
    assert len(outcomes) == 10, proc.stdout

    def failed_with(name: str, sentence: str) -> None:
        item = outcomes[name]
        assert (item["status"], item["error"], item["pdf"]) == ("failed", sentence, None), item

    failed_with("no audio.mp4", "no audio.mp4 has no audio track.")
    failed_with("empty.mp4", "empty.mp4 is empty (0 bytes).")
    failed_with("notes.mp4", "notes.mp4 is not a readable video or audio file.")
    failed_with("cut.mp4", "cut.mp4 is truncated or corrupt and cannot be decoded.")
    failed_with("cut.mkv", "cut.mkv is truncated or corrupt and cannot be decoded.")
    failed_with("silence.wav", "No speech detected in the recording.")
    failed_with("nowhere.mp4", f"{tmp_path / 'nowhere.mp4'} was not found.")

    assert outcomes["jfk.mp3"]["status"] == "ok"
    assert outcomes["same bytes.mp3"] == {
        "input": str(hostile_folder / "same bytes.mp3"),
        "status": "duplicate",
        "partition": outcomes["jfk.mp3"]["partition"],
        "pdf": None,
        "error": None,
        "course": None,
    }
    odd = outcomes[ODD_NAME]
    assert odd["status"] == "ok" and odd["partition"].startswith("lektsiya-1-quotes-v2-")
    pdf_text = " ".join(PdfReader(odd["pdf"]).pages[0].extract_text().split())
    assert 'Лекция <1> & "quotes" [v2]' in pdf_text
    assert digests(hostile_folder) == before  # sources are read-only to the platform


def test_recording_over_the_maximum_length_fails_clearly(tmp_path, monkeypatch):
    long = make_media(tmp_path / "long.wav", "-f", "lavfi", "-i", "sine=duration=30")
    monkeypatch.setenv("KONSPEKT_MAX_MINUTES", "0.25")
    proc = run_cli(tmp_path, "--json", str(long))
    (item,) = [json.loads(x) for x in proc.stdout.splitlines()]
    assert item["status"] == "failed"
    assert item["error"] == (
        "long.wav lasts 00:30, longer than the configured maximum of 00:15 (KONSPEKT_MAX_MINUTES)."
    )
