"""The training pipeline as thin assets: mnist_dataset -> trained_model -> training_log."""

from typing import Literal

import dagster as dg
from pydantic import Field

from konspekt.orchestration import HEAVY_POOL, follow_upstream, readable
from training_assets import checks
from training_assets.resources import TrainingStorage

GROUP = "training"


class DatasetConfig(dg.Config):
    val_fraction: float = Field(0.2, gt=0, lt=1, description="Share of each digit held out.")
    seed: int = Field(0, description="Fixes the train/validation split.")
    download: bool = Field(
        False, description="Fetch full MNIST with torchvision (needs a network) when absent."
    )


class TrainedModelConfig(dg.Config):
    mode: Literal["auto", "train", "finetune"] = Field(
        "auto", description="auto: fine-tune the latest checkpoint if there is one, else train."
    )
    epochs: int = Field(8, ge=1)
    batch_size: int = Field(64, ge=1)
    lr: float = Field(5e-3, gt=0, description="Peak learning rate.")
    weight_decay: float = 0.01
    optimizer: Literal["adamw", "sgd"] = "adamw"
    schedule: Literal["onecycle", "cosine", "constant"] = "onecycle"
    seed: int = 0
    augment: bool = Field(True, description="Random small rotation/scale/shift of each digit.")
    label_smoothing: float = Field(0.1, ge=0, lt=1)
    device: str = Field("auto", description="auto (cuda, mps, cpu), or a torch device name.")
    max_batches: int = Field(0, ge=0, description="Batches per epoch; 0 = all.")
    min_val_accuracy: float = Field(0.97, description="Threshold of the blocking check.")

    def train_config(self):
        from training_assets.train import TrainConfig

        fields = set(TrainConfig.__dataclass_fields__)
        return TrainConfig(**{k: v for k, v in self.model_dump().items() if k in fields})


@dg.asset(group_name=GROUP, kinds={"pytorch", "safetensors"})
@readable
def mnist_dataset(
    context: dg.AssetExecutionContext, config: DatasetConfig, storage: TrainingStorage
) -> dg.MaterializeResult:
    """Validated MNIST digits, split into train and validation sets, with a data fingerprint."""
    from training_assets import data, report, sources

    folder = storage.mnist_dir
    seeded = []
    fetched = sources.sync(storage.mnist_source, folder, context.log.info)
    if config.download and "test" not in data.find_idx(folder):
        seeded = data.download_full(folder)
    elif not data.find_idx(folder):
        seeded = data.seed_embedded(folder)
    for path in seeded:
        context.log.info(f"seeded {path}")
    dataset = data.prepare(folder, config.val_fraction, config.seed)
    dataset.save(storage.dataset_path)
    sample = slice(0, 20)
    grid = report.digit_grid(dataset.images("train")[sample], dataset.labels("train")[sample])
    report.save_figure(grid, storage.samples_path)
    counts = dataset.info["counts"]
    balance = "\n".join(
        f"| {digit} | {n} |" for digit, n in enumerate(dataset.info["class_counts"])
    )
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(storage.dataset_path)),
            "fingerprint": dataset.fingerprint,
            **{f"{split}_count": n for split, n in counts.items()},
            "incoming_count": dataset.info["sources"]["incoming"]["count"],
            "seeded": ", ".join(p.name for p in seeded) or "no",
            "source": storage.mnist_source or str(folder),
            "fetched": ", ".join(p.name for p in fetched) or "none",
            "mean": dataset.mean,
            "std": dataset.std,
            "class_balance": dg.MetadataValue.md(f"| digit | images |\n| --- | --- |\n{balance}"),
            "sample_grid": dg.MetadataValue.path(str(storage.samples_path)),
        }
    )


