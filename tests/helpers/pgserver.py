"""A throwaway PostgreSQL server: initdb and pg_ctl in a temp dir, on a free loopback port.

The binaries come from Debian's `postgresql` package (scripts/install-system-packages.sh).
PostgreSQL refuses to run as root, so under root the server runs as the `postgres` system user.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

USER = "konspekt"


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    user: str
    password: str

    def env(self, db: str) -> dict[str, str]:
        """The variables docker/dagster.yaml reads."""
        return {
            "DAGSTER_POSTGRES_HOST": self.host,
            "DAGSTER_POSTGRES_PORT": str(self.port),
            "DAGSTER_POSTGRES_USER": self.user,
            "DAGSTER_POSTGRES_PASSWORD": self.password,
            "DAGSTER_POSTGRES_DB": db,
        }

    def connect(self, db: str = "postgres"):
        import psycopg2

        return psycopg2.connect(
            host=self.host, port=self.port, user=self.user, password=self.password, dbname=db
        )

    def create_database(self, name: str) -> None:
        conn = self.connect()
        conn.autocommit = True  # CREATE DATABASE cannot run in a transaction
        try:
            with conn.cursor() as cur:
                cur.execute(f'CREATE DATABASE "{name}"')
        finally:
            conn.close()


def bin_dir() -> Path | None:
    """The newest /usr/lib/postgresql/<version>/bin that has pg_ctl, else pg_ctl on PATH."""
    found = glob.glob("/usr/lib/postgresql/*/bin/pg_ctl")
    if found:
        return Path(max(found, key=lambda p: int(Path(p).parts[-3]))).parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_server(binaries: Path) -> Iterator[Server]:
    """Start a server for the duration of the block; it is stopped and deleted afterwards."""
    as_root = os.geteuid() == 0
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    # Not under pytest's tmp_path: that is private to root, and the server runs as `postgres`.
    root = Path(tempfile.mkdtemp(prefix="konspekt-pg-"))
    if as_root:
        owner = pwd.getpwnam("postgres")
        os.chown(root, owner.pw_uid, owner.pw_gid)
    data, log = root / "data", root / "server.log"
    password = secrets.token_urlsafe(18)

    def run(*args: str) -> None:
        subprocess.run([*prefix, *args], check=True, capture_output=True, text=True, timeout=60)

    try:
        pwfile = root / "pw"
        pwfile.write_text(password + "\n")
        if as_root:
            os.chown(pwfile, owner.pw_uid, owner.pw_gid)
        pwfile.chmod(0o600)
        run(
            str(binaries / "initdb"),
            "-D",
            str(data),
            "-U",
            USER,
            f"--pwfile={pwfile}",
            "--auth=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        pwfile.unlink()
        port = _free_port()
        options = (
            f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={root} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        try:
            run(
                str(binaries / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(log),
                "-o",
                options,
                "-w",
                "-t",
                "30",
                "start",
            )
        except subprocess.CalledProcessError as exc:
            details = log.read_text() if log.exists() else exc.stderr
            raise RuntimeError(f"PostgreSQL did not start:\n{details}") from exc
        yield Server("127.0.0.1", port, USER, password)
    finally:
        if (data / "postmaster.pid").exists():
            stop = [*prefix, str(binaries / "pg_ctl"), "-D", str(data), "-w", "-t", "30", "stop"]
            if subprocess.run([*stop, "-m", "fast"], capture_output=True).returncode != 0:
                subprocess.run([*stop, "-m", "immediate"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)
