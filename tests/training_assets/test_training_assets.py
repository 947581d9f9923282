"""The three training assets materialized for real on a temporary data dir, with small configs."""

import dagster as dg
import pytest
from PIL import Image

from training_assets.assets import trained_model, training_assets, training_log
from training_assets.definitions import defs
from training_assets.resources import TrainingStorage
from training_assets.sensors import mnist_incoming_sensor

FAST = {"epochs": 2, "max_batches": 3, "device": "cpu", "min_val_accuracy": 0.0}


def run_config(**model) -> dict:
    return {"ops": {"trained_model": {"config": {**FAST, **model}}}}


def metadata(result, asset) -> dict:
    (event,) = result.asset_materializations_for_node(asset.op.name)
    return {k: v.value for k, v in event.metadata.items()}


@pytest.fixture
def empty_storage(tmp_path) -> TrainingStorage:
    return TrainingStorage(data_dir=str(tmp_path / "data"))


def test_empty_data_dir_is_seeded_trained_and_logged_then_finetuned(instance, empty_storage):
    storage = empty_storage
    resources = {"storage": storage}
    result = dg.materialize(
        training_assets, instance=instance, resources=resources, run_config=run_config()
    )
    assert result.success
    assert sorted(p.name for p in storage.mnist_dir.iterdir()) == [
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
    ]
    dataset = metadata(result, training_assets[0])
    assert (dataset["train_count"], dataset["val_count"], dataset["incoming_count"]) == (
        4000,
        1000,
        0,
    )
    assert "| 9 | 500 |" in dataset["class_balance"]
    model = metadata(result, trained_model)
    assert (model["version"], model["mode"], model["epochs"]) == ("v0001", "train", 2)
    assert model["data_fingerprint"] == dataset["fingerprint"]
    assert 0.2 < model["val_accuracy"] <= 1 and model["parameters"] > 100_000
    assert all(check.passed for check in result.get_asset_check_evaluations())
    assert len(result.get_asset_check_evaluations()) == 2
    for name in ["dataset_samples.png", "loss_curve.png", "training_log.txt", "model.json"]:
        assert (storage.training_dir / name).stat().st_size > 0
    log = (storage.training_dir / "training_log.txt").read_text()
    assert log.startswith("=== v0001 | train |") and log.count("\nepoch ") == 2
    assert f"fingerprint={dataset['fingerprint'][:16]}" in log
    assert "loss=" in log and "val_loss=" in log and "val_accuracy=" in log

    again = dg.materialize(
        training_assets,
        instance=instance,
        resources=resources,
        run_config=run_config(),
        selection=[trained_model, training_log],
    )
    assert again.success
    model = metadata(again, trained_model)
    assert (model["version"], model["mode"], model["parent_version"]) == (
        "v0002",
        "finetune",
        "v0001",
    )
    assert metadata(again, training_log)["sections_added"] == "v0002"
    log = (storage.training_dir / "training_log.txt").read_text()
    assert log.count("\n=== v0002 | finetune from v0001 |") == 1 and log.count("\nepoch ") == 4


def test_a_failed_accuracy_check_blocks_the_log(instance, mnist_storage):
    result = dg.materialize(
        training_assets,
        instance=instance,
        resources={"storage": mnist_storage},
        run_config=run_config(min_val_accuracy=0.999),
        raise_on_error=False,
    )
    assert not result.success
    checks = {c.check_name: c.passed for c in result.get_asset_check_evaluations()}
    assert checks == {"val_accuracy_above_threshold": False, "finite_weights": True}
    assert not result.asset_materializations_for_node(training_log.op.name)
    assert (mnist_storage.training_dir / "versions" / "v0001").is_dir()
    assert not (mnist_storage.training_dir / "training_log.txt").exists()


def test_a_bad_incoming_file_fails_the_dataset_naming_it(instance, mnist_storage):
    folder = mnist_storage.incoming_dir / "4"
    folder.mkdir(parents=True)
    Image.new("L", (28, 28)).save(folder / "good.png")
    (folder / "scan.png").write_bytes(b"\x89PNG but cut short")
    with pytest.raises(dg.Failure, match=r"incoming/4/scan\.png: not a readable image"):
        dg.materialize(training_assets[:1], instance=instance, resources={"storage": mnist_storage})
    assert not mnist_storage.dataset_path.exists()


@pytest.mark.filterwarnings("ignore::dagster.BetaWarning")  # raised inside the dagster helper
def test_a_model_materialized_alone_gets_its_log_from_automation(instance, mnist_storage):
    resources = {"storage": mnist_storage}
    dg.materialize(training_assets, instance=instance, resources=resources, run_config=run_config())
    assets = dg.Definitions(assets=training_assets, resources=resources)
    settled = dg.evaluate_automation_conditions(defs=assets, instance=instance)
    assert settled.get_num_requested(training_log.key) == 0

    dg.materialize(
        training_assets,
        instance=instance,
        resources=resources,
        run_config=run_config(),
        selection=[trained_model],  # what "Materialize" on trained_model in the UI runs
    )
    after = dg.evaluate_automation_conditions(defs=assets, instance=instance, cursor=settled.cursor)
    assert after.get_num_requested(training_log.key) == 1


def test_definitions_wire_the_pipeline():
    graph = defs.resolve_asset_graph()
    parents = {
        key.to_user_string(): {p.to_user_string() for p in graph.get(key).parent_keys}
        for key in graph.get_all_asset_keys()
    }
    assert parents == {
        "mnist_dataset": set(),
        "trained_model": {"mnist_dataset"},
        "training_log": {"trained_model"},
    }
    assert {a.key.to_user_string(): a.group_names_by_key[a.key] for a in training_assets} == {
        "mnist_dataset": "training",
        "trained_model": "training",
        "training_log": "training",
    }
    assert {s.name for s in defs.sensors} == {"mnist_incoming_sensor", "training_automation_sensor"}
    assert mnist_incoming_sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert mnist_incoming_sensor.job_name == "training_job"
