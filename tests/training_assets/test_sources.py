"""Training data over the network, for real: an HTTP folder (with a connection cut mid-file)
and an S3 bucket (moto's server), fetched into mnist/ and trained on."""

import hashlib
import uuid

import dagster as dg
import pytest

from tests.helpers.mnist import write_mnist
from tests.helpers.platform import free_port
from tests.helpers.servers import file_server
from training_assets.assets import mnist_dataset, trained_model
from training_assets.data import IDX_FILES
from training_assets.resources import TrainingStorage

FAST = {"epochs": 1, "max_batches": 3, "device": "cpu", "min_val_accuracy": 0.0}
IMAGES, LABELS = IDX_FILES["train"]


def meta_of(result, asset) -> dict:
    (event,) = result.asset_materializations_for_node(asset.op.name)
    return {k: v.value for k, v in event.metadata.items()}


def materialize(instance, storage, assets=(mnist_dataset,)):
    config = {"ops": {"trained_model": {"config": FAST}}} if trained_model in assets else None
    return dg.materialize(list(assets), instance=instance, resources={"storage": storage},
                          run_config=config, raise_on_error=False)  # fmt: skip


def test_an_http_folder_is_fetched_resumed_after_a_cut_and_checked(tmp_path, instance, few_digits):
    served = write_mnist(tmp_path / "served", *few_digits)
    sums = [
        f"{hashlib.sha256((served / n).read_bytes()).hexdigest()}  {n}" for n in (IMAGES, LABELS)
    ]
    (served / "SHA256SUMS").write_text("\n".join(sums) + "\n")
    with file_server(served) as server:
        server.cut_once.add(f"/{IMAGES}")
        storage = TrainingStorage(data_dir=str(tmp_path / "data"), mnist_source=server.url)
        result = materialize(instance, storage, (mnist_dataset, trained_model))
        assert result.success
        meta = meta_of(result, mnist_dataset)
        assert meta["fetched"] == f"{IMAGES}, {LABELS}" and meta["source"] == server.url
        assert meta["train_count"] + meta["val_count"] == len(few_digits[1])
        for name in (IMAGES, LABELS):
            assert (storage.mnist_dir / name).read_bytes() == (served / name).read_bytes()
        assert (f"/{IMAGES}", f"bytes={(served / IMAGES).stat().st_size // 2}-") in server.requests
        # Unchanged files are not fetched twice.
        fetched_before = len(server.requests)
        again = materialize(instance, storage)
        assert meta_of(again, mnist_dataset)["fetched"] == "none"
        assert all(path == "/SHA256SUMS" for path, _ in server.requests[fetched_before:])


def test_a_corrupt_download_is_refused_by_the_published_checksum(tmp_path, instance, few_digits):
    served = write_mnist(tmp_path / "served", *few_digits)
    (served / "SHA256SUMS").write_text(f"{'0' * 64}  {IMAGES}\n")
    with file_server(served) as server:
        storage = TrainingStorage(data_dir=str(tmp_path / "data"), mnist_source=server.url)
        result = materialize(instance, storage)
    assert not result.success
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    description = failure.step_failure_data.user_failure_data.description
    assert description.endswith("arrived with a sha256 checksum other than the published one; "
                                "it will be fetched again.")  # fmt: skip
    assert not (storage.mnist_dir / IMAGES).exists()


def test_an_unreachable_source_names_the_variable(tmp_path, instance):
    url = f"http://127.0.0.1:{free_port()}/mnist"
    storage = TrainingStorage(data_dir=str(tmp_path / "data"), mnist_source=url)
    result = materialize(instance, storage)
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    description = failure.step_failure_data.user_failure_data.description
    assert (
        description.startswith(f"KONSPEKT_MNIST_SOURCE={url}/")
        and "cannot be fetched" in description
    )


@pytest.mark.slow
def test_idx_files_in_a_bucket_train_a_model(tmp_path, instance, few_digits, s3):
    bucket = f"mnist-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    local = write_mnist(tmp_path / "upload", *few_digits)
    for name in (IMAGES, LABELS):
        s3.upload_file(str(local / name), bucket, f"datasets/mnist/{name}")
    storage = TrainingStorage(
        data_dir=str(tmp_path / "data"), mnist_source=f"s3://{bucket}/datasets/mnist"
    )
    result = materialize(instance, storage, (mnist_dataset, trained_model))
    assert result.success
    assert meta_of(result, mnist_dataset)["fetched"] == f"{IMAGES}, {LABELS}"
    assert meta_of(result, trained_model)["version"] == "v0001"
    assert (storage.mnist_dir / IMAGES).read_bytes() == (local / IMAGES).read_bytes()
