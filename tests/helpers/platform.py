"""The platform as a user starts it (`make run`), and the GraphQL calls the UI makes to it."""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.helpers import REPO

ARTIFACTS = REPO / "test-artifacts" / "system"


class GraphQLError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check: Callable[[], Any], timeout: float, interval: float = 3.0) -> Any:
    """Call ``check`` until it returns something truthy; None once ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            return None
        time.sleep(interval)


def _live_members(pgid: int) -> list[int]:
    """Processes of a group that still run (zombies excluded), read from /proc."""
    alive = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Fields after the parenthesised command: state, ppid, pgrp, ...
        state, _ppid, pgrp = stat.rsplit(")", 1)[1].split()[:3]
        if int(pgrp) == pgid and state not in ("Z", "X"):
            alive.append(int(entry.name))
    return alive


class Platform:
    """`make run` on a free port with its own DAGSTER_HOME and KONSPEKT_DATA_DIR."""

    def __init__(
        self, home: Path, data: Path, log_path: Path, env: dict[str, str] | None = None
    ) -> None:
        self.home, self.data, self.log_path = home, data, log_path
        self.extra_env = env or {}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    @property
    def inbox(self) -> Path:
        return self.data / "inbox"

    def start(self) -> None:
        # As a user's shell would have it: no KONSPEKT_* settings, no flags of an outer `make test`.
        outer = ("KONSPEKT_", "MAKEFLAGS", "MFLAGS", "MAKELEVEL")
        env = {k: v for k, v in os.environ.items() if not k.startswith(outer)}
        env |= {"DAGSTER_HOME": str(self.home), "KONSPEKT_DATA_DIR": str(self.data)}
        env |= self.extra_env
        # The recipe of `make run`, minus re-installing the venv: `make test` has just built it,
        # and a test must not change the environment it runs in.
        cmd = ["make", "-o", ".venv/.installed", "run", "HOST=127.0.0.1", f"PORT={self.port}"]
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:  # a restart appends
            self.proc = subprocess.Popen(
                cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        # Also when pytest itself is interrupted before the fixture's teardown.
        atexit.register(self.stop)

    def crash(self) -> None:
        """SIGKILL the whole process group at once, as a power cut or an OOM kill of the
        session would: webserver, daemon, code servers and run workers, no clean-up."""
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        wait_for(lambda: not _live_members(proc.pid), 20, interval=0.2)
        proc.wait(timeout=10)

    def wait_ready(self, timeout: float) -> str | None:
        """None once the UI answers and every code location is loaded; else what went wrong."""
        started = time.monotonic()
        if not wait_for(lambda: self.server_info() or self.exited() is not None, timeout):
            return f"{self.url}/server_info not answering after {timeout} s"
        if self.exited() is not None:
            return f"`make run` exited with {self.exited()}:\n{self.log_tail()}"

        def loaded():
            entries = self.gql(WORKSPACE)["workspaceOrError"]["locationEntries"]
            return all(e["loadStatus"] == "LOADED" for e in entries) and entries

        if not wait_for(loaded, max(timeout - (time.monotonic() - started), 10)):
            return f"code locations not loaded:\n{self.log_tail()}"
        return None

    def exited(self) -> int | None:
        return self.proc.poll() if self.proc else None

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, grace: float = 8.0) -> None:
        """SIGTERM the whole process group, SIGKILL whatever is left after ``grace`` seconds."""
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        pgid = proc.pid  # start_new_session: the group id is the leader's pid
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 10.0)):
            try:
                os.killpg(pgid, sig)
            except ProcessLookupError:
                break
            if wait_for(lambda: not _live_members(pgid), wait, interval=0.2):
                break
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)
        left = _live_members(pgid)
        if left:
            raise RuntimeError(f"processes of `make run` still alive after SIGKILL: {left}")

    def server_info(self) -> dict | None:
        try:
            with urllib.request.urlopen(f"{self.url}/server_info", timeout=5) as response:
                return json.load(response)
        except (OSError, ValueError):
            return None

    def gql(self, query: str, variables: dict | None = None) -> dict:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(
            f"{self.url}/graphql", body, {"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                payload = json.load(response)
        except urllib.error.HTTPError as exc:
            raise GraphQLError(f"HTTP {exc.code}: {exc.read()[:500]!r}") from None
        if payload.get("errors"):
            raise GraphQLError(json.dumps(payload["errors"])[:1000])
        return payload["data"]


# The queries and mutations the UI sends; field names checked against the running schema.
IN_FLIGHT = ["QUEUED", "NOT_STARTED", "STARTING", "STARTED", "CANCELING"]
WORKSPACE = """
{ workspaceOrError { __typename ... on Workspace { locationEntries { name loadStatus
    locationOrLoadError { __typename ... on PythonError { message }
      ... on RepositoryLocation { repositories { name
        sensors { name sensorState { status
          ticks(limit: 4) { status timestamp runIds skipReason error { message } } } } } } } } } } }
