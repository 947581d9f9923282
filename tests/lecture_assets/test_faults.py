"""Faults after admission: a source replaced or deleted, a key that is no key, a data folder
that fills up, two runs of one lecture at once. Each fails one way, with one sentence, and
leaves the earlier outputs as they were."""

import errno
import os
import shutil
import threading

import pytest

from konspekt.errors import KonspektError
from lecture_assets import intake
from lecture_assets.assets import audio, pdf, slides, summary
from lecture_assets.layout import Layout, checked_key
from lecture_assets.partitions import lecture_partitions
from lecture_assets.resources import LectureSummarizer
from tests.helpers.lectures import register, run
from tests.helpers.media import JFK, LECTURE_MP4, copy_lecture


def failure_of(result) -> str:
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    return failure.step_failure_data.user_failure_data.description


def test_a_source_replaced_after_registration_is_not_processed_under_its_key(
    instance, storage, resources
):
    source = copy_lecture(storage.inbox_dir, "talk.mp4")
    key = register(instance, storage, source)
    shutil.copyfile(JFK, source)  # other bytes under the registered name
    result = run(instance, resources, key, [audio])
    assert not result.success
    assert failure_of(result).startswith(
        f"talk.mp4 changed after it was registered as lecture {key}"
    )
    assert not storage.lecture(key).audio.exists()
    # Same size, other bytes: the fingerprint, not the size, decides.
    data = bytearray(LECTURE_MP4.read_bytes())
    data[-1] ^= 0xFF
    source.write_bytes(bytes(data))
    result = run(instance, resources, key, [slides])
    assert "changed after it was registered" in failure_of(result)


def test_a_deleted_source_says_so_and_a_copy_dropped_later_takes_its_place(
    instance, storage, resources
):
    source = copy_lecture(storage.inbox_dir, "gone.mp4")
    key = register(instance, storage, source)
    source.unlink()
    result = run(instance, resources, key, [audio])
    assert failure_of(result).startswith(
        f"gone.mp4, the source of lecture {key}, was deleted or moved after it was registered"
    )
    assert f"`konspekt backfill {key}`" in failure_of(result)
    # Dropped again under another name: a duplicate of the lecture, which now points at it.
    again = copy_lecture(storage.inbox_dir, "found it.mp4")
    admission = intake.admit(storage.layout, again, intake.fingerprint_index(storage.layout))
    assert (admission.status, admission.key) == ("duplicate", key)
    assert run(instance, resources, key, [audio]).success


def test_a_source_swapped_for_a_link_after_registration_is_not_followed(
    instance, storage, resources, tmp_path
):
    source = copy_lecture(storage.inbox_dir, "talk.mp4")
    key = register(instance, storage, source)
    elsewhere = copy_lecture(tmp_path / "private", "same bytes.mp4")  # even the same content
    source.unlink()
    source.symlink_to(elsewhere)
    result = run(instance, resources, key, [audio])
    assert failure_of(result) == (
        "talk.mp4 is a symbolic link; links in the inbox are not followed (copy the file in)."
    )
    assert not storage.lecture(key).audio.exists()


def test_a_file_swapped_for_a_link_while_it_is_admitted_is_not_read(storage, tmp_path, monkeypatch):
    """The window between the first look and the hash: the hash refuses the link itself."""
    from lecture_assets.asr import media

    path = copy_lecture(storage.inbox_dir, "talk.mp4")
    secret = copy_lecture(tmp_path / "private", "secret.mp4", extra=b"secret")
    real = media.check_media

    def swap_during_the_probe(target):
        real(target)
        target.unlink()
        target.symlink_to(secret)

    monkeypatch.setattr(intake, "check_media", swap_during_the_probe)
    admission = intake.admit(storage.layout, path, {}, follow_links=False)
    assert admission.status == "rejected" and "became a link" in admission.reason
    assert not storage.lectures_dir.exists() or not any(storage.lectures_dir.iterdir())


@pytest.mark.parametrize("key", ["../inbox/evil", "a/b-0123456789", "..", "Talk-0123456789", ""])
def test_a_key_that_admission_never_makes_is_no_folder(instance, storage, resources, key):
    with pytest.raises(KonspektError, match="is not a lecture partition key"):
        storage.lecture(key)
    if key:  # Dagster refuses an empty key itself
        instance.add_dynamic_partitions(lecture_partitions.name, [key])
        result = run(instance, resources, key, [audio])
        assert "is not a lecture partition key" in failure_of(result)
    assert sorted(p.name for p in storage.layout.root.iterdir()) == ["inbox"]
    assert list(storage.inbox_dir.iterdir()) == []


