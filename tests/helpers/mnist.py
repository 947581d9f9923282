"""MNIST files as a user supplies them, and a training config that finishes in seconds."""

from pathlib import Path

import numpy as np

from training_assets import train
from training_assets.data import IDX_FILES, write_idx

PER_DIGIT = 60  # 600 digits: enough to learn something in a few batches, quick to split
QUICK = train.TrainConfig(epochs=1, max_batches=4, device="cpu")


def write_mnist(folder: Path, images: np.ndarray, labels: np.ndarray) -> Path:
    """A data folder's `mnist/` with a train IDX pair, as a user would supply it."""
    image_name, label_name = IDX_FILES["train"]
    write_idx(folder / image_name, images)
    write_idx(folder / label_name, labels)
    return folder
