import gzip
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from tests.helpers.mnist import write_mnist
from training_assets import data
from training_assets.data import DataError, read_idx, write_idx


@pytest.mark.parametrize("name", ["train-images-idx3-ubyte", "train-images-idx3-ubyte.gz"])
def test_idx_round_trip_is_what_torchvision_reads(tmp_path, few_digits, name):
    images, labels = few_digits
    image_path = write_idx(tmp_path / name, images)
    label_path = write_idx(tmp_path / name.replace("images-idx3", "labels-idx1"), labels)

    assert torch.equal(read_idx(image_path, "images"), torch.from_numpy(images))
    assert torch.equal(read_idx(label_path, "labels"), torch.from_numpy(labels).long())
    raw = image_path.read_bytes()
    raw = gzip.decompress(raw) if name.endswith(".gz") else raw
    assert raw[:4] == bytes([0, 0, 8, 3])  # unsigned bytes, three dimensions
    assert int.from_bytes(raw[4:8], "big") == len(images)
    assert len(raw) == 16 + images.size


def _truncated(path, images, labels):
    write_idx(path, images)
    path.write_bytes(path.read_bytes()[:-100])


def _bad_magic(path, images, labels):
    write_idx(path, images)
    path.write_bytes(b"\x12\x34" + path.read_bytes()[2:])


def _labels_as_images(path, images, labels):
    write_idx(path, labels)


def _not_gzip(path, images, labels):
    path.write_bytes(b"this is not gzip")


def _empty(path, images, labels):
    path.write_bytes(b"")


@pytest.mark.parametrize(
    ("name", "damage"),
    [
        ("train-images-idx3-ubyte", _truncated),
        ("train-images-idx3-ubyte", _bad_magic),
        ("train-images-idx3-ubyte", _labels_as_images),
        ("train-images-idx3-ubyte.gz", _not_gzip),
        ("train-images-idx3-ubyte", _empty),
    ],
)
def test_malformed_idx_is_refused_naming_the_file(tmp_path, few_digits, name, damage):
    path = tmp_path / name
    damage(path, *few_digits)
    with pytest.raises(DataError, match=name):
        read_idx(path, "images")


def test_wrong_image_size_and_label_count_are_named(tmp_path, few_digits):
    images, labels = few_digits
    write_mnist(tmp_path, images[:, :20, :20].copy(), labels)
    with pytest.raises(DataError, match=r"train-images-idx3-ubyte.*20, 20"):
        data.prepare(tmp_path)

    write_mnist(tmp_path, images, labels[:-1])
    with pytest.raises(DataError, match=r"train-images-idx3-ubyte.*600 images but 599 labels"):
        data.prepare(tmp_path)

    write_mnist(tmp_path, images, np.where(labels == 3, 11, labels).astype(np.uint8))
    with pytest.raises(DataError, match=r"train-labels-idx1-ubyte.*label 11 is not a digit"):
        data.prepare(tmp_path)


def test_half_a_pair_and_an_empty_folder_are_refused(tmp_path, few_digits):
    with pytest.raises(DataError, match=r"no MNIST train IDX files"):
        data.prepare(tmp_path)
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", few_digits[1])
    with pytest.raises(DataError, match=r"train-labels-idx1-ubyte.gz has no matching train-images"):
        data.prepare(tmp_path)


def test_incoming_pngs_join_the_data_and_bad_ones_are_named(tmp_path, few_digits):
    images, labels = few_digits
    write_mnist(tmp_path, images, labels)
    before = data.prepare(tmp_path)
    digit = tmp_path / "incoming" / "7"
    digit.mkdir(parents=True)
    # A larger RGB drawing is accepted: converted to grayscale and resized to 28x28.
    Image.fromarray(np.repeat(np.kron(images[0], np.ones((2, 2), np.uint8))[..., None], 3, 2)).save(
        digit / "mine.png"
    )
    (digit / ".partial.png").write_bytes(b"still copying")  # hidden: ignored
    after = data.prepare(tmp_path)
    assert sum(after.info["counts"].values()) == len(labels) + 1
    assert after.info["class_counts"][7] == before.info["class_counts"][7] + 1
    assert after.fingerprint != before.fingerprint

    (digit / "broken.png").write_bytes(b"not a png")
    with pytest.raises(DataError, match=r"incoming/7/broken.png"):
        data.prepare(tmp_path)
    (digit / "broken.png").unlink()
    (tmp_path / "incoming" / "seven").mkdir()
    Image.fromarray(images[0]).save(tmp_path / "incoming" / "seven" / "x.png")
    with pytest.raises(DataError, match=r"incoming/seven/x.png.*folder named by their digit"):
        data.prepare(tmp_path)


