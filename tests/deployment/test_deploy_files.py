"""The Docker deployment files as a reviewer reads them: the compose services, loopback-only ports,
no secret in a committed file, and launcher, queue and limits that Dagster itself accepts.

No Docker engine runs here, so the image is never built: these tests read the files, and
test_deploy_postgres.py runs docker/dagster.yaml against a real PostgreSQL.
"""

import json
import re
import shutil
from pathlib import Path

import docker.types
import pytest
import yaml
from dagster._config import process_config
from dagster._core.instance.config import dagster_instance_config
from dagster._core.workspace.load import location_origins_from_yaml_paths
from dagster_docker import DockerRunLauncher
from dagster_docker.container_context import DockerContainerContext

from tests.helpers import REPO

ROOT = REPO
DOCKER = ROOT / "docker"
COMMITTED = [
    DOCKER / "Dockerfile",
    DOCKER / "docker-compose.yaml",
    DOCKER / "docker-compose.gpu.yaml",
    DOCKER / "dagster.yaml",
    DOCKER / "workspace.yaml",
    DOCKER / ".env.example",
    DOCKER / "README.md",
    ROOT / ".dockerignore",
]
SECRET_NAME = re.compile(r"pass(word|wd)?|secret|token", re.IGNORECASE)
# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error}
INTERPOLATION = re.compile(r"\$\{(\w+)(?:(:?[-?])([^}]*))?\}")


def load(path: Path):
    return yaml.safe_load(path.read_text())


def env_example() -> dict[str, str]:
    """NAME=VALUE lines of .env.example; commented `# NAME=` lines count as documented names."""
    names = {}
    for line in (DOCKER / ".env.example").read_text().splitlines():
        match = re.match(r"^#?\s*([A-Z][A-Z0-9_]*)=(.*)$", line.strip())
        if match:
            names[match[1]] = match[2]
    return names


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's variable substitution, enough for these files."""

    def value(match: re.Match) -> str:
        name, op, arg = match[1], match[2], match[3]
        if env.get(name):
            return env[name]
        if op and op.endswith("?"):
            raise KeyError(f"{name} is required: {arg}")
        return arg or ""

    return INTERPOLATION.sub(value, text)


FILLED_ENV = {**env_example(), "DAGSTER_POSTGRES_PASSWORD": "x" * 24}
FILLED_ENV |= {"KONSPEKT_HOST_DATA_DIR": "/srv/konspekt", "DOCKER_GID": "999"}
FILLED_ENV |= {"MINIO_ROOT_PASSWORD": "y" * 24, "AWS_ACCESS_KEY_ID": "konspekt"}
FILLED_ENV |= {"AWS_SECRET_ACCESS_KEY": "y" * 24}
COMPOSE = load(DOCKER / "docker-compose.yaml")
RESOLVED = yaml.safe_load(interpolate((DOCKER / "docker-compose.yaml").read_text(), FILLED_ENV))
SERVICES = RESOLVED["services"]
INSTANCE = load(DOCKER / "dagster.yaml")
LAUNCHER = INSTANCE["run_launcher"]["config"]


def test_compose_runs_postgres_two_code_servers_webserver_and_daemon():
    platform = {"lecture-code", "training-code", "webserver", "daemon"}
    assert set(SERVICES) == {"postgres", *platform, "minio", "buckets", "mlflow"}
    postgres = SERVICES["postgres"]
    assert postgres["healthcheck"]["test"][0] == "CMD-SHELL"
    assert postgres["volumes"] == ["postgres:/var/lib/postgresql/data"]
    assert "postgres" in RESOLVED["volumes"]  # a named volume survives `docker compose down`
    for name in platform:
        assert SERVICES[name]["depends_on"]["postgres"] == {"condition": "service_healthy"}, name
    for name in (*platform, "buckets", "mlflow"):
        assert SERVICES[name]["image"] == FILLED_ENV["KONSPEKT_IMAGE"], name


