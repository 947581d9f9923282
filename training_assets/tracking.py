"""MLflow tracking and the Model Registry for trained models.

Every ``trained_model`` materialization is one run in the experiment ``konspekt-mnist``:
its training config as parameters, the loss, validation loss, accuracy and learning rate of
each epoch as metric steps, the final metrics, tags that tie it to the data and the Dagster run,
and the weights with their ``model.json`` as artifacts (``model/``). A version whose blocking
checks pass is registered as ``konspekt-mnist`` with the alias ``latest``, and ``champion``
while no earlier version has a better validation accuracy.

Without ``MLFLOW_TRACKING_URI`` the store is local and needs no server:
``$KONSPEKT_DATA_DIR/mlflow/mlflow.db`` (SQLite, tracking and registry) with ``artifacts/``
beside it; ``mlflow ui --backend-store-uri sqlite:///.../mlflow.db`` shows it. mlflow is
imported inside the functions, so the code location loads without it.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

from konspekt.errors import KonspektError

EXPERIMENT = "konspekt-mnist"
MODEL = "konspekt-mnist"
TRACKING_VARIABLE = "MLFLOW_TRACKING_URI"
# Epoch rows of the training history that are metrics (time_s is wall time, not a score).
EPOCH_METRICS = ("loss", "val_loss", "val_accuracy", "lr")


class TrackingError(KonspektError):
    """The MLflow store cannot be reached or refused a write; the message says which."""


@dataclass(frozen=True)
class Store:
    """Where runs and registered models go."""

    tracking_uri: str
    artifact_root: str | None  # the local store's artifacts/ folder; a server picks its own

    @classmethod
    def of(cls, data_dir: str | Path) -> Store:
        uri = os.environ.get(TRACKING_VARIABLE, "").strip()
        if uri:
            return cls(uri, None)
        folder = Path(data_dir).expanduser().resolve() / "mlflow"
        folder.mkdir(parents=True, exist_ok=True)
        return cls(f"sqlite:///{folder / 'mlflow.db'}", (folder / "artifacts").as_uri())

    @property
    def is_server(self) -> bool:
        return self.tracking_uri.startswith(("http://", "https://"))

    def client(self):
        _quiet_mlflow()
        from mlflow.tracking import MlflowClient

        return MlflowClient(tracking_uri=self.tracking_uri, registry_uri=self.tracking_uri)

    def run_url(self, experiment_id: str, run_id: str) -> str | None:
        """The run's page in the MLflow UI, when the store is a server."""
        if not self.is_server:
            return None
        return f"{self.tracking_uri.rstrip('/')}/#/experiments/{experiment_id}/runs/{run_id}"


@dataclass(frozen=True)
class Tracked:
    run_id: str
    experiment_id: str
    artifact_uri: str
    url: str | None
    version: str | None = None  # the registry version, once registered
    aliases: tuple[str, ...] = ()


def _quiet_mlflow() -> None:
    # The local store's schema migrations log at INFO on first use: not the user's concern.
    import logging

    for name in ("alembic", "mlflow"):
        logging.getLogger(name).setLevel(logging.WARNING)


def _readable(store: Store, exc: Exception) -> TrackingError:
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
    where = f"{TRACKING_VARIABLE}={store.tracking_uri}" if store.is_server else store.tracking_uri
    return TrackingError(f"MLflow at {where} failed ({first}); check the tracking server.")


def log_training(store: Store, meta: dict, training_dir: Path, tags: dict[str, str]) -> Tracked:
    """One MLflow run for the model version ``meta`` (a model.json): parameters, per-epoch and
    final metrics, tags, and the weights with model.json as artifacts under ``model/``."""
    from mlflow.entities import Metric, Param

    run_id = None
    try:
        client = store.client()
        experiment = client.get_experiment_by_name(EXPERIMENT)
        experiment_id = (
            experiment.experiment_id
            if experiment
            else client.create_experiment(EXPERIMENT, artifact_location=store.artifact_root)
        )
        parent = _run_of_version(client, experiment_id, meta.get("parent_version"))
        run_tags = {
            "version": meta["name"],
            "mode": meta["mode"],
            "data_fingerprint": meta["data"]["fingerprint"],
            "parent_version": f"v{meta['parent_version']:04d}"
            if meta.get("parent_version")
            else "none",
            **({"parent_run_id": parent} if parent else {}),
            "mlflow.runName": f"konspekt-mnist {meta['name']}",
            **tags,
        }
        run = client.create_run(experiment_id, tags=run_tags)
        run_id = run.info.run_id
        params = [Param(k, str(v)[:6000]) for k, v in sorted(meta["config"].items())]
        # The config says "auto"; the device it resolved to is worth a parameter of its own.
        params += [Param("parameters", str(meta["parameters"])), Param("ran_on", meta["device"])]
        # Epochs are the steps; each is stamped with when it ended (model.json has the times).
        end_ms = int(time.time() * 1000)
        total_s = meta["history"][-1].get("time_s", 0.0) if meta["history"] else 0.0
        metrics = []
        for row in meta["history"]:
            at = end_ms - int((total_s - row.get("time_s", total_s)) * 1000)
            step = int(row["epoch"])
            metrics += [Metric(k, float(row[k]), at, step) for k in EPOCH_METRICS if k in row]
        metrics += [Metric(f"final_{k}", float(v), end_ms, 0) for k, v in meta["metrics"].items()]
        for start in range(0, len(metrics), 900):  # the REST API takes 1000 metrics a batch
            client.log_batch(run_id, metrics=metrics[start : start + 900],
                             params=params if start == 0 else [])  # fmt: skip
        version_dir = (training_dir / meta["weights"]).parent
        client.log_artifacts(run_id, str(version_dir), artifact_path="model")
        client.set_terminated(run_id)
    except Exception as exc:
        if run_id:  # a run cut short is marked failed, not left running for ever
            with contextlib.suppress(Exception):
                client.set_terminated(run_id, "FAILED")
        raise _readable(store, exc) from None
    return Tracked(
        run_id, experiment_id, run.info.artifact_uri, store.run_url(experiment_id, run_id)
    )


