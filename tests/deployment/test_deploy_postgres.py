"""docker/dagster.yaml against a real PostgreSQL server (Debian's `postgresql`, started in a temp
dir): a lecture processed by `konspekt process` leaves its run and materializations there, and the
inbox sensor, served by the code server command from docker-compose.yaml, gets one run per file
however often it is evaluated.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster._core.run_coordinator import QueuedRunCoordinator
from dagster._core.scheduler.instigation import TickStatus
from dagster._core.test_utils import create_test_daemon_workspace_context, freeze_time
from dagster._core.workspace.load_target import GrpcServerTarget
from dagster._daemon.sensor import execute_sensor_iteration
from dagster_docker import DockerRunLauncher
from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage

from tests.helpers import REPO, pgserver, system

ROOT = REPO
DOCKER = ROOT / "docker"
LECTURE_MP4 = ROOT / "tests" / "fixtures" / "lecture.mp4"
BIN = Path(sys.executable).parent
LECTURE_ASSETS = ("audio", "slides", "transcript", "summary", "pdf", "study_notes")


@dataclass
class Deployment:
    home: Path
    data: Path
    db: str
    server: pgserver.Server

    def sql(self, query: str, *args) -> list[tuple]:
        conn = self.server.connect(self.db)
        try:
            with conn.cursor() as cur:
                cur.execute(query, args)
                return cur.fetchall()
        finally:
            conn.close()


@pytest.fixture(scope="module")
def postgres() -> Iterator[pgserver.Server]:
    binaries = pgserver.bin_dir()
    if binaries is None:
        system.missing("a PostgreSQL server (/usr/lib/postgresql/*/bin/pg_ctl)")
    with pgserver.running_server(binaries) as server:
        yield server


@pytest.fixture
def deployment(postgres, tmp_path, monkeypatch) -> Deployment:
    """DAGSTER_HOME holding docker/dagster.yaml, its DAGSTER_POSTGRES_* set to a fresh database."""
    db = f"konspekt_{uuid.uuid4().hex[:8]}"
    postgres.create_database(db)
    for name, value in postgres.env(db).items():
        monkeypatch.setenv(name, value)
    config = yaml.safe_load((DOCKER / "dagster.yaml").read_text())
    # One change: run logs go to the temp dir, not to the image's /opt/dagster/logs volume.
    # Storage, launcher, queue and limits stay as committed. The DockerRunLauncher is loaded but
    # never asked to launch (there is no Docker engine here): `konspekt process` executes
    # in-process, and the sensor's runs stay QUEUED because no daemon dequeues them in a test.
    config["compute_logs"]["config"]["base_dir"] = str(tmp_path / "compute_logs")
    home, data = tmp_path / "dagster_home", tmp_path / "data"
    home.mkdir()
    (data / "inbox").mkdir(parents=True)
    (home / "dagster.yaml").write_text(yaml.safe_dump(config))
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("KONSPEKT_DATA_DIR", str(data))
    return Deployment(home, data, db, postgres)


@pytest.fixture
def instance(deployment) -> Iterator[dg.DagsterInstance]:
    with dg.DagsterInstance.from_config(str(deployment.home)) as instance:
        # The committed settings, as the daemon and the webserver will load them.
        assert isinstance(instance.run_storage, PostgresRunStorage)
        assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
        assert isinstance(instance.run_launcher, DockerRunLauncher)
        assert isinstance(instance.run_coordinator, QueuedRunCoordinator)
        queue = instance.get_concurrency_config()
        assert queue.run_queue_config.max_concurrent_runs == 4
        assert queue.pool_config.default_pool_limit == 1
        assert instance.run_monitoring_enabled and instance.run_monitoring_max_runtime_seconds
        assert (
            instance.run_retries_enabled and not instance.run_retries_retry_on_asset_or_op_failure
        )
        yield instance


@pytest.mark.slow
def test_processed_lecture_leaves_run_and_materializations_in_postgres(deployment, instance):
    proc = subprocess.run(
        [str(BIN / "konspekt"), "process", "--json", str(LECTURE_MP4)],
        env=os.environ.copy(),  # DAGSTER_HOME, DAGSTER_POSTGRES_*, KONSPEKT_DATA_DIR from above
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    (outcome,) = [json.loads(line) for line in proc.stdout.splitlines()]
    assert outcome["status"] == "ok" and Path(outcome["pdf"]).is_file()
    key = outcome["partition"]

    # Through Dagster, as the webserver reads it.
    (run,) = instance.get_runs()
    assert run.status == dg.DagsterRunStatus.SUCCESS
    assert run.tags["dagster/partition"] == key and run.tags["konspekt/source"] == "cli"
    for name in LECTURE_ASSETS:
        (record,) = instance.fetch_materializations(dg.AssetKey(name), limit=5).records
        assert (record.run_id, record.partition_key) == (run.run_id, key)
        path = record.asset_materialization.metadata["path"].value
        assert Path(path).is_file() and Path(path).parent.name == key
    assert instance.get_dynamic_partitions("lectures") == [key]

    # And the rows themselves, read with psycopg2 from the tables Dagster created.
    assert deployment.sql("SELECT run_id, status FROM runs") == [(run.run_id, "SUCCESS")]
    rows = deployment.sql(
        "SELECT asset_key, partition FROM event_logs"
        " WHERE run_id = %s AND dagster_event_type = 'ASSET_MATERIALIZATION'",
        run.run_id,
    )
    assert sorted(rows) == sorted((f'["{name}"]', key) for name in LECTURE_ASSETS)
    assert deployment.sql(
        "SELECT partition FROM dynamic_partitions WHERE partitions_def_name = 'lectures'"
    ) == [(key,)]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _with_port(command: list[str], port: int) -> list[str]:
    """A compose command with its -h/-p values replaced: loopback and a free port."""
    out = list(command)
    for flag, value in (("-h", "127.0.0.1"), ("-p", str(port))):
        if flag in out:
            out[out.index(flag) + 1] = value
    return out


@contextmanager
def code_server(service: str, log: Path) -> Iterator[int]:
    """The compose service's code server, with its compose environment and the GPU overlay."""
    compose = yaml.safe_load((DOCKER / "docker-compose.yaml").read_text())["services"][service]
    overlay = yaml.safe_load((DOCKER / "docker-compose.gpu.yaml").read_text())["services"][service]
    port = _free_port()
    env = {
        **os.environ,
        "DAGSTER_CURRENT_IMAGE": "konspekt:local",  # the compose default of ${KONSPEKT_IMAGE}
        "DAGSTER_CONTAINER_CONTEXT": overlay["environment"]["DAGSTER_CONTAINER_CONTEXT"],
    }
    command = _with_port(compose["command"], port)
    health = _with_port(compose["healthcheck"]["test"][1:], port)
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(BIN / command[0]), *command[1:]],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so its gRPC child stops with it
        )
    try:
        deadline = time.monotonic() + 90
        while subprocess.run([str(BIN / health[0]), *health[1:]], capture_output=True).returncode:
            assert proc.poll() is None, f"code server exited:\n{log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, f"no healthy code server:\n{log.read_text()}"
            time.sleep(0.5)
        yield port
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_inbox_sensor_gets_one_run_per_file_across_evaluations(deployment, instance, tmp_path):
    shutil.copyfile(LECTURE_MP4, deployment.data / "inbox" / "Lecture 1.mp4")
    workspace = yaml.safe_load((DOCKER / "workspace.yaml").read_text())["load_from"]
    location = next(
        e["grpc_server"] for e in workspace if e["grpc_server"]["host"] == "lecture-code"
    )

    with (
        code_server("lecture-code", tmp_path / "code_server.log") as port,
        create_test_daemon_workspace_context(
            GrpcServerTarget("127.0.0.1", port, None, location["location_name"]), instance
        ) as workspace_context,
    ):
        code_location = workspace_context.create_request_context().get_code_location(
            location["location_name"]
        )
        sensor = code_location.get_repository("__repository__").get_sensor("inbox_sensor")
        ids = (sensor.get_remote_origin_id(), sensor.selector_id)

        def tick(timestamp: float):
            """One sensor-daemon iteration, at a time past the sensor's minimum interval."""
            with freeze_time(timestamp):
                list(
                    execute_sensor_iteration(workspace_context, dg.get_dagster_logger(), None, None)
                )
            return instance.get_ticks(*ids, limit=1)[0]

        start = time.time()
        first = tick(start)  # sees the file; admits it once its size is unchanged a tick later
        assert first.status == TickStatus.SKIPPED and instance.get_runs() == []

        second = tick(start + 20)
        (key,) = second.run_keys
        (run,) = instance.get_runs()
        assert second.run_ids == [run.run_id]
        assert run.tags["dagster/run_key"] == key and run.tags["dagster/partition"] == key
        assert run.status == dg.DagsterRunStatus.QUEUED  # the queue from docker/dagster.yaml
        (added,) = second.tick_data.dynamic_partitions_request_results
        assert added.added_partitions == [key]
        assert instance.get_dynamic_partitions("lectures") == [key]

        # Evaluate the same state again, as after a daemon crash before the cursor was saved, or
        # a cursor reset (`dagster sensor cursor --set`): the same request comes back.
        state = instance.get_instigator_state(*ids)
        instance.update_instigator_state(
            state.with_data(state.instigator_data._replace(cursor=first.cursor))
        )
        third = tick(start + 40)
        assert third.run_keys == [key]  # requested again ...
        assert third.status == TickStatus.SKIPPED and third.run_ids == []  # ... but not run
        assert third.tick_data.dynamic_partitions_request_results == []  # key is in Postgres
        assert instance.get_runs(filters=dg.RunsFilter(tags={"dagster/run_key": key})) == [run]
        assert deployment.sql("SELECT count(*) FROM runs") == [(1,)]

        # The queued run would start from the code server's image, with the data volume, the
        # forwarded settings and the GPU request merged in by the launcher.
        origin = run.job_code_origin.repository_origin
        assert origin.container_image == "konspekt:local"
        container = instance.run_launcher.get_container_context(run)
        assert container.networks == ["konspekt"]
        assert "konspekt_data:/opt/dagster/data" in container.container_kwargs["volumes"]
        assert container.container_kwargs["device_requests"][0]["capabilities"] == [["gpu"]]
        assert "DAGSTER_POSTGRES_PASSWORD" in container.env_vars
