"""MLflow for real: the embedded local store through `dagster asset materialize`, and a real
`mlflow server` (SQLite backend) on loopback, read back through MlflowClient."""

import json
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest
from mlflow.tracking import MlflowClient

from tests.helpers import REPO
from tests.helpers.servers import mlflow_server
from training_assets import checkpoint, tracking
from training_assets.assets import trained_model, training_assets
from training_assets.resources import TrainingStorage

FAST = {"epochs": 2, "max_batches": 3, "device": "cpu", "min_val_accuracy": 0.0}
DAGSTER = Path(sys.executable).with_name("dagster")


def run_config(**model) -> dict:
    return {"ops": {"trained_model": {"config": {**FAST, **model}}}}


def runs_of(client: MlflowClient) -> list:
    experiment = client.get_experiment_by_name(tracking.EXPERIMENT)
    assert experiment is not None, "no konspekt-mnist experiment"
    return client.search_runs([experiment.experiment_id], order_by=["attributes.start_time ASC"])


def artifacts(client: MlflowClient, run_id: str, path: str) -> set[str]:
    return {a.path for a in client.list_artifacts(run_id, path)}


@pytest.mark.slow
def test_materialize_from_the_cli_tracks_runs_in_the_local_store(tmp_path):
    env = {**os.environ, "KONSPEKT_DATA_DIR": str(tmp_path / "data")}
    cmd = [str(DAGSTER), "asset", "materialize", "-m", "training_assets.definitions",
           "--select", "*", "--config-json", json.dumps(run_config())]  # fmt: skip
    for _ in range(2):
        done = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-3000:]

    store = tmp_path / "data" / "mlflow"
    assert (store / "mlflow.db").is_file() and (store / "artifacts").is_dir()
    client = MlflowClient(tracking_uri=f"sqlite:///{store / 'mlflow.db'}")
    first, second = runs_of(client)
    for run, version in [(first, "v0001"), (second, "v0002")]:
        assert run.info.status == "FINISHED" and run.data.tags["version"] == version
        history = client.get_metric_history(run.info.run_id, "val_accuracy")
        assert sorted(m.step for m in history) == [1, 2]  # one point per epoch
        assert {"loss", "val_loss", "lr", "final_val_accuracy"} <= set(run.data.metrics)
        assert run.data.params["epochs"] == "2" and run.data.params["optimizer"] == "adamw"
        assert run.data.tags["dagster_run_id"]
        assert artifacts(client, run.info.run_id, "model") == {
            "model/model.json",
            "model/model.safetensors",
        }
        assert "report/loss_curve.png" in artifacts(client, run.info.run_id, "report")
    assert first.data.tags["parent_version"] == "none" and "parent_run_id" not in first.data.tags
    assert second.data.tags["parent_version"] == "v0001"
    assert second.data.tags["parent_run_id"] == first.info.run_id
    assert second.data.tags["data_fingerprint"] == first.data.tags["data_fingerprint"]

    versions = client.search_model_versions(f"name='{tracking.MODEL}'")
    assert sorted(int(v.version) for v in versions) == [1, 2]
    newest = tracking.download_model(
        tracking.Store.of(tmp_path / "data"), "latest", tmp_path / "dl"
    )
    assert checkpoint.load_folder(newest).meta["name"] == "v0002"
    assert {v.run_id for v in versions} == {first.info.run_id, second.info.run_id}


@pytest.mark.slow
def test_a_tracking_server_gets_runs_metrics_artifacts_and_registered_versions(
    tmp_path, instance, monkeypatch
):
    storage = TrainingStorage(data_dir=str(tmp_path / "data"))
    with mlflow_server(tmp_path / "server") as url:
        monkeypatch.setenv("MLFLOW_TRACKING_URI", url)

        def materialize(**model):
            return dg.materialize(training_assets, instance=instance,
                                  resources={"storage": storage}, run_config=run_config(**model),
                                  raise_on_error=False)  # fmt: skip

        passed = materialize()
        assert passed.success
        (event,) = passed.asset_materializations_for_node(trained_model.op.name)
        meta = {k: v.value for k, v in event.metadata.items()}
        assert meta["mlflow_run"].startswith(f"{url}/#/experiments/")
        assert meta["mlflow_model_version"] == "1" and meta["mlflow_aliases"] == "latest, champion"
        # A model below its accuracy threshold is tracked but never registered.
        failed = materialize(min_val_accuracy=1.01)
        assert not failed.success

        client = MlflowClient(tracking_uri=url)
        good, bad = runs_of(client)
        assert bad.data.tags["parent_run_id"] == good.info.run_id
        assert len(client.get_metric_history(good.info.run_id, "loss")) == 2
        assert artifacts(client, good.info.run_id, "model") == {
            "model/model.json",
            "model/model.safetensors",
        }
        (version,) = client.search_model_versions(f"name='{tracking.MODEL}'")
        assert version.run_id == good.info.run_id
        assert client.get_model_version_by_alias(tracking.MODEL, "champion").version == "1"

        # What the notebook does: the champion by its alias, hash-checked, predicting digits.
        folder = tracking.download_model(
            tracking.Store.of(storage.data_dir), "champion", tmp_path / "dl"
        )
        model = checkpoint.load_folder(folder)
        assert model.meta["name"] == "v0001" and model.meta["sha256"] == meta["sha256"]


def test_an_unreachable_tracking_server_fails_in_one_sentence(tmp_path, instance, monkeypatch):
    from tests.helpers.platform import free_port

    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    storage = TrainingStorage(data_dir=str(tmp_path / "data"))
    result = dg.materialize(training_assets[:2], instance=instance, resources={"storage": storage},
                            run_config=run_config(), raise_on_error=False)  # fmt: skip
    assert not result.success
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    description = failure.step_failure_data.user_failure_data.description
    assert description.startswith("MLflow at MLFLOW_TRACKING_URI=http://127.0.0.1:")
    assert "\n" not in description