"""

ASSET_NODES = """
{ assetNodes { assetKey { path } groupName isPartitioned dependencyKeys { path }
    repository { name location { name } } } }
"""

PARTITIONS = """
query ($key: AssetKeyInput!) { assetNodeOrError(assetKey: $key) { ... on AssetNode {
  partitionKeysByDimension { partitionKeys }
  assetPartitionStatuses { ... on DefaultPartitionStatuses {
    materializedPartitions failedPartitions materializingPartitions } } } } }
"""

MATERIALIZATIONS = """
query ($key: AssetKeyInput!, $partitions: [String!], $limit: Int) {
  assetNodeOrError(assetKey: $key) { ... on AssetNode {
    assetMaterializations(partitions: $partitions, limit: $limit) { runId timestamp partition
      metadataEntries { label ... on TextMetadataEntry { text } ... on PathMetadataEntry { path }
      } } } } }
"""

RUNS = """
query ($filter: RunsFilter) { runsOrError(filter: $filter) { ... on Runs { results {
  runId status jobName startTime endTime tags { key value } assetSelection { path } } } } }
"""

RUN = """
query ($id: ID!) { runOrError(runId: $id) { __typename ... on Run { runId status jobName
  tags { key value } assetSelection { path } stepStats { stepKey status } } } }
"""

LAUNCH_RUN = """
mutation ($params: ExecutionParams!) { launchRun(executionParams: $params) { __typename
  ... on LaunchRunSuccess { run { runId } } ... on PythonError { message }
  ... on InvalidSubsetError { message } ... on RunConfigValidationInvalid { errors { message } }
  ... on PipelineNotFoundError { message } } }
"""

LAUNCH_BACKFILL = """
mutation ($params: LaunchBackfillParams!) { launchPartitionBackfill(backfillParams: $params) {
  __typename ... on LaunchBackfillSuccess { backfillId } ... on PythonError { message }
  ... on PartitionKeysNotFoundError { message } ... on InvalidSubsetError { message } } }
"""

BACKFILL = """
query ($id: String!) { partitionBackfillOrError(backfillId: $id) { __typename
  ... on PartitionBackfill { status isAssetBackfill partitionNames error { message }
    runs { runId status tags { key value } assetSelection { path } } } } }
"""


def key_input(name: str) -> dict:
    return {"path": [name]}


def tag(run: dict, key: str) -> str | None:
    return next((t["value"] for t in run["tags"] if t["key"] == key), None)


def metadata(event: dict) -> dict[str, str]:
    return {m["label"]: m.get("text") or m.get("path") for m in event["metadataEntries"]}


def in_flight(platform: Platform) -> list[dict]:
    return platform.gql(RUNS, {"filter": {"statuses": IN_FLIGHT}})["runsOrError"]["results"]


def pdf_path(platform: Platform, key: str) -> Path:
    from lecture_assets.layout import Layout

    return Layout.of(platform.data).lecture(key).pdf
