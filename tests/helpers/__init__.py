"""Code the tests share: fixture files, media makers, the CLI runner, servers they start."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
