import json
import os

import dagster as dg
import pytest
from PIL import Image

from training_assets.resources import TrainingStorage
from training_assets.sensors import mnist_incoming_sensor


@pytest.fixture
def storage(tmp_path) -> TrainingStorage:
    return TrainingStorage(data_dir=str(tmp_path / "data"))


def tick(instance, storage, cursor=None) -> dg.SensorResult:
    context = dg.build_sensor_context(
        instance=instance, cursor=cursor, resources={"storage": storage}
    )
    return mnist_incoming_sensor(context)


def drop(storage, relative: str, shade: int = 255):
    path = storage.incoming_dir / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("L", (28, 28), shade).save(path)
    return path


def test_no_incoming_folder_is_quiet(instance, storage):
    result = tick(instance, storage)
    assert result.run_requests == [] and json.loads(result.cursor) == {"pending": {}, "seen": {}}


def test_new_digits_are_admitted_on_the_second_tick_as_one_run(instance, storage):
    drop(storage, "3/a.png")
    drop(storage, "5/b.png")
    first = tick(instance, storage)
    assert first.run_requests == []
    assert set(json.loads(first.cursor)["pending"]) == {"3/a.png", "5/b.png"}

    second = tick(instance, storage, first.cursor)
    (request,) = second.run_requests
    assert (
        request.run_key.startswith("incoming-") and request.tags["konspekt/incoming_files"] == "2"
    )
    assert request.partition_key is None  # the training group is not partitioned
    assert set(json.loads(second.cursor)["seen"]) == {"3/a.png", "5/b.png"}

    # The same tick evaluated twice asks for the same run (Dagster launches it once) ...
    again = tick(instance, storage, first.cursor)
    assert [r.run_key for r in again.run_requests] == [request.run_key]
    # ... and after it, nothing is left to do.
    assert tick(instance, storage, second.cursor).run_requests == []


def test_more_digits_later_make_a_new_run(instance, storage):
    drop(storage, "3/a.png")
    cursor = tick(instance, storage, tick(instance, storage).cursor).cursor
    drop(storage, "3/c.png")
    waiting = tick(instance, storage, cursor)
    assert waiting.run_requests == []
    (request,) = tick(instance, storage, waiting.cursor).run_requests
    assert request.tags["konspekt/incoming_files"] == "1"
    assert set(json.loads(waiting.cursor)["seen"]) == {"3/a.png"}


def test_a_file_still_being_written_waits(instance, storage):
    path = drop(storage, "7/slow.png")
    cursor = tick(instance, storage).cursor
    path.write_bytes(path.read_bytes() + b"more")  # the copy goes on between ticks
    os.utime(path, ns=(1, 1_700_000_000_000_000_000))
    changed = tick(instance, storage, cursor)
    assert changed.run_requests == []
    assert len(tick(instance, storage, changed.cursor).run_requests) == 1


@pytest.mark.parametrize("name", ["3/.hidden.png", "3/x.png.part", "3/notes.txt", "3/x.png~"])
def test_hidden_partial_and_foreign_files_are_ignored(instance, storage, name):
    path = storage.incoming_dir / name
    path.parent.mkdir(parents=True)
    path.write_bytes(b"x")
    result = tick(instance, storage, tick(instance, storage).cursor)
    assert result.run_requests == [] and json.loads(result.cursor)["pending"] == {}
