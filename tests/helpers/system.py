"""System packages the tests need (Tesseract, PostgreSQL server, Chromium): present, or why not.

`make test` installs them with `scripts/install-system-packages.sh test` when it runs as root
or with password-less sudo. A stranger's clone without either skips the tests that need them,
with that reason; where the packages could have been installed, their absence is a failure, so
CI (root) always runs every test.
"""

import os
import shutil
import subprocess

import pytest

SCRIPT = "scripts/install-system-packages.sh test"


def can_install() -> bool:
    if os.geteuid() == 0:
        return True
    if shutil.which("sudo") is None:
        return False
    return subprocess.run(["sudo", "-n", "true"], capture_output=True).returncode == 0


def missing(what: str) -> None:
    """Fail (it could have been installed) or skip (it could not), naming ``what``."""
    if can_install():
        pytest.fail(f"{what} is not installed; run {SCRIPT} (make test does)")
    pytest.skip(
        f"{what} is not installed and this user is neither root nor has password-less "
        f"sudo to install it ({SCRIPT})"
    )
