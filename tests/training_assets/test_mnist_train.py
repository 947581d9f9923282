import dataclasses
import json
import shutil

import pytest
import torch

from konspekt.errors import KonspektError
from tests.helpers.mnist import QUICK
from training_assets import checkpoint, data, train
from training_assets.assets import TrainedModelConfig
from training_assets.checkpoint import CheckpointError
from training_assets.data import write_idx
from training_assets.model import build_model


@pytest.fixture
def prepared(mnist_storage) -> data.Dataset:
    data.prepare(mnist_storage.mnist_dir).save(mnist_storage.dataset_path)
    return data.Dataset.load(mnist_storage.dataset_path)


def test_a_few_batches_lower_the_loss(prepared):
    torch.manual_seed(0)
    model = build_model()
    inputs, labels = prepared.inputs("train"), prepared.labels("train")
    before = train.evaluate(model, inputs, labels)
    config = dataclasses.replace(QUICK, epochs=2, max_batches=6)
    val = (prepared.inputs("val"), prepared.labels("val"))
    history = train.fit(model, (inputs, labels), val, config)
    after = train.evaluate(model, inputs, labels)
    assert [row["epoch"] for row in history] == [1, 2]
    assert after["loss"] < 0.8 * before["loss"]
    assert history[-1]["val_accuracy"] > 0.3  # chance is 0.1


def test_training_is_reproducible_with_a_seed(prepared):
    runs = []
    for _ in range(2):
        torch.manual_seed(0)
        model = build_model()
        train.fit(
            model,
            (prepared.inputs("train"), prepared.labels("train")),
            (prepared.inputs("val"), prepared.labels("val")),
            QUICK,
        )
        runs.append(model.state_dict())
    assert all(torch.equal(runs[0][k], runs[1][k]) for k in runs[0])


def test_checkpoints_are_versioned_and_describe_themselves(mnist_storage, prepared):
    folder = mnist_storage.training_dir
    first = train.run(prepared, folder, QUICK)
    second = train.run(prepared, folder, QUICK)
    assert (first["version"], first["mode"], first["parent_version"]) == (1, "train", None)
    assert (second["version"], second["mode"], second["parent_version"]) == (2, "finetune", 1)
    assert checkpoint.versions(folder) == [1, 2]
    latest = json.loads((folder / "model.json").read_text())
    assert latest == json.loads((folder / "versions" / "v0002" / "model.json").read_text())
    assert latest["weights"] == "versions/v0002/model.safetensors"
    assert latest["data"] == {"fingerprint": prepared.fingerprint, "train": 480, "val": 120}
    assert 0 <= latest["metrics"]["val_accuracy"] <= 1
    assert len(latest["history"]) == QUICK.epochs and latest["config"]["max_batches"] == 4
    assert checkpoint.load(folder).version == 2 and checkpoint.load(folder, 1).version == 1


def test_finetune_starts_from_the_parent_weights(mnist_storage, prepared):
    folder = mnist_storage.training_dir
    parent = train.run(prepared, folder, QUICK, mode="train")
    frozen = dataclasses.replace(QUICK, lr=0.0)  # no step moves a weight, so it shows the start
    finetuned = train.run(prepared, folder, frozen, mode="finetune")
    scratch = train.run(prepared, folder, frozen, mode="train")
    # Parameters only: batch-norm running statistics move even when the learning rate is 0.
    weights = {
        m["version"]: dict(checkpoint.load(folder, m["version"]).model.named_parameters())
        for m in (parent, finetuned, scratch)
    }
    assert finetuned["parent_version"] == parent["version"]
    assert all(torch.equal(weights[1][k], weights[2][k]) for k in weights[1])
    assert not all(torch.equal(weights[1][k], weights[3][k]) for k in weights[1])
    assert finetuned["normalization"] == parent["normalization"]


def test_finetune_without_a_checkpoint_is_refused(mnist_storage, prepared):
    with pytest.raises(KonspektError, match=r"No checkpoint .* to fine-tune"):
        train.run(prepared, mnist_storage.training_dir, QUICK, mode="finetune")
    assert not mnist_storage.training_dir.joinpath("versions").exists()


@pytest.mark.parametrize("part", ["weights", "hash"])
def test_a_tampered_checkpoint_is_refused(tmp_path, trained_storage, part):
    folder = tmp_path / "training"
    shutil.copytree(trained_storage.training_dir, folder)
    if part == "weights":
        weights = folder / "versions" / "v0001" / "model.safetensors"
        blob = bytearray(weights.read_bytes())
        blob[-10] ^= 0x01  # one bit of one float
        weights.write_bytes(bytes(blob))
    else:
        meta = json.loads((folder / "model.json").read_text())
        meta["sha256"] = "0" * 64
        (folder / "model.json").write_text(json.dumps(meta))
    with pytest.raises(CheckpointError, match=r"v0001/model.safetensors: sha256 .* Refusing"):
        checkpoint.load(folder)
    with pytest.raises(CheckpointError):
        train.run(data.Dataset.load(trained_storage.dataset_path), folder, QUICK, mode="auto")


def test_loaded_model_predicts_digits_and_files(tmp_path, trained_storage):
    from PIL import Image

    model = checkpoint.load(trained_storage.training_dir)
    dataset = data.Dataset.load(trained_storage.dataset_path)
    images = dataset.images("val")
    labels, probs = model.predict(images)
    assert labels.shape == (120,) and torch.allclose(probs.sum(1), torch.ones(120))
    Image.fromarray(images[5].numpy()).save(tmp_path / "digit.png")
    digit, file_probs = model.predict_file(tmp_path / "digit.png")
    assert digit == int(labels[5]) and torch.allclose(file_probs, probs[5], atol=1e-5)


def test_dagster_config_defaults_are_the_training_defaults():
    assert TrainedModelConfig().train_config() == train.TrainConfig()


def test_a_t10k_pair_is_scored_as_the_test_split(mnist_storage, few_digits):
    images, labels = few_digits
    write_idx(mnist_storage.mnist_dir / "t10k-images-idx3-ubyte", images[::3])
    write_idx(mnist_storage.mnist_dir / "t10k-labels-idx1-ubyte", labels[::3])
    dataset = data.prepare(mnist_storage.mnist_dir)
    meta = train.run(dataset, mnist_storage.training_dir, QUICK)
    counts = {"train": 480, "val": 120, "test": 200}
    assert meta["data"] == {"fingerprint": dataset.fingerprint, **counts}
    assert 0 <= meta["metrics"]["test_accuracy"] <= 1 and meta["metrics"]["test_loss"] > 0


def test_a_pickled_checkpoint_is_never_unpickled(tmp_path, trained_storage):
    """Even with a matching hash in model.json, a pickle in place of the weights is refused."""
    import hashlib

    import torch

    folder = tmp_path / "training"
    shutil.copytree(trained_storage.training_dir, folder)
    weights = folder / "versions" / "v0001" / "model.safetensors"
    marker = tmp_path / "unpickled"
    torch.save({"w": torch.zeros(1), "boom": _Boom(str(marker))}, weights)
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()
    for meta_path in (folder / "model.json", folder / "versions" / "v0001" / "model.json"):
        if meta_path.is_file():
            meta = json.loads(meta_path.read_text())
            meta["sha256"] = digest
            meta_path.write_text(json.dumps(meta))
    with pytest.raises(CheckpointError, match=r"is not a safetensors file .* never loaded"):
        checkpoint.load(folder)
    assert not marker.exists()


class _Boom:
    """Unpickling this would create a file: the proof that a pickle was (not) loaded."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))