def test_minio_and_mlflow_keep_their_data_in_volumes_and_share_the_bucket():
    assert SERVICES["minio"]["volumes"] == ["minio:/data"] and "minio" in RESOLVED["volumes"]
    assert SERVICES["mlflow"]["volumes"] == ["mlflow:/opt/mlflow"]
    command = SERVICES["mlflow"]["command"]
    option = dict(zip(command[2::2], command[3::2], strict=True))
    assert option["--backend-store-uri"] == "sqlite:////opt/mlflow/mlflow.db"
    assert option["--artifacts-destination"] == "s3://konspekt/mlflow"
    assert SERVICES["buckets"]["command"][-1] == "konspekt"
    assert SERVICES["mlflow"]["depends_on"] == {
        "buckets": {"condition": "service_completed_successfully"}
    }
    for name in ("lecture-code", "training-code", "daemon", "mlflow", "buckets"):
        env = SERVICES[name]["environment"]
        assert env["AWS_ENDPOINT_URL"] == "http://minio:9000", name
        assert env["AWS_SECRET_ACCESS_KEY"] == FILLED_ENV["AWS_SECRET_ACCESS_KEY"], name
    assert SERVICES["daemon"]["environment"]["MLFLOW_TRACKING_URI"] == "http://mlflow:5000"
    assert SERVICES["daemon"]["environment"]["KONSPEKT_ARTIFACTS"] == "s3://konspekt/artifacts"


def test_every_published_port_is_on_loopback_only():
    published = []
    for name, service in SERVICES.items():
        assert service.get("network_mode") != "host", name  # would bypass the port bindings
        assert not service.get("privileged"), name
        for port in service.get("ports", []):
            host_ip = port.get("host_ip") if isinstance(port, dict) else port.split(":")[0]
            assert host_ip == "127.0.0.1", f"{name} publishes {port} beyond this host"
            published.append(name)
    # The database and the code servers are not published; the UI, S3 and MLflow on loopback.
    assert sorted(set(published)) == ["minio", "mlflow", "webserver"]


def test_compose_reads_only_variables_that_env_example_names():
    text = (DOCKER / "docker-compose.yaml").read_text() + (
        DOCKER / "docker-compose.gpu.yaml"
    ).read_text()
    used = {m[1]: m[2] for m in INTERPOLATION.finditer(text)}
    assert used, "compose takes its settings from docker/.env"
    assert set(used) <= set(env_example())
    required = {name for name, op in used.items() if op and op.endswith("?")}
    assert {"DAGSTER_POSTGRES_PASSWORD", "KONSPEKT_HOST_DATA_DIR", "DOCKER_GID"} <= required
    assert {"MINIO_ROOT_PASSWORD", "AWS_SECRET_ACCESS_KEY"} <= required
    with pytest.raises(KeyError, match="DAGSTER_POSTGRES_PASSWORD"):  # no fallback password
        interpolate(text, {**FILLED_ENV, "DAGSTER_POSTGRES_PASSWORD": ""})


def _secret_values(node, path=""):
    """(path, value) for every mapping entry whose key looks like a credential."""
    if isinstance(node, dict):
        for key, value in node.items():
            where = f"{path}.{key}"
            if SECRET_NAME.search(str(key)):
                yield where, value
            yield from _secret_values(value, where)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _secret_values(value, f"{path}[{i}]")


