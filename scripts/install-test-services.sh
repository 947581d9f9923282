#!/usr/bin/env bash
# Installs the services that the test suite runs for real: a PostgreSQL server (Debian's
# `postgresql`) for tests/deployment, which starts and stops its own throwaway server.
# Idempotent: does nothing when the server binaries are already there. Creates no default cluster,
# so nothing is left running after the install.
set -euo pipefail

if compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" > /dev/null; then
    exit 0
fi

skip() {
    echo "install-test-services: $1; tests/deployment will be skipped." >&2
    exit 0
}
command -v apt-get > /dev/null || skip "no apt-get here, install PostgreSQL's server by hand"
if [ "$(id -u)" -eq 0 ]; then
    sudo=()
elif command -v sudo > /dev/null && sudo -n true 2> /dev/null; then
    sudo=(sudo)
else
    skip "not root and no password-less sudo, cannot install PostgreSQL"
fi

export DEBIAN_FRONTEND=noninteractive
# Wait for another apt/dpkg run (a colleague's install) instead of failing on its lock.
apt_get() { "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=300 -q "$@"; }
install() { apt_get install -y --no-install-recommends "$@"; }

# Refresh the package lists only when they do not know the package, or are too old to fetch it.
if ! apt-cache show postgresql-common > /dev/null 2>&1 || ! install postgresql-common; then
    apt_get update
    install postgresql-common
fi
# As the official postgres image does: no `main` cluster is created and started by the install.
"${sudo[@]}" sed -ri 's/^#?\s*(create_main_cluster)\s*=.*/\1 = false/' \
    /etc/postgresql-common/createcluster.conf
install postgresql

compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" > /dev/null \
    || { echo "install-test-services: postgresql installed but no pg_ctl found" >&2; exit 1; }
