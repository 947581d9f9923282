"""`konspekt` run as a user runs it: a subprocess of this venv's console script."""

import os
import subprocess
import sys
from pathlib import Path

KONSPEKT = Path(sys.executable).with_name("konspekt")


def run_cli(tmp_path: Path, *args: str, command: str = "process") -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DAGSTER_HOME": str(tmp_path / "home"),
        "KONSPEKT_DATA_DIR": str(tmp_path / "data"),
    }
    (tmp_path / "home").mkdir(exist_ok=True)
    return subprocess.run(
        [str(KONSPEKT), command, *args], env=env, capture_output=True, text=True, timeout=600
    )
