import json
import os
import shutil

import dagster as dg
import pytest

from lecture_assets import intake
from lecture_assets.sensors import inbox_sensor
from tests.helpers.media import LECTURE_MP4, copy_lecture


def tick(instance, storage, cursor=None) -> dg.SensorResult:
    context = dg.build_sensor_context(
        instance=instance, cursor=cursor, resources={"storage": storage}
    )
    return inbox_sensor(context)


def added_keys(result: dg.SensorResult) -> list[str]:
    return [k for request in result.dynamic_partitions_requests for k in request.partition_keys]


def test_new_file_is_admitted_on_the_second_tick_with_one_run(instance, storage):
    source = copy_lecture(storage.inbox_dir, "Intro lecture.mp4")
    first = tick(instance, storage)
    assert first.run_requests == [] and added_keys(first) == []

    second = tick(instance, storage, first.cursor)
    key = intake.partition_key("Intro lecture.mp4", intake.fingerprint(LECTURE_MP4))
    assert added_keys(second) == [key]
    (request,) = second.run_requests
    assert (request.run_key, request.partition_key) == (key, key)
    assert storage.source(key).path == str(source.resolve())
    assert source.read_bytes() == LECTURE_MP4.read_bytes()  # the inbox file is never touched

    # Evaluating again with the same cursor repeats the same run_key (Dagster dedupes it) ...
    again = tick(instance, storage, first.cursor)
    assert [r.run_key for r in again.run_requests] == [key]
    # ... and with the advanced cursor there is nothing left to do.
    third = tick(instance, storage, second.cursor)
    assert third.run_requests == [] and added_keys(third) == []


def test_file_still_growing_waits_until_stable(instance, storage):
    partial = storage.inbox_dir / "talk.mp4"
    data = LECTURE_MP4.read_bytes()
    partial.write_bytes(data[:1000])
    cursor = tick(instance, storage).cursor
    partial.write_bytes(data[:50_000])  # the copy goes on between ticks
    growing = tick(instance, storage, cursor)
    assert growing.run_requests == []
    partial.write_bytes(data)
    os.utime(partial, ns=(1, 1_700_000_000_000_000_000))
    done = tick(instance, storage, growing.cursor)
    assert done.run_requests == []  # changed again: one more tick to prove it is stable
    ready = tick(instance, storage, done.cursor)
    assert len(ready.run_requests) == 1


@pytest.mark.parametrize("name", [".hidden.mp4", "upload.mp4.part", "clip.mp4.crdownload", "x.txt"])
def test_hidden_temporary_and_foreign_files_are_ignored(instance, storage, name):
    copy_lecture(storage.inbox_dir, name)
    cursor = tick(instance, storage).cursor
    result = tick(instance, storage, cursor)
    assert result.run_requests == [] and json.loads(result.cursor)["pending"] == {}


def test_odd_names_get_safe_keys_and_duplicates_run_once(instance, storage):
    names = ["Лекция 1. «Введение» [v2].mp4", "a<b>&c, d (copy).mp4"]
    for name in names:
        copy_lecture(storage.inbox_dir, name)
    result = tick(instance, storage, tick(instance, storage).cursor)
    # Same bytes under two names: one partition, one run, for the first name in order.
    (request,) = result.run_requests
    assert request.partition_key.startswith("a-b-c-d-copy-")
    assert added_keys(result) == [request.partition_key]
    assert json.loads(result.cursor)["seen"].keys() == set(names)


def test_reupload_with_new_content_is_a_new_lecture(instance, storage, tmp_path):
    path = copy_lecture(storage.inbox_dir, "week1.mp4")
    cursor = tick(instance, storage, tick(instance, storage).cursor).cursor
    path.unlink()
    cursor = tick(instance, storage, cursor).cursor
    shutil.copyfile(LECTURE_MP4, path)
    with path.open("ab") as handle:
        handle.write(b"\0" * 16)  # different bytes, same name
    result = tick(instance, storage, tick(instance, storage, cursor).cursor)
    (request,) = result.run_requests
    assert request.partition_key == intake.partition_key("week1.mp4", intake.fingerprint(path))
    original = intake.partition_key("week1.mp4", intake.fingerprint(LECTURE_MP4))
    assert request.partition_key != original


