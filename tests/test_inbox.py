import re

import pytest

from lecture_assets import inbox

SAFE_KEY = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Lecture 1 (intro).mp4", "lecture-1-intro"),
        ("Лекция 3. Фотосинтез.mkv", "lektsiya-3-fotosintez"),
        ("a <b> & \"c\" 'd'.mov", "a-b-c-d"),
        ("...hidden..dots....mp3", "hidden-dots"),
        ("Café Ünïcode.wav", "cafe-unicode"),
        ("日本語.mp4", "lecture"),
    ],
)
def test_partition_key_is_a_safe_readable_slug(name, slug):
    key = inbox.partition_key(name, "0123456789abcdef")
    assert key == f"{slug}-0123456789"
    assert SAFE_KEY.match(key) and ".." not in key


def test_partition_key_is_bounded_for_long_names():
    key = inbox.partition_key("x" * 300 + ".mp4", "f" * 64)
    assert len(key) <= 64 and SAFE_KEY.match(key)


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
    assert inbox.is_candidate(name) is admitted


def test_scan_lists_media_recursively_and_skips_hidden_folders(tmp_path):
    (tmp_path / "week1").mkdir()
    (tmp_path / ".trash").mkdir()
    (tmp_path / "week1" / "a.mp4").write_bytes(b"12345")
    (tmp_path / ".trash" / "b.mp4").write_bytes(b"1")
    (tmp_path / "readme.txt").write_text("not media")
    found = inbox.scan(tmp_path)
    assert list(found) == ["week1/a.mp4"]
    assert found["week1/a.mp4"][0] == 5


def test_register_is_idempotent_and_indexed(tmp_path):
    source = tmp_path / "talk.mp3"
    source.write_bytes(b"abc")
    digest = inbox.fingerprint(source)
    key = inbox.partition_key(source.name, digest)
    lectures = tmp_path / "lectures"
    first = inbox.register(lectures, key, source, digest)
    again = inbox.register(lectures, key, source, digest)
    assert first == again and inbox.lookup(lectures, key) == first
    assert first.path == str(source.resolve()) and first.size == 3
    assert inbox.fingerprint_index(lectures) == {digest: key}
    assert inbox.lookup(lectures, "missing") is None
