"""Versioned checkpoints: `training/versions/vNNNN/` (safetensors + model.json) and the latest.

`training/model.json` is a copy of the newest version's model.json, replaced atomically, so a
reader sees either the previous or the new model, never a mix. Every path inside a model.json is
relative to the training folder, and the weights' sha256 is checked before they are loaded.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import torch
from torch import nn

from konspekt.errors import KonspektError
from konspekt.files import write_bytes, write_json
from training_assets.model import build_model

LATEST = "model.json"
WEIGHTS = "model.safetensors"
VERSIONS = "versions"


class CheckpointError(KonspektError):
    """A checkpoint is missing, incomplete or does not match its recorded hash."""


def version_name(version: int) -> str:
    return f"v{version:04d}"


def versions(training_dir: Path) -> list[int]:
    """Numbers of the versions that have a model.json, ascending."""
    folder = training_dir / VERSIONS
    if not folder.is_dir():
        return []
    found = [int(p.name[1:]) for p in folder.glob("v[0-9]*") if (p / LATEST).is_file()]
    return sorted(found)


def latest_meta(training_dir: Path) -> dict | None:
    path = training_dir / LATEST
    return json.loads(path.read_text("utf-8")) if path.is_file() else None


def read_meta(training_dir: Path, version: int | None = None) -> dict:
    path = training_dir / LATEST
    if version is not None:
        path = training_dir / VERSIONS / version_name(version) / LATEST
    if not path.is_file():
        raise CheckpointError(f"No checkpoint at {path}; materialize trained_model first.")
    return json.loads(path.read_text("utf-8"))


def save(training_dir: Path, model: nn.Module, record: dict) -> dict:
    """Write ``model`` as the next version with ``record`` (config, metrics, ...) beside it."""
    from safetensors.torch import save as to_bytes

    version, folder = _claim_next_version(training_dir)
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    blob = to_bytes(state, metadata={"version": str(version)})
    weights = folder / WEIGHTS
    write_bytes(weights, blob)
    meta = {
        "version": version,
        "name": version_name(version),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "weights": weights.relative_to(training_dir).as_posix(),
        "sha256": hashlib.sha256(blob).hexdigest(),
        "size_bytes": len(blob),
        "arch": getattr(model, "arch", None),
        **record,
    }
    write_json(folder / LATEST, meta)
    write_json(training_dir / LATEST, meta)  # last: the new version is complete before it shows
    return meta


def _claim_next_version(training_dir: Path) -> tuple[int, Path]:
    # mkdir is atomic: two runs finishing together get different versions.
    root = training_dir / VERSIONS
    root.mkdir(parents=True, exist_ok=True)
    taken = [int(p.name[1:]) for p in root.glob("v[0-9]*") if p.name[1:].isdigit()]
    version = max(taken, default=0) + 1
    while True:
        folder = root / version_name(version)
        try:
            folder.mkdir()
            return version, folder
        except FileExistsError:
            version += 1


@dataclass
class Checkpoint:
    """A loaded, verified model with the model.json that describes it."""

    model: nn.Module
    meta: dict

    @property
    def version(self) -> int:
        return self.meta["version"]

    @torch.no_grad()
    def predict(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """uint8 (N, 28, 28) digits -> predicted labels (N,) and class probabilities (N, 10)."""
        from training_assets.data import normalize

        norm = self.meta["normalization"]
        self.model.eval()
        device = next(self.model.parameters()).device
        logits = self.model(normalize(images, norm["mean"], norm["std"]).to(device))
        probs = logits.softmax(1).cpu()
        return probs.argmax(1), probs

    def predict_file(self, path: Path) -> tuple[int, torch.Tensor]:
        """The digit in one image file and the class probabilities."""
        from training_assets.data import read_png

        labels, probs = self.predict(read_png(Path(path)).unsqueeze(0))
        return int(labels[0]), probs[0]


def load(training_dir: Path, version: int | None = None, device: str = "cpu") -> Checkpoint:
    """The latest (or a given) version; refuses weights whose sha256 differs from model.json."""
    training_dir = Path(training_dir)
    meta = read_meta(training_dir, version)
    weights = (training_dir / meta["weights"]).resolve()
    if not weights.is_relative_to(training_dir.resolve()) or not weights.is_file():
        raise CheckpointError(f"{weights}: weights of {meta['name']} are missing.")
    return _verified(weights, meta, device)


def load_folder(folder: Path, device: str = "cpu") -> Checkpoint:
    """A version's own folder (``versions/vNNNN/``, or the same files fetched from the MLflow
    registry): its model.json and the weights beside it, hash-checked like :func:`load`."""
    folder = Path(folder)
    if not (folder / LATEST).is_file():
        raise CheckpointError(f"{folder} holds no {LATEST}; it is not a model version.")
    meta = json.loads((folder / LATEST).read_text("utf-8"))
    weights = folder / WEIGHTS
    if not weights.is_file():
        raise CheckpointError(f"{weights}: weights of {meta['name']} are missing.")
    return _verified(weights, meta, device)


def _verified(weights: Path, meta: dict, device: str) -> Checkpoint:
    from safetensors.torch import load as from_bytes

    blob = weights.read_bytes()
    digest = hashlib.sha256(blob).hexdigest()
    if digest != meta["sha256"]:
        raise CheckpointError(
            f"{weights}: sha256 {digest[:12]}… does not match {meta['sha256'][:12]}… recorded in "
            f"model.json; the file was changed or damaged. Refusing to load it."
        )
    try:
        tensors = from_bytes(blob)  # safetensors: data only, never code (no pickle is loaded)
    except Exception as exc:  # SafetensorError is not exported under a stable name
        raise CheckpointError(
            f"{weights} is not a safetensors file ({exc}); pickled checkpoints are never loaded."
        ) from None
    model = build_model(meta.get("arch"))
    model.load_state_dict(tensors)
    return Checkpoint(model.to(device).eval(), meta)
