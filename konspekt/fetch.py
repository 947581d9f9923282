"""Files fetched over the network, resumably and atomically.

A fetch writes to ``.<name>.part`` beside its target and continues from there after an
interruption (HTTP ``Range``, S3 ranged GET), checks the result against the size (and
checksum, when the source publishes one), and only then renames it into place: a reader never
sees half a file, and a cut connection costs only the bytes not yet fetched.
"""

from __future__ import annotations

import hashlib
import http.client
import urllib.error
import urllib.request
from pathlib import Path

from konspekt.errors import KonspektError

CHUNK = 1 << 20
TIMEOUT_S = 30
ATTEMPTS = 3


class FetchError(KonspektError):
    """A source cannot be reached or delivered something else than it announced."""


def partial_path(target: Path) -> Path:
    """Where an unfinished fetch of ``target`` lives (hidden: the sensors skip it)."""
    return target.with_name(f".{target.name}.part")


def digest_of(path: Path, algorithm: str) -> str:
    digest = hashlib.new(algorithm, usedforsecurity=False)
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def finish(part: Path, target: Path, size: int | None, checksum: tuple[str, str] | None,
           source: str) -> Path:  # fmt: skip
    """Check ``part`` against the announced size and (algorithm, hex) checksum, then rename
    it to ``target``. A file that fails is removed, so the next attempt starts afresh."""
    actual = part.stat().st_size
    problem = None
    if size is not None and actual != size:
        problem = f"{actual} bytes instead of {size}"
    elif checksum and digest_of(part, checksum[0]) != checksum[1].lower():
        problem = f"a {checksum[0]} checksum other than the published one"
    if problem:
        part.unlink(missing_ok=True)
        raise FetchError(f"{source} arrived with {problem}; it will be fetched again.")
    part.replace(target)
    return target


def http_size(url: str, variable: str) -> int | None:
    """The size of ``url`` from a HEAD request: None when the server has no such file, -1 when
    it does not say how big it is."""
    try:
        with urllib.request.urlopen(_request(url, method="HEAD"), timeout=TIMEOUT_S) as response:
            length = response.headers.get("Content-Length", "")
            return int(length) if length.isdigit() else -1
    except urllib.error.HTTPError as exc:
        if exc.code in (403, 404, 410):
            return None
        raise _unreachable(url, variable, f"HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise _unreachable(url, variable, _reason(exc)) from None


def http_text(url: str, variable: str) -> str | None:
    """A small text file (a checksum list) from the server, or None if it has none."""
    if http_size(url, variable) is None:
        return None
    with urllib.request.urlopen(_request(url), timeout=TIMEOUT_S) as response:
        return response.read(1 << 20).decode("utf-8", "replace")


def fetch_http(url: str, target: Path, variable: str, checksum: tuple[str, str] | None = None,
               attempts: int = ATTEMPTS) -> Path:  # fmt: skip
    """Download ``url`` to ``target``; a connection cut mid-file is resumed where it stopped,
    up to ``attempts`` times in this call (and from the same point in a later call)."""
    part = partial_path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    total: int | None = None
    problem = "no attempt made"
    for _ in range(attempts):
        have = part.stat().st_size if part.exists() else 0
        headers = {"Range": f"bytes={have}-"} if have else {}
        try:
            with urllib.request.urlopen(_request(url, headers), timeout=TIMEOUT_S) as response:
                if have and response.status != 206:  # the server ignores ranges: start over
                    part.unlink()
                    have = 0
                total = _total(response, have)
                with part.open("ab") as handle:
                    while chunk := response.read(CHUNK):
                        handle.write(chunk)
        except urllib.error.HTTPError as exc:
            if exc.code == 416 and total is not None and have == total:
                break  # already complete
            raise _unreachable(url, variable, f"HTTP {exc.code} {exc.reason}") from None
        except (http.client.IncompleteRead, ConnectionError, TimeoutError, OSError) as exc:
            problem = _reason(exc)  # cut mid-file: the next attempt resumes from here
            continue
        if total is None or part.stat().st_size >= total:
            break
        problem = f"the connection closed after {part.stat().st_size} of {total} bytes"
    else:
        raise FetchError(
            f"{url} could not be fetched in {attempts} attempts ({problem}); the part fetched "
            f"is kept and the next run resumes it ({variable} names the source)."
        )
    return finish(part, target, total, checksum, url)


def _request(url: str, headers: dict | None = None, method: str = "GET"):
    return urllib.request.Request(url, headers={"User-Agent": "konspekt", **(headers or {})},
                                  method=method)  # fmt: skip


def _total(response, have: int) -> int | None:
    """The file's full size from Content-Range (a resumed fetch) or Content-Length."""
    content_range = response.headers.get("Content-Range", "")
    if "/" in content_range and content_range.rsplit("/", 1)[1].isdigit():
        return int(content_range.rsplit("/", 1)[1])
    length = response.headers.get("Content-Length")
    return have + int(length) if length and length.isdigit() else None


def _reason(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None) or exc
    return str(reason).strip() or type(exc).__name__


def _unreachable(url: str, variable: str, why: str) -> FetchError:
    return FetchError(f"{variable}={url} cannot be fetched ({why}); check the address.")
