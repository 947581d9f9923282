"""Where the training pipeline reads its digits and writes its models, from KONSPEKT_DATA_DIR."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from konspekt.settings import Settings


class TrainingStorage(dg.ConfigurableResource):
    """Source files under `<data_dir>/mnist/`, dataset, checkpoints and log under `training/`."""

    data_dir: str = "data"
    mnist_source: str = ""  # empty: mnist/ itself; another folder, http(s)://..., s3://...

    @property
    def root(self) -> Path:
        return Path(self.data_dir).expanduser().resolve()

    @property
    def mnist_dir(self) -> Path:
        return self.root / "mnist"

    @property
    def incoming_dir(self) -> Path:
        return self.mnist_dir / "incoming"

    @property
    def training_dir(self) -> Path:
        return self.root / "training"

    @property
    def dataset_path(self) -> Path:
        return self.training_dir / "dataset.safetensors"

    @property
    def samples_path(self) -> Path:
        return self.training_dir / "dataset_samples.png"

    @property
    def log_path(self) -> Path:
        return self.training_dir / "training_log.txt"

    @property
    def loss_curve_path(self) -> Path:
        return self.training_dir / "loss_curve.png"

    def tracking_store(self):
        """The MLflow store: MLFLOW_TRACKING_URI, else a local one under <data_dir>/mlflow/."""
        from training_assets.tracking import Store

        return Store.of(self.data_dir)


def training_resources(settings: Settings) -> dict[str, dg.ConfigurableResource]:
    return {
        "storage": TrainingStorage(data_dir=settings.data_dir, mnist_source=settings.mnist_source)
    }


def resources_from_env() -> dict[str, dg.ConfigurableResource]:
    return training_resources(Settings.from_env())
