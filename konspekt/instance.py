"""The local Dagster instance folder that `make run` and `konspekt` share.

Whichever starts first prepares ``$DAGSTER_HOME/dagster.yaml`` as a link to the repository's
``dagster.yaml`` (run queue, the ``heavy`` pool, telemetry off), so the UI and the command line
always run with the same instance settings.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from konspekt.errors import SettingsError

LOCAL_CONFIG = Path(__file__).resolve().parents[1] / "dagster.yaml"
# What `konspekt` wrote before it linked the repository's file: an instance without the pool
# limit and queue settings. Found in a home, it is replaced.
_LEGACY_CONFIG = "telemetry:\n  enabled: false\n"


def prepare_home(home: Path, config: Path = LOCAL_CONFIG) -> Path:
    """Create ``home`` with ``dagster.yaml`` linked to ``config``; a user's own file is kept."""
    home.mkdir(parents=True, exist_ok=True)
    target = home / "dagster.yaml"
    if target.is_symlink() and target.resolve() == config.resolve():
        return target
    if target.exists() and _read(target) != _LEGACY_CONFIG:
        return target  # the operator's own instance settings
    if not config.is_file():
        raise SettingsError(
            f"{config} is missing, so the local instance cannot be set up; set DAGSTER_HOME to a "
            "folder holding your dagster.yaml."
        )
    # A new link under a private name, then renamed over: `make run` and `konspekt` starting
    # together both succeed.
    fresh = home / f".dagster.yaml.{os.getpid()}"
    fresh.unlink(missing_ok=True)
    fresh.symlink_to(config)
    os.replace(fresh, target)
    return target


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:  # a dangling link: nothing worth keeping
        return _LEGACY_CONFIG


def prepare(home: Path) -> Path:
    """What `make run` does before it starts Dagster: check every setting (a bad one is one
    sentence here, not a traceback in the UI), make the inbox, prepare the instance folder."""
    from konspekt.settings import DATA_DIR_VARIABLE, Settings

    settings = Settings.from_env()
    if "://" not in settings.inbox:
        inbox = Path(settings.inbox or Path(settings.data_dir) / "inbox").expanduser()
        try:
            inbox.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SettingsError(
                f"The inbox {inbox} cannot be created ({exc.strerror or exc}); check "
                f"{DATA_DIR_VARIABLE} and the folder's permissions."
            ) from None
    return prepare_home(home)


if __name__ == "__main__":  # `python -m konspekt.instance HOME`, as the Makefile calls it
    try:
        print(prepare(Path(sys.argv[1]).resolve()))
    except SettingsError as exc:
        sys.exit(f"konspekt: {exc}")