def test_no_password_literal_in_any_committed_deployment_file():
    for path, value in _secret_values(COMPOSE):
        # Only a required variable: `${X:-literal}` would be a password in the file.
        assert re.fullmatch(r"\$\{\w+(:?\?[^}]*)?\}", str(value)), f"compose {path} = {value!r}"
    secrets = list(_secret_values(INSTANCE))
    assert secrets, "dagster.yaml reads the Postgres password"
    for path, value in secrets:
        assert isinstance(value, dict) and set(value) == {"env"}, f"dagster.yaml {path}"
    for name, value in env_example().items():
        if SECRET_NAME.search(name):
            assert value == "", f".env.example gives {name} a value"
    # NAME=value or --password value in a shell line, Dockerfile ENV/ARG or prose example.
    assignment = re.compile(
        r"[A-Z0-9_]*(?:PASSWORD|SECRET|TOKEN)[A-Z0-9_]*=[^\s$'\"`{}]|--password"
    )
    for path in COMMITTED:
        text = path.read_text()
        assert "postgres_password" not in text  # the literal in Dagster's own compose example
        if path.name in {"Dockerfile", "README.md", ".dockerignore"}:
            assert not assignment.findall(text), f"{path.name} assigns a credential"


def test_docker_socket_only_for_the_daemon_and_the_webserver():
    with_socket = {
        name
        for name, service in SERVICES.items()
        if any("docker.sock" in str(v) for v in service.get("volumes", []))
    }
    assert with_socket == {"daemon", "webserver"}
    assert not any("docker.sock" in str(v) for v in LAUNCHER["container_kwargs"]["volumes"])
    # Both containers run as the image's non-root user and join the socket's group.
    for name in with_socket:
        assert SERVICES[name]["group_add"] == [FILLED_ENV["DOCKER_GID"]]
        assert "user" not in SERVICES[name]


def test_run_containers_share_network_data_logs_and_environment():
    launcher = INSTANCE["run_launcher"]
    assert (launcher["module"], launcher["class"]) == ("dagster_docker", "DockerRunLauncher")
    processed = process_config(DockerRunLauncher.config_type(), LAUNCHER)
    assert processed.success, processed.errors
    assert DockerRunLauncher(**processed.value).networks == [
        RESOLVED["networks"]["konspekt"]["name"]
    ]

    data, logs = RESOLVED["volumes"]["data"], RESOLVED["volumes"]["logs"]
    assert data["driver_opts"] == {"type": "none", "o": "bind", "device": "/srv/konspekt"}
    run_mounts = LAUNCHER["container_kwargs"]["volumes"]
    assert f"{data['name']}:/opt/dagster/data" in run_mounts
    assert f"{logs['name']}:{INSTANCE['compute_logs']['config']['base_dir']}" in run_mounts
    assert "logs:/opt/dagster/logs" in SERVICES["webserver"]["volumes"]
    for code_server in ("lecture-code", "training-code"):
        assert "data:/opt/dagster/data" in SERVICES[code_server]["volumes"]

    # The launcher copies each name from the daemon's environment and fails a run when one is
    # missing, so the daemon must set every one; every KONSPEKT_* setting must reach the runs.
    daemon_env = SERVICES["daemon"]["environment"]
    forwarded = set(LAUNCHER["env_vars"])
    assert forwarded <= set(daemon_env)
    assert {n for n in daemon_env if n.startswith(("KONSPEKT_", "HF_", "AWS_", "MLFLOW_"))} <= (
        forwarded
    )
    # ... including each setting the code reads (a new one is easy to forget here).
    read = {
        name
        for package in ("konspekt", "lecture_assets", "training_assets")
        for module in (ROOT / package).rglob("*.py")
        for name in re.findall(r'"(KONSPEKT_\w+)"', module.read_text())
    }
    assert "KONSPEKT_VAD" in read and read <= forwarded and read <= set(daemon_env)
    assert {
        f"DAGSTER_POSTGRES_{p}" for p in ("HOST", "PORT", "USER", "PASSWORD", "DB")
    } <= forwarded
    storage = INSTANCE["storage"]["postgres"]["postgres_db"]
    assert {v["env"] for v in storage.values() if isinstance(v, dict)} <= forwarded


