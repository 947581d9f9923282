"""The inference notebook runs top to bottom against a model trained by the tests."""

import shutil

import nbformat
import numpy as np
from nbclient import NotebookClient
from PIL import Image

from tests.helpers import REPO
from training_assets import checkpoint, tracking

NOTEBOOK = REPO / "notebooks" / "mnist_inference.ipynb"


def test_notebook_predicts_with_the_latest_model(tmp_path, monkeypatch, trained_storage, digits):
    # The model registered as the trainer does, in a local store of the notebook's own.
    data_dir = tmp_path / "data"
    shutil.copytree(trained_storage.root, data_dir)
    store = tracking.Store.of(data_dir)
    meta = checkpoint.read_meta(data_dir / "training")
    tracked = tracking.log_training(store, meta, data_dir / "training", {})
    tracking.register(store, tracked, meta["metrics"]["val_accuracy"])
    images = digits[0]
    image = tmp_path / "my digit.png"
    Image.fromarray(np.kron(images[4321], np.ones((3, 3), np.uint8))).save(image)  # 84x84
    monkeypatch.setenv("KONSPEKT_DATA_DIR", str(data_dir))
    monkeypatch.setenv("MNIST_IMAGE", str(image))

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()  # raises CellExecutionError on the first failing cell

    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "model v0001 (train)" in text
    assert "val split: 120 digits, accuracy 0." in text
    assert "my digit.png: predicted " in text
    assert f"champion v0001 from {store.tracking_uri}: val accuracy 0." in text
    pictures = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(pictures) == 3  # digit grid, confusion matrix, the one file
    assert not [o for o in outputs if o.output_type == "error"]