def log_report(
    store: Store, version: str, files: list[Path], text: str | None = None
) -> str | None:
    """The training log's section and loss curve, added to the run of model ``version``
    (``v0003``); returns the run's id, or None for a version trained before tracking."""
    try:
        client = store.client()
        experiment = client.get_experiment_by_name(EXPERIMENT)
        runs = experiment and client.search_runs(
            [experiment.experiment_id], filter_string=f"tags.version = '{version}'", max_results=1
        )
        if not runs:
            return None
        run_id = runs[0].info.run_id
        for path in files:
            client.log_artifact(run_id, str(path), artifact_path="report")
        if text is not None:
            client.log_text(run_id, text, "report/training_log_section.txt")
    except Exception as exc:
        raise _readable(store, exc) from None
    return run_id


def register(store: Store, tracked: Tracked, val_accuracy: float) -> Tracked:
    """Register the run's model as a new version of ``konspekt-mnist`` (then the newest,
    ``models:/konspekt-mnist/latest``) and give it the alias ``champion`` unless the current
    champion's validation accuracy is at least as good."""
    from mlflow.exceptions import MlflowException

    try:
        client = store.client()
        try:
            client.create_registered_model(MODEL, description="konspekt's MNIST digit CNN")
        except MlflowException as exc:
            if "RESOURCE_ALREADY_EXISTS" not in str(exc.error_code):
                raise
        version = client.create_model_version(
            MODEL, f"{tracked.artifact_uri}/model", run_id=tracked.run_id,
            tags={"val_accuracy": f"{val_accuracy:.5f}"},
        )  # fmt: skip
        # MLflow reserves the alias "latest": models:/konspekt-mnist/latest is the newest
        # version by itself, so only "champion" is an alias konspekt sets.
        aliases = ["latest"]
        best = champion_accuracy(client)
        if best is None or val_accuracy > best:
            client.set_registered_model_alias(MODEL, "champion", version.version)
            aliases.append("champion")
    except Exception as exc:
        raise _readable(store, exc) from None
    return Tracked(tracked.run_id, tracked.experiment_id, tracked.artifact_uri, tracked.url,
                   version.version, tuple(aliases))  # fmt: skip


def champion_accuracy(client) -> float | None:
    """The validation accuracy of the version holding the ``champion`` alias, if any."""
    from mlflow.exceptions import MlflowException

    try:
        champion = client.get_model_version_by_alias(MODEL, "champion")
    except MlflowException:
        return None
    tag = champion.tags.get("val_accuracy")
    return float(tag) if tag else None


def download_model(store: Store, alias: str, target: Path) -> Path:
    """The files of the registered version under ``alias`` (``champion``, ``latest``), into
    ``target``; returns the folder holding model.json and the weights."""
    import mlflow.artifacts

    try:
        client = store.client()
        if alias == "latest":  # MLflow's own name for the newest version, not an alias
            versions = client.search_model_versions(f"name='{MODEL}'")
            version = max(versions, key=lambda v: int(v.version))
        else:
            version = client.get_model_version_by_alias(MODEL, alias)
        path = mlflow.artifacts.download_artifacts(
            artifact_uri=version.source, dst_path=str(target), tracking_uri=store.tracking_uri
        )
    except Exception as exc:
        raise _readable(store, exc) from None
    return Path(path)


def _run_of_version(client, experiment_id: str, parent: int | None) -> str | None:
    if not parent:
        return None
    runs = client.search_runs(
        [experiment_id], filter_string=f"tags.version = 'v{parent:04d}'", max_results=1
    )
    return runs[0].info.run_id if runs else None
