import json

import pytest

from konspekt.watch import Arrivals, display_name, is_candidate, scan

MEDIA = frozenset({".mp4", ".mkv", ".m4a"})


@pytest.mark.parametrize(
    ("name", "admitted"),
    [
        ("talk.mp4", True),
        ("TALK.MKV", True),
        ("voice memo.m4a", True),
        (".talk.mp4", False),
        ("talk.mp4.part", False),
        ("talk.mp4.crdownload", False),
        ("~talk.mp4", False),
        ("notes.pdf", False),
        ("talk", False),
    ],
)
def test_is_candidate(name, admitted):
    assert is_candidate(name, MEDIA) is admitted


def test_scan_lists_candidates_recursively_and_skips_hidden_folders(tmp_path):
    (tmp_path / "week1").mkdir()
    (tmp_path / ".trash").mkdir()
    (tmp_path / "week1" / "a.mp4").write_bytes(b"12345")
    (tmp_path / ".trash" / "b.mp4").write_bytes(b"1")
    (tmp_path / "readme.txt").write_text("not media")
    found = scan(tmp_path, MEDIA)
    assert list(found) == ["week1/a.mp4"]
    assert found["week1/a.mp4"][0] == 5


def test_scan_takes_its_suffixes_from_the_caller(tmp_path):
    (tmp_path / "3").mkdir()
    (tmp_path / "3" / "digit.png").write_bytes(b"png")
    (tmp_path / "talk.mp4").write_bytes(b"mp4")
    assert list(scan(tmp_path, frozenset({".png"}))) == ["3/digit.png"]
    assert list(scan(tmp_path, MEDIA)) == ["talk.mp4"]


def test_a_file_is_ready_once_unchanged_across_two_ticks():
    first = Arrivals.of({"a.mp4": (10, 1)}, None)
    assert first.ready == [] and first.pending == {"a.mp4": [10, 1]}
    growing = Arrivals.of({"a.mp4": (20, 2)}, first.cursor())
    assert growing.ready == []  # still being copied
    settled = Arrivals.of({"a.mp4": (20, 2)}, growing.cursor())
    assert settled.ready == ["a.mp4"]
    settled.seen["a.mp4"] = settled.current["a.mp4"]
    again = Arrivals.of({"a.mp4": (20, 2)}, settled.cursor())
    assert again.ready == [] and json.loads(again.cursor())["seen"] == {"a.mp4": [20, 2]}
    replaced = Arrivals.of({"a.mp4": (30, 3)}, again.cursor())
    assert replaced.seen == {} and replaced.pending == {"a.mp4": [30, 3]}  # a re-upload is new


def test_display_name_replaces_control_characters():
    assert display_name("two\nlines\t.mp4") == "two\ufffdlines\ufffd.mp4"