def test_keys_admission_makes_pass_the_check():
    for name in ["Лекция 1.mp4", "a.mp4", "...mp4", "\udcff.mp4"]:
        assert checked_key(intake.partition_key(name, "0123456789abcdef"))
    from lecture_assets.courses.catalog import course_key

    for name in ["Биология", "Physics 101", "???"]:
        assert checked_key(course_key(name), "course") == course_key(name)


def test_a_full_disk_mid_write_is_a_sentence_and_keeps_the_earlier_notes(
    instance, storage, resources, monkeypatch
):
    """summary.json hits ENOSPC: the step fails with one sentence, the earlier summary and
    its PDF stay as they were, and no temp file is left."""
    from konspekt import files

    models_dir = resources["summarizer"].models_dir
    resources = {
        **resources,
        "summarizer": LectureSummarizer(name="extractive", models_dir=models_dir),
    }
    source = copy_lecture(storage.inbox_dir, "full.mp4")
    key = register(instance, storage, source)
    from lecture_assets.assets import transcript

    assert run(instance, resources, key, [audio, slides, transcript, summary, pdf]).success
    folder = storage.lecture(key)
    before = {p.name: p.read_bytes() for p in (folder.summary, folder.pdf)}
    real = os.replace

    def full(src, dst, *args, **kwargs):
        if str(dst).endswith("summary.json"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(files.os, "replace", full)
    result = run(instance, resources, key, [summary])
    assert not result.success
    assert failure_of(result) == (
        f"{folder.summary} could not be written: the disk is full (No space left on device). "
        "Earlier outputs are unchanged; fix the data folder and try again (materialize, or drop "
        "the file again)."
    )
    assert {p.name: p.read_bytes() for p in (folder.summary, folder.pdf)} == before
    assert [p.name for p in folder.path.iterdir() if p.name.endswith(".tmp")] == []


def test_a_data_folder_that_is_a_file_is_a_sentence(tmp_path):
    from konspekt.errors import SettingsError
    from konspekt.settings import Settings

    (tmp_path / "data").write_text("not a folder")
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"KONSPEKT_DATA_DIR": str(tmp_path / "data")})
    assert str(caught.value) == (
        f"KONSPEKT_DATA_DIR is {tmp_path / 'data'}, which is a file; it must name a folder "
        "(created if missing)."
    )
    # A lectures/ that is a file (the folder tree damaged by hand): admission says so.
    (tmp_path / "root").mkdir()
    (tmp_path / "root" / "lectures").write_text("")
    layout = Layout.of(tmp_path / "root")
    admission = intake.admit(layout, copy_lecture(tmp_path, "x.mp4"), {})
    assert admission.status == "rejected"
    assert "a file stands where a folder should be" in admission.reason


def test_two_runs_of_one_lecture_take_turns_in_its_folder(storage):
    """The folder lock: a second writer waits until the first is done, and says so."""
    folder = storage.lecture("talk-0123456789").path
    order: list[str] = []
    said: list[str] = []
    first_in = threading.Event()

    def first():
        with storage.writing(folder):
            first_in.set()
            order.append("first starts")
            threading.Event().wait(0.5)
            order.append("first ends")

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait(5)
    with storage.writing(folder, said.append):
        order.append("second")
    thread.join()
    assert order == ["first starts", "first ends", "second"]
    assert said and "another run is writing" in said[0]


def test_a_killed_writers_temp_files_are_swept_under_the_lock(storage):
    folder = storage.lecture("talk-0123456789").path
    (folder / "slides").mkdir(parents=True)
    old = [folder / ".transcript.json.abc.tmp", folder / "slides" / ".001.jpg.x.tmp"]
    for path in old:
        path.write_text("half")
        os.utime(path, (1, 1))
    fresh = folder / ".source.json.live.tmp"  # an admission writing right now
    fresh.write_text("{}")
    with storage.writing(folder):
        assert not any(p.exists() for p in old) and fresh.exists()
