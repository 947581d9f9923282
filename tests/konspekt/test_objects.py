"""Object storage against a real S3 HTTP server (moto's, on loopback)."""

import os
import uuid

import pytest

from konspekt.fetch import FetchError, partial_path
from konspekt.objects import ObjectStoreError, S3Location, download, list_objects, upload


@pytest.fixture
def bucket(s3) -> str:
    name = f"b-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name


def test_locations_parse_and_name_keys():
    where = S3Location.parse("s3://notes/team/a/", "KONSPEKT_ARTIFACTS")
    assert (where.bucket, where.prefix) == ("notes", "team/a")
    assert where.url("lectures/x/notes.pdf") == "s3://notes/team/a/lectures/x/notes.pdf"
    assert S3Location.parse("s3://notes", "V").url("f") == "s3://notes/f"
    with pytest.raises(ObjectStoreError, match="KONSPEKT_ARTIFACTS must look like"):
        S3Location.parse("http://notes", "KONSPEKT_ARTIFACTS")


def test_upload_list_and_resumed_download(s3, bucket, tmp_path):
    where = S3Location(bucket, "in")
    payload = os.urandom(2 << 20)
    source = tmp_path / "lecture.mp4"
    source.write_bytes(payload)
    assert (
        upload(source, where, "Physics/lecture.mp4", "V") == f"s3://{bucket}/in/Physics/lecture.mp4"
    )
    found = list_objects(where, "V")
    assert list(found) == ["Physics/lecture.mp4"] and found["Physics/lecture.mp4"].size == len(
        payload
    )
    # A fetch interrupted after 1 MiB: the next one asks for the rest only.
    target = tmp_path / "mirror" / "lecture.mp4"
    target.parent.mkdir()
    partial_path(target).write_bytes(payload[: 1 << 20])
    download(where, "Physics/lecture.mp4", target, found["Physics/lecture.mp4"], "V")
    assert target.read_bytes() == payload and not partial_path(target).exists()


def test_a_damaged_part_is_caught_by_the_etag(s3, bucket, tmp_path):
    where = S3Location(bucket, "")
    s3.put_object(Bucket=bucket, Key="a.bin", Body=b"x" * 1000)
    info = list_objects(where, "V")["a.bin"]
    target = tmp_path / "a.bin"
    partial_path(target).write_bytes(b"y" * 500)  # not the object's first half
    with pytest.raises(FetchError, match="md5 checksum other than"):
        download(where, "a.bin", target, info, "V")
    assert not target.exists() and not partial_path(target).exists()
    assert download(where, "a.bin", target, info, "V").read_bytes() == b"x" * 1000


def test_a_missing_bucket_or_endpoint_is_one_sentence(s3, tmp_path, monkeypatch):
    with pytest.raises(
        ObjectStoreError, match=r"Listing s3://no-such-bucket failed \(NoSuchBucket"
    ):
        list_objects(S3Location("no-such-bucket", ""), "KONSPEKT_INBOX")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    with pytest.raises(ObjectStoreError) as error:
        list_objects(S3Location("any", ""), "KONSPEKT_INBOX")
    assert "cannot be reached" in str(error.value) and "KONSPEKT_INBOX" in str(error.value)
