"""The S3 inbox and artifact uploads against a real S3 HTTP server (moto's, on loopback): an
object becomes a lecture exactly like a dropped file, and its notes go back to the bucket."""

import uuid

import dagster as dg
import pytest

from lecture_assets import intake
from lecture_assets.assets import lecture_assets, pdf
from lecture_assets.resources import LectureStorage, LectureSummarizer
from lecture_assets.sensors import inbox_sensor
from tests.helpers.media import JFK


def tick(instance, storage, cursor=None):
    context = dg.build_sensor_context(
        instance=instance, cursor=cursor, resources={"storage": storage}
    )
    return inbox_sensor(context)


@pytest.fixture
def buckets(s3):
    inbox, notes = f"inbox-{uuid.uuid4().hex[:8]}", f"notes-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=inbox)
    s3.create_bucket(Bucket=notes)
    return inbox, notes


def test_an_s3_object_becomes_a_lecture_whose_notes_are_uploaded(
    tmp_path, instance, buckets, s3, resources
):
    inbox, notes = buckets
    storage = LectureStorage(
        data_dir=str(tmp_path / "data"), inbox=f"s3://{inbox}/drop", artifacts=f"s3://{notes}/k"
    )
    s3.upload_file(str(JFK), inbox, "drop/Rhetoric/jfk.flac")
    s3.put_object(Bucket=inbox, Key="drop/readme.txt", Body=b"not a recording")
    first = tick(instance, storage)
    assert first.run_requests == []  # seen once: it may still be uploading
    second = tick(instance, storage, first.cursor)
    (request,) = second.run_requests
    key = intake.partition_key(JFK.name, intake.fingerprint(JFK))  # as if dropped in a folder
    assert (request.partition_key, request.run_key) == (key, key)
    assert request.tags == {"konspekt/source": "Rhetoric/jfk.flac", "konspekt/course": "rhetoric"}
    mirror = tmp_path / "data" / "inbox-s3" / "Rhetoric" / "jfk.flac"
    assert mirror.read_bytes() == JFK.read_bytes()
    assert storage.source(key).path == str(mirror.resolve())
    # The same bytes under another key are a duplicate, as in a folder.
    s3.upload_file(str(JFK), inbox, "drop/again.flac")
    third = tick(instance, storage, second.cursor)
    fourth = tick(instance, storage, third.cursor)
    assert third.run_requests == [] and fourth.run_requests == []

    instance.add_dynamic_partitions("lectures", [key])
    summarizer = LectureSummarizer(name="extractive", models_dir=resources["summarizer"].models_dir)
    result = dg.materialize(
        lecture_assets, instance=instance, partition_key=key,
        resources={**resources, "storage": storage, "summarizer": summarizer},
    )  # fmt: skip
    assert result.success
    listed = s3.list_objects_v2(Bucket=notes, Prefix=f"k/lectures/{key}/")["Contents"]
    uploaded = {item["Key"].rsplit("/", 1)[1] for item in listed}
    assert uploaded >= {"transcript.json", "transcript.txt", "subtitles.srt", "subtitles.vtt",
                        "summary.json", "notes.pdf", "notes.html", "notes.md", "notes.apkg",
                        "listen.webm", "slides.json"}  # fmt: skip
    (event,) = result.asset_materializations_for_node(pdf.op.name)
    assert event.metadata["s3_url"].value == f"s3://{notes}/k/lectures/{key}/notes.pdf"
    body = s3.get_object(Bucket=notes, Key=f"k/lectures/{key}/notes.pdf")["Body"].read()
    assert body == storage.lecture(key).pdf.read_bytes()


def test_an_unreachable_bucket_skips_the_tick_with_a_sentence(tmp_path, instance, s3, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    storage = LectureStorage(data_dir=str(tmp_path / "data"), inbox="s3://inbox/drop")
    result = tick(instance, storage, '{"pending": {}, "seen": {"a.mp4": [1, 2]}}')
    assert isinstance(result, dg.SkipReason)
    assert "Listing s3://inbox/drop failed" in result.skip_message
    assert "KONSPEKT_INBOX names the location" in result.skip_message