def test_queue_pools_monitoring_and_retries():
    assert INSTANCE["run_coordinator"]["class"] == "QueuedRunCoordinator"
    runs = INSTANCE["concurrency"]["runs"]
    assert 0 < runs["max_concurrent_runs"] <= 10
    limits = {(t["key"], t.get("value")): t["limit"] for t in runs["tag_concurrency_limits"]}
    assert limits[("konspekt/pipeline", "training")] == 1
    # The pool that `transcript` declares gets the same limit as in `make run`'s instance.
    local = load(ROOT / "dagster.yaml")["concurrency"]["pools"]
    assert INSTANCE["concurrency"]["pools"] == local

    monitoring = INSTANCE["run_monitoring"]
    assert monitoring["enabled"]
    # A 5-hour lecture at ~17x real time is ~20 min of transcription; allow for the pool queue.
    assert 3600 <= monitoring["max_runtime_seconds"] <= 6 * 3600
    retries = INSTANCE["run_retries"]
    assert retries["enabled"] and retries["max_retries"] >= 1
    assert retries["retry_on_asset_or_op_failure"] is False  # a bad recording fails once


def test_instance_yaml_passes_dagsters_own_validation(tmp_path):
    shutil.copy(DOCKER / "dagster.yaml", tmp_path / "dagster.yaml")
    config, custom_class = dagster_instance_config(str(tmp_path))
    assert custom_class is None
    assert config["storage"]["postgres"]["postgres_db"]["scheme"] == "postgresql+psycopg2"
    assert config["run_launcher"]["class"] == "DockerRunLauncher"


def test_workspace_has_one_grpc_server_per_code_location():
    origins = location_origins_from_yaml_paths([str(DOCKER / "workspace.yaml")])
    served = {o.location_name: (o.host, o.port) for o in origins}
    assert served == {
        "lecture_assets": ("lecture-code", 4000),
        "training_assets": ("training-code", 4000),
    }
    for location, (host, port) in served.items():
        command = SERVICES[host]["command"]
        option = dict(zip(command[3::2], command[4::2], strict=True))
        assert command[:3] == ["dagster", "code-server", "start"]
        assert option == {
            "-h": "0.0.0.0",
            "-p": str(port),
            "-m": f"{location}.definitions",
            "--location-name": location,
        }
        assert SERVICES[host]["healthcheck"]["test"][-2:] == ["-p", str(port)]
        assert SERVICES[host]["environment"]["DAGSTER_CURRENT_IMAGE"] == SERVICES[host]["image"]


def test_gpu_overlay_adds_a_device_request_to_run_containers():
    overlay = load(DOCKER / "docker-compose.gpu.yaml")["services"]
    assert set(overlay) == {"lecture-code", "training-code"}
    for service in overlay.values():
        context = json.loads(service["environment"]["DAGSTER_CONTAINER_CONTEXT"])
        merged = DockerContainerContext(
            env_vars=LAUNCHER["env_vars"],
            networks=[LAUNCHER["network"]],
            container_kwargs=LAUNCHER["container_kwargs"],
        ).merge(DockerContainerContext.create_from_config(context))
        (request,) = merged.container_kwargs["device_requests"]
        assert docker.types.DeviceRequest(**request)["Capabilities"] == [["gpu"]]
        assert merged.container_kwargs["volumes"] == LAUNCHER["container_kwargs"]["volumes"]


def test_image_holds_only_what_the_dockerfile_copies():
    dockerfile = (DOCKER / "Dockerfile").read_text()
    copied = set()
    for line in dockerfile.splitlines():
        if line.startswith("COPY "):
            copied |= set(line.split()[1:-1])
    patterns = [p for p in (ROOT / ".dockerignore").read_text().splitlines() if p[:1] not in "#"]
    assert patterns[0] == "*"  # everything is out unless let in below
    allowed = [p for p in patterns if p.startswith("!")]
    assert {p[1:].rstrip("/") for p in allowed} == copied
    assert all((ROOT / path).exists() for path in copied)
    # Runs as a non-root user; no ENTRYPOINT, so the run launcher's command runs as given.
    assert re.search(r"^USER konspekt$", dockerfile, re.M)
    assert "ENTRYPOINT" not in dockerfile.replace("No ENTRYPOINT", "")
