"""Training in the pytorch/examples shape: train_one_epoch and evaluate, driven by fit and run."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from konspekt.errors import KonspektError
from konspekt.settings import require_device
from training_assets import checkpoint
from training_assets.data import Dataset, normalize
from training_assets.model import build_model, parameter_count

MODES = ("auto", "train", "finetune")


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 8
    batch_size: int = 64
    lr: float = 5e-3  # peak rate of the one-cycle schedule
    weight_decay: float = 0.01
    optimizer: str = "adamw"  # adamw | sgd
    schedule: str = "onecycle"  # onecycle | cosine | constant
    seed: int = 0
    device: str = "auto"  # auto: cuda, then mps, then cpu
    augment: bool = True  # random small rotation, scale and shift of each training image
    label_smoothing: float = 0.1  # the training loss cannot go below ~0.5 with it
    max_batches: int = 0  # per epoch; 0 = all. Tests train on a few batches.


def resolve_device(name: str) -> torch.device:
    if name != "auto":
        require_device(name, "The trained_model config's device")
        return torch.device(name)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def make_optimizer(model: nn.Module, config: TrainConfig) -> torch.optim.Optimizer:
    if config.optimizer == "adamw":
        return torch.optim.AdamW(model.parameters(), config.lr, weight_decay=config.weight_decay)
    if config.optimizer == "sgd":
        return torch.optim.SGD(
            model.parameters(), config.lr, momentum=0.9, weight_decay=config.weight_decay
        )
    raise ValueError(f"unknown optimizer {config.optimizer!r} (adamw or sgd)")


def make_scheduler(
    optimizer: torch.optim.Optimizer, config: TrainConfig, total_steps: int
) -> torch.optim.lr_scheduler.LRScheduler:
    if config.schedule == "onecycle":
        return torch.optim.lr_scheduler.OneCycleLR(optimizer, config.lr, total_steps=total_steps)
    if config.schedule == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, total_steps)
    if config.schedule == "constant":
        return torch.optim.lr_scheduler.ConstantLR(optimizer, factor=1.0)
    raise ValueError(f"unknown schedule {config.schedule!r} (onecycle, cosine or constant)")


def batches(
    count: int, batch_size: int, generator: torch.Generator | None = None
) -> Iterator[torch.Tensor]:
    """Index batches over ``count`` examples, shuffled when a generator is given."""
    order = torch.randperm(count, generator=generator) if generator else torch.arange(count)
    yield from order.split(batch_size)


def jitter(inputs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Rotate (±10°), scale (±10%) and shift (±2 px) each image at random.

    Handwriting varies more than 4,000 digits show: on the embedded sample this (with label
    smoothing) moves validation accuracy from ~0.977 to ~0.985 on average over seeds.
    """
    u = torch.rand(len(inputs), 4, generator=generator).to(inputs.device) * 2 - 1
    angle, scale, shift = u[:, 0] * math.radians(10), 1 + 0.1 * u[:, 1], u[:, 2:] * 2 / 14
    cos, sin = angle.cos() / scale, angle.sin() / scale
    rows = [torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)]
    grid = F.affine_grid(torch.stack(rows, 1), list(inputs.shape), align_corners=False)
    # grid_sample fills with 0, which is grey after normalization; black is the minimum.
    black = inputs.amin()
    return F.grid_sample(inputs - black, grid, align_corners=False) + black


def train_one_epoch(
    model: nn.Module,
    inputs: torch.Tensor,
    labels: torch.Tensor,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    *,
    batch_size: int,
    generator: torch.Generator,
    max_batches: int = 0,
    augment: bool = False,
    label_smoothing: float = 0.0,
) -> float:
    """One pass (or ``max_batches`` batches) over the data; returns the mean training loss."""
    model.train()
    total, seen = 0.0, 0
    for step, index in enumerate(batches(len(labels), batch_size, generator)):
        if max_batches and step >= max_batches:
            break
        batch = jitter(inputs[index], generator) if augment else inputs[index]
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(batch), labels[index], label_smoothing=label_smoothing)
        loss.backward()
        optimizer.step()
        scheduler.step()
        total += loss.item() * len(index)
        seen += len(index)
    return total / max(seen, 1)


