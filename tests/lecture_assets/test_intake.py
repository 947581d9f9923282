import re

import pytest

from lecture_assets import intake
from lecture_assets.layout import Layout
from tests.helpers.media import copy_lecture

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
    key = intake.partition_key(name, "0123456789abcdef")
    assert key == f"{slug}-0123456789"
    assert SAFE_KEY.match(key) and ".." not in key


def test_partition_key_is_bounded_for_long_names():
    key = intake.partition_key("x" * 300 + ".mp4", "f" * 64)
    assert len(key) <= 64 and SAFE_KEY.match(key)


def test_register_is_idempotent_and_indexed(tmp_path):
    source = tmp_path / "talk.mp3"
    source.write_bytes(b"abc")
    digest = intake.fingerprint(source)
    key = intake.partition_key(source.name, digest)
    layout = Layout.of(tmp_path / "data")
    first = intake.register(layout.lecture(key), source, digest)
    again = intake.register(layout.lecture(key), source, digest)
    assert first == again and layout.lecture(key).read_source() == first
    assert first.path == str(source.resolve()) and first.size == 3
    assert intake.fingerprint_index(layout) == {digest: key}
    assert layout.lecture("missing-0000000000").read_source() is None


def test_admit_registers_a_recording_once_and_names_its_duplicates(tmp_path):
    layout = Layout.of(tmp_path / "data")
    source = copy_lecture(tmp_path, "Week 1.mp4")
    copy = copy_lecture(tmp_path, "copy of week 1.mp4")
    index = intake.fingerprint_index(layout)
    first = intake.admit(layout, source, index)
    assert first.status == "admitted" and first.key.startswith("week-1-")
    assert layout.lecture(first.key).read_source().path == str(source.resolve())
    assert intake.admit(layout, copy, index) == intake.Admission("duplicate", key=first.key)
    assert [folder.key for folder in layout.registered()] == [first.key]
    again = intake.admit(layout, source, intake.fingerprint_index(layout))
    assert again == first  # the same file dropped again: the same lecture


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("notes.mp4", b"Meeting notes, renamed by mistake.\n" * 40, "is not a readable video"),
        ("empty.mp4", b"", "is empty (0 bytes)"),
    ],
)
def test_admit_rejects_what_is_not_media_and_registers_nothing(tmp_path, name, content, reason):
    layout = Layout.of(tmp_path / "data")
    path = tmp_path / name
    path.write_bytes(content)
    admission = intake.admit(layout, path, {})
    assert admission.status == "rejected" and admission.key is None
    assert reason in admission.reason and name in admission.reason
    assert layout.registered() == []


def test_admit_says_when_a_file_cannot_be_read(tmp_path, monkeypatch):
    source = copy_lecture(tmp_path, "locked.mp4")

    def denied(path, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(intake, "fingerprint", denied)
    admission = intake.admit(Layout.of(tmp_path / "data"), source, {})
    assert admission == intake.Admission(
        "rejected", reason="locked.mp4 cannot be read (Permission denied)."
    )


def test_admission_reads_only_the_head_of_a_file_that_starts_like_media(tmp_path, monkeypatch):
    """A sensor tick admits thousands of files in seconds: ffmpeg runs only on the odd ones."""
    from lecture_assets.asr import media

    def no_ffmpeg(path):
        raise AssertionError(f"ffmpeg probed {path.name}")

    monkeypatch.setattr(media, "probe", no_ffmpeg)
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"\x00\x00\x00\x10ftypisom" + b"\x00" * 64)  # damage is the run's to find
    assert intake.admit(Layout.of(tmp_path / "data"), clip, {}).status == "admitted"


def test_a_data_folder_that_cannot_be_written_is_a_sentence_and_no_lecture(tmp_path):
    (tmp_path / "data").write_text("a file where the data folder should be")
    source = copy_lecture(tmp_path, "talk.mp4")
    index: dict[str, str] = {}
    admission = intake.admit(Layout.of(tmp_path / "data"), source, index)
    assert admission.status == "rejected" and admission.reason.startswith(
        "talk.mp4 was not registered: "
    )
    assert index == {}  # a copy of it later is not a "duplicate" of a lecture that never was


def test_a_fifo_named_on_the_command_line_is_refused_without_opening_it(tmp_path):
    import os

    fifo = tmp_path / "talk.mp4"
    os.mkfifo(fifo)  # opening it for reading would block until a writer comes
    admission = intake.admit(Layout.of(tmp_path / "data"), fifo, {})
    assert admission == intake.Admission(
        "rejected",
        reason="talk.mp4 is not a regular file (a FIFO, socket or device); only files are read.",
    )


def test_a_link_named_on_the_command_line_is_followed_but_not_from_the_inbox(tmp_path):
    source = copy_lecture(tmp_path / "elsewhere", "talk.mp4")
    link = tmp_path / "link.mp4"
    link.symlink_to(source)
    layout = Layout.of(tmp_path / "data")
    assert intake.admit(layout, link, {}, follow_links=False).status == "rejected"
    admitted = intake.admit(layout, link, {})
    assert admitted.status == "admitted"
    assert layout.lecture(admitted.key).read_source().path == str(source.resolve())
