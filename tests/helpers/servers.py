"""Real servers on loopback for the tests, started and stopped by fixtures: MLflow's tracking
server, moto's standalone S3 server, and a plain HTTP file server that can cut a connection."""

from __future__ import annotations

import http.server
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.helpers.platform import free_port

BIN = Path(sys.executable).parent
START_TIMEOUT_S = 90  # MLflow's server migrates its database on the first start


def _wait_until_up(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: server exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} not answering after {START_TIMEOUT_S} s:\n{log.read_text()[-3000:]}")


@contextmanager
def _process(cmd: list[str], health: str, log: Path) -> Iterator[None]:
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_until_up(health, proc, log)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def mlflow_server(root: Path) -> Iterator[str]:
    """`mlflow server` with a SQLite backend and artifacts it serves itself; yields its URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    root.mkdir(parents=True, exist_ok=True)
    cmd = [
        str(BIN / "mlflow"), "server", "--host", "127.0.0.1", "--port", str(port),
        "--backend-store-uri", f"sqlite:///{root / 'mlflow.db'}",
        "--artifacts-destination", str(root / "artifacts"), "--workers", "1",
    ]  # fmt: skip
    with _process(cmd, f"{url}/health", root / "mlflow-server.log"):
        yield url


@contextmanager
def s3_server(root: Path) -> Iterator[str]:
    """moto's standalone server, which speaks the S3 HTTP API; yields its endpoint URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    root.mkdir(parents=True, exist_ok=True)
    cmd = [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)]
    with _process(cmd, f"{url}/moto-api/", root / "moto.log"):
        yield url


@dataclass
class FileServer:
    """What the HTTP file server was asked for, and what it should break."""

    url: str
    requests: list[tuple[str, str | None]] = field(default_factory=list)  # (path, Range header)
    cut_once: set[str] = field(default_factory=set)  # paths whose first GET stops halfway


@contextmanager
def file_server(folder: Path) -> Iterator[FileServer]:
    """Serves ``folder`` over HTTP with Range support; a path in ``cut_once`` is cut mid-file
    on its first full GET (headers promise the whole file, half of it is sent)."""
    state = FileServer("")

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # keep the test output clean
            pass

        def do_HEAD(self) -> None:
            self._serve(body=False)

        def do_GET(self) -> None:
            self._serve(body=True)

        def _serve(self, body: bool) -> None:
            path = folder / self.path.lstrip("/")
            if self.command == "GET":
                state.requests.append((self.path, self.headers.get("Range")))
            if not path.is_file():
                self.send_error(404)
                return
            data = path.read_bytes()
            start = 0
            ranged = self.headers.get("Range", "")
            if ranged.startswith("bytes=") and ranged.endswith("-"):
                start = int(ranged[6:-1])
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            else:
                self.send_response(200)
            self.send_header("Content-Length", str(len(data) - start))
            self.end_headers()
            if not body:
                return
            if self.path in state.cut_once and not ranged:
                state.cut_once.discard(self.path)
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(2)  # the connection drops mid-file
                return
            self.wfile.write(data[start:])

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
