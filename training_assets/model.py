"""A small CNN for 28x28 digits: two conv+batch-norm blocks, a two-layer head (~420k weights)."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class DigitNet(nn.Module):
    def __init__(
        self, channels: tuple[int, int] = (32, 64), hidden: int = 128, dropout: float = 0.1
    ) -> None:
        super().__init__()
        first, second = channels
        self.conv1 = nn.Conv2d(1, first, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(first)
        self.conv2 = nn.Conv2d(first, second, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(second)
        self.fc1 = nn.Linear(second * 7 * 7, hidden)
        self.fc2 = nn.Linear(hidden, 10)
        self.dropout = nn.Dropout(dropout)
        self.arch = {
            "name": "DigitNet",
            "channels": [first, second],
            "hidden": hidden,
            "dropout": dropout,
        }

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)
        x = F.relu(self.fc1(self.dropout(x.flatten(1))))
        return self.fc2(self.dropout(x))


def build_model(arch: dict | None = None) -> DigitNet:
    """The network a checkpoint's ``arch`` describes (the default one when None)."""
    if arch is None:
        return DigitNet()
    if arch.get("name") != "DigitNet":
        raise ValueError(f"unknown architecture {arch.get('name')!r}")
    return DigitNet(tuple(arch["channels"]), arch["hidden"], arch["dropout"])


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
