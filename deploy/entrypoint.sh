#!/bin/sh
# Container entrypoint: make the site ready (shopdb bootstrap: wait for the
# database, upgrade, seed, plugins, first admin), then run the command
# (gunicorn by default). All the work is in `shopdb bootstrap`, which the
# test suite runs against MariaDB and PostgreSQL.
set -eu
if [ "${SHOPDB_SKIP_BOOTSTRAP:-0}" != 1 ]; then
    shopdb bootstrap --wait "${SHOPDB_BOOTSTRAP_WAIT:-120}"
fi
exec "$@"