@dg.asset(
    group_name=GROUP,
    deps=[mnist_dataset],
    kinds={"pytorch", "safetensors"},
    check_specs=[checks.val_accuracy_spec, checks.finite_weights_spec],
    pool=HEAVY_POOL,  # shares the CPU limit with transcription (dagster.yaml, concurrency.pools)
)
@readable
def trained_model(
    context: dg.AssetExecutionContext, config: TrainedModelConfig, storage: TrainingStorage
) -> dg.MaterializeResult:
    """A small CNN trained from scratch, or fine-tuned from the latest version, on the digits;
    an MLflow run, and a registered model version when the checks pass."""
    from training_assets import checkpoint, tracking, train
    from training_assets.data import Dataset

    def on_epoch(row: dict) -> None:
        context.log.info(
            f"epoch {row['epoch']}/{config.epochs}: loss={row['loss']:.4f} "
            f"val_loss={row['val_loss']:.4f} val_accuracy={row['val_accuracy']:.4f}"
        )

    dataset = Dataset.load(storage.dataset_path)
    meta = train.run(dataset, storage.training_dir, config.train_config(), config.mode, on_epoch)
    saved = checkpoint.load(storage.training_dir, meta["version"])  # proves it reads back
    curve = "\n".join(
        f"| {r['epoch']} | {r['loss']:.4f} | {r['val_loss']:.4f} | {r['val_accuracy']:.4f} |"
        for r in meta["history"]
    )
    metrics, parent = meta["metrics"], meta["parent_version"]
    results = [
        checks.val_accuracy(meta, config.min_val_accuracy),
        checks.finite_weights(saved.model.state_dict()),
    ]
    store = storage.tracking_store()
    tags = {"dagster_run_id": context.run_id, "dagster_partition": "none"}
    tracked = tracking.log_training(store, meta, storage.training_dir, tags)
    if all(r.passed for r in results):  # only a model that passed is registered
        tracked = tracking.register(store, tracked, metrics["val_accuracy"])
    context.log.info(
        f"MLflow run {tracked.run_id}"
        + (f", {tracking.MODEL} version {tracked.version}" if tracked.version else "")
    )
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(storage.training_dir / meta["weights"])),
            "version": meta["name"],
            "mode": meta["mode"],
            "parent_version": checkpoint.version_name(parent) if parent else "none",
            "sha256": meta["sha256"],
            **{k: round(v, 5) for k, v in metrics.items()},
            "epochs": len(meta["history"]),
            "parameters": meta["parameters"],
            "wall_s": round(meta["wall_s"], 2),
            "device": meta["device"],
            "data_fingerprint": meta["data"]["fingerprint"],
            "loss_curve": dg.MetadataValue.md(
                "| epoch | loss | val_loss | val_accuracy |\n| --- | --- | --- | --- |\n" + curve
            ),
            "mlflow_run_id": tracked.run_id,
            "mlflow_experiment": tracking.EXPERIMENT,
            "mlflow_run": dg.MetadataValue.url(tracked.url)
            if tracked.url
            else dg.MetadataValue.path(tracked.artifact_uri),
            "mlflow_tracking_uri": store.tracking_uri,
            "mlflow_model_version": tracked.version or "not registered (a check failed)",
            "mlflow_aliases": ", ".join(tracked.aliases) or "none",
        },
        check_results=results,
    )


@dg.asset(
    group_name=GROUP,
    deps=[trained_model],
    kinds={"matplotlib"},
    # Follows each new model when the automation sensor runs, unless its blocking checks failed.
    automation_condition=follow_upstream(),
)
@readable
def training_log(
    context: dg.AssetExecutionContext, storage: TrainingStorage
) -> dg.MaterializeResult:
    """The text training log, one section per model version, and the loss-curve PNG."""
    from training_assets import checkpoint, report, tracking

    meta = checkpoint.read_meta(storage.training_dir)
    added = report.append_log(storage.log_path, storage.training_dir)
    context.log.info(f"log sections added: {', '.join(added) or 'none'}")
    chain = report.lineage(storage.training_dir, meta)
    report.save_figure(report.loss_curve(chain), storage.loss_curve_path)
    run_id = tracking.log_report(  # the report joins the model's MLflow run
        storage.tracking_store(), meta["name"], [storage.loss_curve_path],
        report.log_section(meta),
    )  # fmt: skip
    losses = [row["loss"] for row in meta["history"]]
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(storage.log_path)),
            "loss_curve": dg.MetadataValue.path(str(storage.loss_curve_path)),
            "latest_version": meta["name"],
            "sections_added": ", ".join(added) or "none",
            "first_loss": round(losses[0], 4),
            "last_loss": round(losses[-1], 4),
            "preview": dg.MetadataValue.md(f"```\n{report.log_section(meta)}```"),
            "mlflow_run_id": run_id or "none (the model has no MLflow run)",
        }
    )


training_assets = [mnist_dataset, trained_model, training_log]