def test_missing_inbox_is_an_empty_tick(instance, tmp_path):
    from lecture_assets.resources import LectureStorage

    storage = LectureStorage(data_dir=str(tmp_path / "nowhere"))
    result = tick(instance, storage)
    assert result.run_requests == [] and added_keys(result) == []


def test_undecodable_and_control_character_names_are_admitted(instance, storage):
    names = [os.fsdecode(b"lecture caf\xe9.mp4"), "two\nlines\t.mp4"]
    data = LECTURE_MP4.read_bytes()
    for i, name in enumerate(names):
        (storage.inbox_dir / name).write_bytes(data + bytes([i]))  # distinct content
    result = tick(instance, storage, tick(instance, storage).cursor)
    keys = sorted(r.partition_key for r in result.run_requests)
    assert [k.rsplit("-", 1)[0] for k in keys] == ["lecture-caf", "two-lines"]
    for request in result.run_requests:
        assert "\n" not in request.tags["konspekt/source"]
        record = storage.source(request.partition_key)
        assert os.path.exists(record.path)  # the registry round-trips the raw bytes


def test_one_unreadable_file_does_not_fail_the_tick(instance, storage, monkeypatch):
    copy_lecture(storage.inbox_dir, "good.mp4")
    copy_lecture(storage.inbox_dir, "bad.mp4", extra=b"other bytes")
    real = intake.fingerprint

    def flaky(path, *args, **kwargs):
        if path.name == "bad.mp4":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(intake, "fingerprint", flaky)
    result = tick(instance, storage, tick(instance, storage).cursor)
    assert [r.partition_key.split("-")[0] for r in result.run_requests] == ["good"]
    assert "bad.mp4" in json.loads(result.cursor)["seen"]  # logged and skipped, not retried


def test_admission_budget_defers_the_rest_to_later_ticks(instance, storage, monkeypatch):
    from lecture_assets import sensors

    monkeypatch.setattr(sensors, "ADMIT_BUDGET_S", -1.0)  # past the budget after every file
    for i in range(3):
        copy_lecture(storage.inbox_dir, f"part {i}.mp4", extra=bytes([i]))
    cursor = tick(instance, storage).cursor
    admitted: list[str] = []
    for _ in range(3):
        result = tick(instance, storage, cursor)
        assert len(result.run_requests) == 1  # at least one per tick, however slow
        admitted += [r.partition_key for r in result.run_requests]
        cursor = result.cursor
    assert len(set(admitted)) == 3
    assert tick(instance, storage, cursor).run_requests == []


def test_lecture_registered_elsewhere_gets_a_run_but_no_second_partition(instance, storage):
    # `konspekt process` registered these bytes under this name; now they land in the inbox.
    source = copy_lecture(storage.inbox_dir, "Intro lecture.mp4")
    key = intake.partition_key(source.name, intake.fingerprint(source))
    instance.add_dynamic_partitions("lectures", [key])
    first = tick(instance, storage)
    second = tick(instance, storage, first.cursor)
    assert [r.partition_key for r in second.run_requests] == [key]
    assert added_keys(second) == []


def test_a_document_renamed_mp4_gets_no_partition_and_a_logged_reason(instance, storage, capfd):
    """The same outcome as `konspekt process` on it (tests/lecture_assets/test_cli.py)."""
    (storage.inbox_dir / "notes.mp4").write_text("Meeting notes, renamed by mistake.\n" * 40)
    result = tick(instance, storage, tick(instance, storage).cursor)
    assert result.run_requests == [] and added_keys(result) == []
    assert "notes.mp4" in json.loads(result.cursor)["seen"]  # reported once, not every tick
    assert storage.layout.registered() == []
    # The tick's log, which the UI shows on the sensor's page.
    logged = capfd.readouterr().err
    assert "not a lecture: notes.mp4 is not a readable video or audio file." in logged