def test_split_is_deterministic_stratified_and_seeded(tmp_path, few_digits):
    images, labels = (torch.from_numpy(a) for a in few_digits)
    labels = labels.long()
    train_a, val_a = data.stratified_split(images, labels, 0.2, seed=0)
    train_b, val_b = data.stratified_split(images, labels, 0.2, seed=0)
    assert torch.equal(train_a, train_b) and torch.equal(val_a, val_b)
    assert sorted(torch.cat([train_a, val_a]).tolist()) == list(range(len(labels)))
    assert data.class_counts(labels[val_a]) == [12] * 10  # 20% of 60 per digit
    _, val_c = data.stratified_split(images, labels, 0.2, seed=1)
    assert not torch.equal(val_a, val_c)

    write_mnist(tmp_path, *few_digits)
    first, second = data.prepare(tmp_path), data.prepare(tmp_path)
    assert first.fingerprint == second.fingerprint
    assert data.prepare(tmp_path, seed=1).fingerprint != first.fingerprint


def test_new_examples_do_not_reshuffle_the_split(digits):
    images, labels = (torch.from_numpy(a) for a in digits)
    labels = labels.long()
    extra = torch.nonzero(labels == 3).flatten()[:40]  # forty threes that arrive later
    keep = torch.ones(len(labels), dtype=torch.bool)
    keep[extra] = False
    old = keep.nonzero().flatten()
    grown = torch.cat([old, extra])
    old_train, old_val = data.stratified_split(images[old], labels[old], 0.2, seed=0)
    new_train, new_val = data.stratified_split(images[grown], labels[grown], 0.2, seed=0)
    old_train, old_val = set(old[old_train].tolist()), set(old[old_val].tolist())
    new_val = set(grown[new_val].tolist())
    # Other digits keep their split exactly; among the threes at most a few old training
    # images (bounded by the number added) become validation images.
    for digit in (0, 1, 2, 4, 5, 6, 7, 8, 9):
        assert {i for i in new_val if labels[i] == digit} == {
            i for i in old_val if labels[i] == digit
        }
    leaked = new_val & old_train
    assert len(leaked) <= 40 * 0.2
    assert len(new_train) + len(new_val) == 5000


def test_prepared_dataset_saves_normalizes_and_loads(tmp_path, few_digits):
    write_mnist(tmp_path / "mnist", *few_digits)
    prepared = data.prepare(tmp_path / "mnist")
    path = prepared.save(tmp_path / "training" / "dataset.safetensors")
    loaded = data.Dataset.load(path)
    assert loaded.fingerprint == prepared.fingerprint
    assert loaded.info["counts"] == {"train": 480, "val": 120}
    for key, tensor in prepared.tensors.items():
        assert torch.equal(loaded.tensors[key], tensor)
    inputs = loaded.inputs("train")
    assert inputs.shape == (480, 1, 28, 28) and inputs.dtype == torch.float32
    assert inputs.mean().item() == pytest.approx(0, abs=1e-4)
    assert inputs.std().item() == pytest.approx(1, abs=1e-3)
    assert not list(path.parent.glob(".*.tmp"))  # atomic writes leave no temp files


def test_seeding_writes_the_embedded_sample_as_idx(tmp_path, digits):
    paths = data.seed_embedded(tmp_path)
    assert [p.name for p in paths] == ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"]
    assert torch.equal(read_idx(paths[0], "images"), torch.from_numpy(digits[0]))
    assert data.class_counts(read_idx(paths[1], "labels")) == [500] * 10


def test_opt_in_download_copies_torchvision_raw_files(tmp_path, monkeypatch, few_digits):
    """No network here: a stand-in for torchvision's MNIST writes its raw layout."""
    import torchvision.datasets

    images, labels = few_digits

    class FakeMNIST:
        def __init__(self, root, train, download):
            assert download
            raw = Path(root) / "MNIST" / "raw"
            prefix = "train" if train else "t10k"
            write_idx(raw / f"{prefix}-images-idx3-ubyte.gz", images)
            write_idx(raw / f"{prefix}-labels-idx1-ubyte.gz", labels)

    monkeypatch.setattr(torchvision.datasets, "MNIST", FakeMNIST)
    copied = data.download_full(tmp_path / "mnist")
    assert sorted(p.name for p in copied) == [
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
    ]
    prepared = data.prepare(tmp_path / "mnist")
    assert prepared.info["counts"] == {"train": 480, "val": 120, "test": 600}
    assert torch.equal(prepared.images("test"), torch.from_numpy(images))


def test_a_png_dimension_bomb_is_refused_without_decoding(tmp_path, few_digits):
    import struct
    import zlib

    images, labels = few_digits
    write_mnist(tmp_path, images, labels)
    digit = tmp_path / "incoming" / "3"
    digit.mkdir(parents=True)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    # A 100,000 x 100,000 header over a few bytes of data: 10 GB once decoded.
    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 0, 0, 0, 0)
    bomb = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
    (digit / "bomb.png").write_bytes(bomb + chunk(b"IEND", b""))
    with pytest.raises(DataError, match=r"incoming/3/bomb.png: .*far too large .*without decoding"):
        data.prepare(tmp_path)
    # Under PIL's own limit but no digit either: refused by ours.
    header = struct.pack(">IIBBBBB", 9000, 9000, 8, 0, 0, 0, 0)
    bomb = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
    (digit / "bomb.png").write_bytes(bomb + chunk(b"IEND", b""))
    with pytest.raises(DataError, match=r"incoming/3/bomb.png: 9000x9000 pixels is far too large"):
        data.prepare(tmp_path)
