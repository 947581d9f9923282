#!/usr/bin/env bash
# Installs the system packages the test suite uses for real, from Debian:
#   - a PostgreSQL server for tests/deployment (which starts and stops its own throwaway server;
#     no default cluster is created, so nothing is left running after the install);
#   - Chromium for tests/system (Playwright drives it through executable_path, so nothing
#     downloads a browser), with DejaVu fonts so pages render text in a minimal image.
# Idempotent: does nothing for what is already there. Without root or password-less sudo it
# installs nothing and says so; the tests that need a missing package are then skipped with
# that reason (tests/helpers/system.py).
set -euo pipefail

have_postgres() { compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" > /dev/null; }
have_chromium() { [ -x /usr/bin/chromium ]; }

if have_postgres && have_chromium; then
    exit 0
fi

skip() {
    echo "install-test-services: $1; tests needing PostgreSQL or Chromium will be skipped." >&2
    exit 0
}
command -v apt-get > /dev/null || skip "no apt-get here, install postgresql and chromium by hand"
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
for package in postgresql-common chromium; do
    apt-cache show "$package" > /dev/null 2>&1 || { apt_get update; break; }
done

if ! have_postgres; then
    install postgresql-common
    # As the official postgres image does: no `main` cluster is created and started.
    "${sudo[@]}" sed -ri 's/^#?\s*(create_main_cluster)\s*=.*/\1 = false/' \
        /etc/postgresql-common/createcluster.conf
    install postgresql
    have_postgres || { echo "install-test-services: no pg_ctl after the install" >&2; exit 1; }
fi
if ! have_chromium; then
    install chromium fonts-dejavu-core
    have_chromium || { echo "install-test-services: no /usr/bin/chromium after the install" >&2; exit 1; }
fi