def _inbox_traps(inbox, outside):
    """Entries named like recordings that are no files to read: what a shared inbox may hold."""
    import socket

    secret = outside / "secret.mp4"
    copy_lecture(outside, "secret.mp4")
    (inbox / "to secret.mp4").symlink_to(secret)  # a link out of the inbox
    (inbox / "passwd.mp4").symlink_to("/etc/passwd")
    (inbox / "zero.mp4").symlink_to("/dev/zero")
    (inbox / "dangling.mp4").symlink_to(outside / "nowhere.mp4")
    (outside / "course").mkdir()
    copy_lecture(outside / "course", "linked.mp4", extra=b"linked")
    (inbox / "Linked course").symlink_to(outside / "course")  # a linked folder
    os.mkfifo(inbox / "pipe.mp4")  # opening it would block the tick for ever
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(inbox / "sock.mp4"))
    (inbox / "folder.mp4").mkdir()  # a folder named like a recording: just a folder
    copy_lecture(inbox / "folder.mp4", "inside.mp4", extra=b"inside")
    return sock


def test_links_fifos_and_sockets_are_refused_once_and_never_read(
    instance, storage, tmp_path, capfd
):
    import time

    outside = tmp_path / "outside"
    outside.mkdir()
    sock = _inbox_traps(storage.inbox_dir, outside)
    copy_lecture(storage.inbox_dir, "real.mp4")
    try:
        started = time.monotonic()
        first = tick(instance, storage)
        result = tick(instance, storage, first.cursor)
        assert time.monotonic() - started < 60  # no FIFO hang, no /dev/zero read
        keys = sorted(r.partition_key.rsplit("-", 1)[0] for r in result.run_requests)
        assert keys == ["inside", "real"]
        for request in result.run_requests:
            assert storage.source(request.partition_key).path.startswith(str(storage.inbox_dir))
        refused = json.loads(result.cursor)["refused"]
        # The linked folder is not walked into: "linked.mp4" behind it is never listed.
        names = ["dangling.mp4", "passwd.mp4", "pipe.mp4", "sock.mp4", "to secret.mp4", "zero.mp4"]
        assert sorted(refused) == names
        assert "symbolic link" in refused["passwd.mp4"] and "FIFO" in refused["pipe.mp4"]
        logged = capfd.readouterr()
        said = logged.out + logged.err
        assert "not a lecture: passwd.mp4 is a symbolic link" in said
        # Said once: the next tick is quiet about them.
        tick(instance, storage, result.cursor)
        assert "passwd.mp4" not in "".join(capfd.readouterr())
    finally:
        sock.close()


def test_a_burst_of_files_becomes_one_partition_and_one_run_each(instance, storage):
    from tests.helpers.media import make_media

    for i in range(36):  # distinct tones: every file different content
        make_media(
            storage.inbox_dir / f"burst {i:02d}.wav",
            "-f", "lavfi", "-i", f"sine=frequency={200 + 10 * i}:duration=1",
        )  # fmt: skip
    cursor = tick(instance, storage).cursor
    requests: list[dg.RunRequest] = []
    keys: list[str] = []
    for _ in range(40):
        result = tick(instance, storage, cursor)
        requests += result.run_requests
        keys += added_keys(result)
        for request in result.dynamic_partitions_requests:
            instance.add_dynamic_partitions("lectures", list(request.partition_keys))
        cursor = result.cursor
        if len(requests) >= 36 and not result.run_requests:
            break
    assert len(requests) == 36 and len({r.run_key for r in requests}) == 36
    assert sorted(keys) == sorted(r.partition_key for r in requests)
    assert len({storage.source(k).fingerprint for k in keys}) == 36
