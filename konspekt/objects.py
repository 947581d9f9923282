"""S3-compatible object storage (AWS S3, MinIO, moto...): ``s3://bucket/prefix`` locations,
listing, resumable downloads and uploads, with failures as one sentence.

The endpoint, keys and region come from the usual AWS variables (``AWS_ENDPOINT_URL`` for
MinIO, ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_DEFAULT_REGION``), read by
boto3 itself, so a deployment configures object storage the way every other tool does.
boto3 is imported inside the functions: code locations load without it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath

from konspekt.errors import KonspektError
from konspekt.fetch import finish, partial_path

CHUNK = 1 << 20


class ObjectStoreError(KonspektError):
    """Object storage cannot be reached or refused a request; the message says which."""


@dataclass(frozen=True)
class S3Location:
    bucket: str
    prefix: str  # no leading or trailing slash; may be empty

    @classmethod
    def parse(cls, url: str, variable: str) -> S3Location:
        """``s3://bucket/some/prefix`` -> S3Location; ``variable`` names the setting in errors."""
        if not url.startswith("s3://") or not url[5:].split("/", 1)[0]:
            raise ObjectStoreError(f"{variable} must look like s3://bucket/prefix, not {url!r}.")
        bucket, _, prefix = url[5:].partition("/")
        return cls(bucket, prefix.strip("/"))

    def key(self, relative: str) -> str:
        return f"{self.prefix}/{relative}" if self.prefix else relative

    def relative(self, key: str) -> str:
        return key[len(self.prefix) + 1 :] if self.prefix else key

    def url(self, relative: str = "") -> str:
        key = self.key(relative) if relative else self.prefix
        return f"s3://{self.bucket}/{key}" if key else f"s3://{self.bucket}"

    def child(self, relative: str) -> S3Location:
        return S3Location(self.bucket, self.key(relative.strip("/")))


@dataclass(frozen=True)
class ObjectInfo:
    size: int
    etag: str  # without quotes; the content's MD5 unless the object was uploaded in parts

    @property
    def md5(self) -> str | None:
        return None if "-" in self.etag else self.etag


def client():
    """An S3 client for the current AWS_* settings (one per setting, reused across calls:
    building one costs tens of milliseconds, and a step uploads several files)."""
    keys = ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION")
    return _client(tuple(os.environ.get(k, "") for k in keys))


@cache
def _client(settings: tuple[str, ...]):
    import boto3
    from botocore.config import Config

    # Short connect timeout: an unreachable endpoint should fail a tick in seconds, not minutes.
    config = Config(connect_timeout=5, read_timeout=60, retries={"max_attempts": 3})
    return boto3.client("s3", config=config)


def readable(exc: Exception, what: str, variable: str) -> ObjectStoreError:
    """One sentence for a boto3 failure: what was tried, why it failed, what to set."""
    from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

    if isinstance(exc, NoCredentialsError):
        why = "no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
    elif isinstance(exc, EndpointConnectionError):
        why = f"the endpoint cannot be reached ({exc.kwargs.get('endpoint_url', 'unknown')}); "
        why += "check AWS_ENDPOINT_URL"
    elif isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        why = f"{error.get('Code', 'error')}: {error.get('Message', exc)}"
    else:
        why = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return ObjectStoreError(f"{what} failed ({why}); {variable} names the location.")


def list_objects(location: S3Location, variable: str) -> dict[str, ObjectInfo]:
    """Relative key -> size and ETag of every object under the location, sorted by key."""
    from botocore.exceptions import BotoCoreError, ClientError

    found: dict[str, ObjectInfo] = {}
    prefix = f"{location.prefix}/" if location.prefix else ""
    try:
        pages = (
            client()
            .get_paginator("list_objects_v2")
            .paginate(Bucket=location.bucket, Prefix=prefix)
        )
        for page in pages:
            for item in page.get("Contents", []):
                if item["Key"].endswith("/"):
                    continue  # a "folder" placeholder
                found[location.relative(item["Key"])] = ObjectInfo(
                    int(item["Size"]), item["ETag"].strip('"')
                )
    except (BotoCoreError, ClientError) as exc:
        raise readable(exc, f"Listing {location.url()}", variable) from None
    return dict(sorted(found.items()))


def download(
    location: S3Location, relative: str, target: Path, info: ObjectInfo, variable: str
) -> Path:
    """Fetch one object to ``target``: resumed from a partial ``.<name>.part`` beside it
    (left by an interrupted fetch), checked against its size and MD5 ETag, then renamed into
    place, so a half-downloaded file never reaches a reader."""
    from botocore.exceptions import BotoCoreError, ClientError

    part = partial_path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    have = part.stat().st_size if part.exists() else 0
    if have > info.size:
        part.unlink()
        have = 0
    try:
        if have < info.size:
            extra = {"Range": f"bytes={have}-"} if have else {}
            body = client().get_object(Bucket=location.bucket, Key=location.key(relative), **extra)
            with part.open("ab") as handle:
                for chunk in body["Body"].iter_chunks(CHUNK):
                    handle.write(chunk)
        elif not part.exists():
            part.touch()
    except (BotoCoreError, ClientError) as exc:
        raise readable(exc, f"Downloading {location.url(relative)}", variable) from None
    checksum = ("md5", info.md5) if info.md5 else None
    return finish(part, target, info.size, checksum, location.url(relative))


def upload(path: Path, location: S3Location, relative: str, variable: str) -> str:
    """Upload one file under the location; returns its ``s3://`` URL."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        client().upload_file(str(path), location.bucket, location.key(relative))
    except (BotoCoreError, ClientError, OSError) as exc:
        raise readable(
            exc, f"Uploading {path.name} to {location.url(relative)}", variable
        ) from None
    return location.url(relative)


def upload_many(
    paths: list[Path], root: Path, location: S3Location, variable: str
) -> dict[str, str]:
    """Upload files (relative to ``root``, which the keys mirror); name -> ``s3://`` URL."""
    urls = {}
    for path in paths:
        relative = PurePosixPath(path.relative_to(root)).as_posix()
        urls[relative] = upload(path, location, relative, variable)
    return urls
