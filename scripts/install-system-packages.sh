#!/usr/bin/env bash
# Installs the system packages konspekt uses, from Debian.
#   install-system-packages.sh run    what the product uses: Tesseract OCR with English and
#                                     Russian, for the text of the slides (make run, make home)
#   install-system-packages.sh test   that, and what the test suite uses for real (make test):
#     - a PostgreSQL server for tests/deployment (which starts and stops its own throwaway
#       server; no default cluster is created, so nothing is left running after the install);
#     - Chromium for tests/system (Playwright drives it through executable_path, so nothing
#       downloads a browser), with DejaVu fonts so pages render text in a minimal image.
# Idempotent: does nothing for what is already there. Without root or password-less sudo it
# installs nothing and says so: slides then come out as images without their text, and the
# tests that need a missing package are skipped with that reason (tests/helpers/system.py).
set -euo pipefail

mode="${1:-test}"
case "$mode" in
    run | test) ;;
    *) echo "usage: $0 run|test" >&2; exit 2 ;;
esac

have_tesseract() {
    command -v tesseract > /dev/null && tesseract --list-langs 2> /dev/null | grep -qx rus \
        && tesseract --list-langs 2> /dev/null | grep -qx eng
}
have_postgres() { compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" > /dev/null; }
have_chromium() { [ -x /usr/bin/chromium ]; }
ready() {
    have_tesseract || return 1
    [ "$mode" = run ] || { have_postgres && have_chromium; }
}

ready && exit 0

skip() {
    if [ "$mode" = run ]; then
        echo "install-system-packages: $1; slides will be kept as images without OCR." >&2
    else
        echo "install-system-packages: $1; tests needing Tesseract, PostgreSQL or Chromium will be skipped." >&2
    fi
    exit 0
}
command -v apt-get > /dev/null || skip "no apt-get here, install tesseract-ocr (eng, rus), postgresql and chromium by hand"
if [ "$(id -u)" -eq 0 ]; then
    sudo=()
elif command -v sudo > /dev/null && sudo -n true 2> /dev/null; then
    sudo=(sudo)
else
    skip "not root and no password-less sudo, cannot install system packages"
fi

export DEBIAN_FRONTEND=noninteractive
# Wait for another apt/dpkg run (a colleague's install) instead of failing on its lock.
apt_get() { "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=300 -q "$@"; }
# Stale package lists (a version since replaced): refresh them once and try again.
install() { apt_get install -y --no-install-recommends "$@" || { apt_get update && apt_get install -y --no-install-recommends "$@"; }; }
for package in tesseract-ocr-rus postgresql-common chromium; do
    apt-cache show "$package" > /dev/null 2>&1 || { apt_get update; break; }
done

if ! have_tesseract; then
    install tesseract-ocr tesseract-ocr-eng tesseract-ocr-rus
    have_tesseract || { echo "install-system-packages: no tesseract with eng and rus after the install" >&2; exit 1; }
fi
[ "$mode" = run ] && exit 0
if ! have_postgres; then
    install postgresql-common
    # As the official postgres image does: no `main` cluster is created and started.
    "${sudo[@]}" sed -ri 's/^#?\s*(create_main_cluster)\s*=.*/\1 = false/' \
        /etc/postgresql-common/createcluster.conf
    install postgresql
    have_postgres || { echo "install-system-packages: no pg_ctl after the install" >&2; exit 1; }
fi
if ! have_chromium; then
    install chromium fonts-dejavu-core
    have_chromium || { echo "install-system-packages: no /usr/bin/chromium after the install" >&2; exit 1; }
fi
