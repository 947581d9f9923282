#!/bin/sh
# Debian's Chromium for the system tests (tests/system): Playwright drives it through
# executable_path, so nothing downloads a browser. Idempotent: nothing to do once it is there.
set -eu

if [ -x /usr/bin/chromium ]; then
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
# DejaVu so pages render text in a minimal image; recommends (desktop extras) are not needed.
$SUDO apt-get install -y --no-install-recommends chromium fonts-dejavu-core
