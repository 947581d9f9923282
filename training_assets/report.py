"""What people read: the text training log, the loss curve, digit grids, a confusion matrix."""

from __future__ import annotations

import re
from pathlib import Path

import torch
from matplotlib.figure import Figure

from konspekt.files import write_text, write_with
from training_assets import checkpoint

HEADER = re.compile(r"^=== (v\d{4}) ", re.MULTILINE)
CONFIG_KEYS = (
    "epochs batch_size lr weight_decay optimizer schedule augment label_smoothing seed max_batches"
).split()


def log_section(meta: dict) -> str:
    """A model.json as text: header, config, data, one line per epoch, the result."""
    config = meta["config"]
    parent = meta.get("parent_version")
    origin = f"finetune from {checkpoint.version_name(parent)}" if parent else meta["mode"]
    data = meta["data"]
    counts = " ".join(f"{k}={v}" for k, v in data.items() if k != "fingerprint")
    lines = [
        f"=== {meta['name']} | {origin} | {meta['created_at']} ===",
        "config: "
        + " ".join(f"{k}={config[k]}" for k in CONFIG_KEYS)
        + f" device={meta['device']}",  # where it ran, not the "auto" it was asked for
        f"data: fingerprint={data['fingerprint'][:16]} {counts}",
    ]
    epochs = len(meta["history"])
    for row in meta["history"]:
        lines.append(
            f"epoch {row['epoch']}/{epochs} loss={row['loss']:.4f} val_loss={row['val_loss']:.4f}"
            f" val_accuracy={row['val_accuracy']:.4f} lr={row['lr']:.6f} time={row['time_s']:.1f}s"
        )
    metrics = " ".join(f"{k}={v:.4f}" for k, v in meta["metrics"].items())
    lines.append(
        f"result: {metrics} parameters={meta['parameters']} wall={meta['wall_s']:.1f}s "
        f"weights={meta['weights']} sha256={meta['sha256']}"
    )
    return "\n".join(lines) + "\n\n"


def append_log(log_path: Path, training_dir: Path) -> list[str]:
    """Append a section for every version not yet in the log; returns the names added."""
    existing = log_path.read_text("utf-8") if log_path.is_file() else ""
    logged = set(HEADER.findall(existing))
    missing = [
        v for v in checkpoint.versions(training_dir) if checkpoint.version_name(v) not in logged
    ]
    if missing:
        sections = "".join(log_section(checkpoint.read_meta(training_dir, v)) for v in missing)
        write_text(log_path, existing + sections)
    return [checkpoint.version_name(v) for v in missing]


def lineage(training_dir: Path, meta: dict) -> list[dict]:
    """``meta`` and its ancestors, oldest first, as far as their model.json files remain."""
    chain = [meta]
    while (parent := chain[-1].get("parent_version")) and parent < chain[-1]["version"]:
        try:
            chain.append(checkpoint.read_meta(training_dir, parent))
        except checkpoint.CheckpointError:
            break
    return chain[::-1]


def loss_curve(chain: list[dict]) -> Figure:
    """Train and validation loss, and validation accuracy, across a lineage of versions."""
    fig = Figure(figsize=(8, 3.2), layout="constrained")
    loss_ax, acc_ax = fig.subplots(1, 2)
    start = 0
    for meta in chain:
        rows = meta["history"]
        x = [start + row["epoch"] for row in rows]
        loss_ax.plot(x, [r["loss"] for r in rows], "o-", color="C0", ms=3)
        loss_ax.plot(x, [r["val_loss"] for r in rows], "s--", color="C1", ms=3)
        acc_ax.plot(x, [r["val_accuracy"] for r in rows], "o-", color="C2", ms=3)
        for ax in (loss_ax, acc_ax):
            ax.axvline(start + 0.5, color="0.8", lw=0.8)
            ax.annotate(
                meta["name"],
                (start + 0.6, 1.0),
                xycoords=("data", "axes fraction"),
                va="top",
                fontsize=7,
                color="0.4",
            )
        start = x[-1] if x else start
    loss_ax.set(xlabel="epoch", ylabel="cross-entropy", yscale="log", title="loss")
    loss_ax.legend(["train", "validation"], fontsize=8)
    acc_ax.set(xlabel="epoch", ylabel="fraction", title="validation accuracy")
    return fig


def digit_grid(
    images: torch.Tensor,
    labels: torch.Tensor,
    predicted: torch.Tensor | None = None,
    columns: int = 10,
) -> Figure:
    """Digits with their labels; with predictions, titled `pred/true`, mistakes in red."""
    rows = max(1, -(-len(images) // columns))
    fig = Figure(figsize=(columns * 0.8, rows * 0.95), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False).flatten()
    for i, ax in enumerate(axes):
        ax.axis("off")
        if i >= len(images):
            continue
        ax.imshow(images[i].numpy(), cmap="gray", vmin=0, vmax=255)
        true = int(labels[i])
        if predicted is None:
            ax.set_title(str(true), fontsize=9)
        else:
            guess = int(predicted[i])
            ax.set_title(f"{guess}/{true}", fontsize=9, color="C3" if guess != true else "black")
    return fig


def confusion_matrix(
    true: torch.Tensor, predicted: torch.Tensor, classes: int = 10
) -> torch.Tensor:
    """counts[t, p]: how often digit t was predicted as p."""
    flat = true.long() * classes + predicted.long()
    return torch.bincount(flat, minlength=classes * classes).view(classes, classes)


def confusion_figure(matrix: torch.Tensor) -> Figure:
    fig = Figure(figsize=(4.6, 4), layout="constrained")
    ax = fig.subplots()
    ax.imshow(matrix.numpy(), cmap="Blues")
    threshold = matrix.max().item() / 2
    for (t, p), count in zip(
        torch.cartesian_prod(torch.arange(10), torch.arange(10)).tolist(),
        matrix.flatten().tolist(),
        strict=True,
    ):
        if count:
            ax.text(
                p,
                t,
                str(count),
                ha="center",
                va="center",
                fontsize=7,
                color="white" if count > threshold else "black",
            )
    ax.set(xlabel="predicted", ylabel="true", xticks=range(10), yticks=range(10))
    return fig


def save_figure(fig: Figure, path: Path, dpi: int = 100) -> Path:
    return write_with(path, lambda tmp: fig.savefig(tmp, format="png", dpi=dpi))
