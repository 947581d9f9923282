"""`konspekt` run as a user runs it: a subprocess of this venv's console script."""

import os
import subprocess
import sys
from pathlib import Path

KONSPEKT = Path(sys.executable).with_name("konspekt")


# For tests about the command line itself rather than the notes: the notes writer's minute per
# lecture buys them nothing (tests/lecture_assets/notes/ test it).
EXTRACTIVE = {"KONSPEKT_SUMMARIZER": "extractive"}


def run_cli(
    tmp_path: Path, *args: str, command: str = "process", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DAGSTER_HOME": str(tmp_path / "home"),
        "KONSPEKT_DATA_DIR": str(tmp_path / "data"),
        **(env or {}),
    }
    (tmp_path / "home").mkdir(exist_ok=True)
    return subprocess.run(
        [str(KONSPEKT), command, *args], env=env, capture_output=True, text=True, timeout=600
    )