@torch.no_grad()
def evaluate(
    model: nn.Module, inputs: torch.Tensor, labels: torch.Tensor, batch_size: int = 1000
) -> dict[str, float]:
    """Mean loss and accuracy (a fraction) over the whole split."""
    model.eval()
    loss, correct = 0.0, 0
    for index in batches(len(labels), batch_size):
        logits = model(inputs[index])
        loss += F.cross_entropy(logits, labels[index], reduction="sum").item()
        correct += (logits.argmax(1) == labels[index]).sum().item()
    count = max(len(labels), 1)
    return {"loss": loss / count, "accuracy": correct / count}


def fit(
    model: nn.Module,
    train: tuple[torch.Tensor, torch.Tensor],
    val: tuple[torch.Tensor, torch.Tensor],
    config: TrainConfig,
    on_epoch: Callable[[dict], None] | None = None,
) -> list[dict]:
    """Train ``model`` in place on normalized inputs; returns one record per epoch."""
    device = resolve_device(config.device)
    torch.manual_seed(config.seed)  # dropout
    generator = torch.Generator().manual_seed(config.seed)  # shuffling, the same on any device
    model.to(device)
    train_x, train_y = (t.to(device) for t in train)
    val_x, val_y = (t.to(device) for t in val)
    steps = math.ceil(len(train_y) / config.batch_size)
    if config.max_batches:
        steps = min(steps, config.max_batches)
    optimizer = make_optimizer(model, config)
    scheduler = make_scheduler(optimizer, config, max(config.epochs * steps, 1))
    history = []
    for epoch in range(1, config.epochs + 1):
        started = time.perf_counter()
        loss = train_one_epoch(
            model,
            train_x,
            train_y,
            optimizer,
            scheduler,
            batch_size=config.batch_size,
            generator=generator,
            max_batches=config.max_batches,
            augment=config.augment,
            label_smoothing=config.label_smoothing,
        )
        scores = evaluate(model, val_x, val_y)
        record = {
            "epoch": epoch,
            "loss": loss,
            "val_loss": scores["loss"],
            "val_accuracy": scores["accuracy"],
            "lr": scheduler.get_last_lr()[0],
            "time_s": time.perf_counter() - started,
        }
        history.append(record)
        if on_epoch:
            on_epoch(record)
    return history


def resolve_mode(mode: str, training_dir: Path) -> str:
    """``auto`` fine-tunes once a checkpoint exists and trains from scratch before that."""
    if mode not in MODES:
        raise KonspektError(f"mode must be one of {', '.join(MODES)}, not {mode!r}.")
    exists = checkpoint.latest_meta(training_dir) is not None
    if mode == "finetune" and not exists:
        raise KonspektError(f"No checkpoint in {training_dir} to fine-tune; use mode 'train'.")
    if mode == "auto":
        return "finetune" if exists else "train"
    return mode


def run(
    dataset: Dataset,
    training_dir: Path,
    config: TrainConfig,
    mode: str = "auto",
    on_epoch: Callable[[dict], None] | None = None,
) -> dict:
    """Train or fine-tune on ``dataset`` and save the next checkpoint; returns its model.json."""
    mode = resolve_mode(mode, training_dir)
    parent = checkpoint.load(training_dir) if mode == "finetune" else None
    if parent:
        model, norm = parent.model, parent.meta["normalization"]  # the weights expect it
    else:
        torch.manual_seed(config.seed)
        model, norm = build_model(), {"mean": dataset.mean, "std": dataset.std}
    splits = {
        split: (normalize(dataset.images(split), norm["mean"], norm["std"]), dataset.labels(split))
        for split in ("train", "val", "test")
    }
    started = time.perf_counter()
    history = fit(model, splits["train"], splits["val"], config, on_epoch)
    wall = time.perf_counter() - started
    final = history[-1]
    metrics = {
        "val_accuracy": final["val_accuracy"],
        "val_loss": final["val_loss"],
        "train_loss": final["loss"],
    }
    if len(splits["test"][1]):
        test = evaluate(model, *(t.to(next(model.parameters()).device) for t in splits["test"]))
        metrics |= {"test_accuracy": test["accuracy"], "test_loss": test["loss"]}
    record = {
        "mode": mode,
        "parent_version": parent.version if parent else None,
        "config": asdict(config),
        "device": str(resolve_device(config.device)),
        "normalization": norm,
        "data": {"fingerprint": dataset.fingerprint, **dataset.info.get("counts", {})},
        "metrics": metrics,
        "history": history,
        "parameters": parameter_count(model),
        "wall_s": wall,
        "torch": torch.__version__,
    }
    return checkpoint.save(training_dir, model.cpu(), record)
