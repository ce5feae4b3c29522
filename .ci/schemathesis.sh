#!/usr/bin/env bash
# Schemathesis against a real server: every operation of /api/openapi.json,
# with the stateful phase (OpenAPI links chain create -> get/patch/delete),
# every check on, as an admin. Bounded, so it stays fast:
#
#   bash .ci/schemathesis.sh            (make schemathesis)
#
# A site with the bundled plugins installed runs on a throw-away SQLite
# database under gunicorn with the shipped config (deploy/gunicorn.conf.py).
# Exits non-zero on any failed check. .ci/schemathesis.toml lists the writes
# that may also answer 400 to a body the document allows (refusals no schema
# can state: a reference to a row that does not exist, a weak password, ...).
# Environment:
#   SHOPDB_SCHEMATHESIS_EXAMPLES   examples per operation and phase (default 3)
#   SHOPDB_SCHEMATHESIS_WORKDIR    work folder (default: a new one under /tmp)
#   SHOPDB_SCHEMATHESIS_EXCLUDE    checks to leave out, comma-separated (default none)
#   SHOPDB_SCHEMATHESIS_REPORT     a folder for an NDJSON report of every request
#   SHOPDB_SCHEMATHESIS_PHASES     phases to run (default all: examples,coverage,fuzzing,stateful)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$(pwd)"
BIN="$ROOT/.venv/bin"
EXAMPLES="${SHOPDB_SCHEMATHESIS_EXAMPLES:-3}"
WORK="${SHOPDB_SCHEMATHESIS_WORKDIR:-$(mktemp -d /tmp/shopdb-schemathesis.XXXXXX)}"
mkdir -p "$WORK"
PORT="$("$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
PASSWORD="schemathesis-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"

export SHOPDB_ENV=development
export SHOPDB_LOG_LEVEL=WARNING
export SHOPDB_INSTANCE_PATH="$WORK/instance"
export DATABASE_URL="sqlite:///$WORK/shopdb.db"
export HOME="$WORK"
# One sign-in serves the whole run; sign-ins are not rate limited here.
export SHOPDB_ACCESS_TOKEN_MINUTES=120
export SHOPDB_LOGIN_RATE_LIMIT="1000 per minute"

server=""
cleanup() {
    if [[ -n "$server" ]]; then
        kill "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
    fi
    [[ -n "${SHOPDB_SCHEMATHESIS_WORKDIR:-}" ]] || rm -rf "$WORK"
}
trap cleanup EXIT

"$BIN/shopdb" db upgrade >/dev/null
"$BIN/shopdb" seed >/dev/null
"$BIN/shopdb" plugin install computers equipment network >/dev/null
printf '%s\n' "$PASSWORD" | "$BIN/shopdb" user create fuzzadmin --role admin --password-stdin >/dev/null

# No worker restarts (max_requests): a request sent while the one worker
# boots again would wait longer than schemathesis's 10 seconds on a busy machine.
"$BIN/gunicorn" -c deploy/gunicorn.conf.py --bind "127.0.0.1:$PORT" --workers 1 --threads 4 \
    --max-requests 0 --no-control-socket 'shopdb:create_app()' >"$WORK/gunicorn.log" 2>&1 &
server=$!
# Wait for the server, then sign in (Python, so CI needs no curl).
TOKEN="$(PORT="$PORT" PASSWORD="$PASSWORD" "$BIN/python" - <<'PY'
import json, os, time, urllib.request

base = f"http://127.0.0.1:{os.environ['PORT']}"
for _ in range(300):
    try:
        urllib.request.urlopen(f"{base}/api/health/ready", timeout=2)
        break
    except OSError:
        time.sleep(0.2)
body = json.dumps({"username": "fuzzadmin", "password": os.environ["PASSWORD"]}).encode()
request = urllib.request.Request(
    f"{base}/api/auth/login", data=body, headers={"Content-Type": "application/json"}
)
print(json.load(urllib.request.urlopen(request, timeout=30))["data"]["accesstoken"])
PY
)"

EXCLUDE="${SHOPDB_SCHEMATHESIS_EXCLUDE:-}"
# Operations that end or rotate the run's own sign-in are left out: logout,
# password change and refresh would sign the fuzzer out half way.
# .ci/schemathesis_hooks.py drops one refusal no schema can state: a made-up list cursor.
PYTHONPATH="$ROOT/.ci" SCHEMATHESIS_HOOKS=schemathesis_hooks \
    "$BIN/schemathesis" --no-color --config-file .ci/schemathesis.toml run "http://127.0.0.1:$PORT/api/openapi.json" \
    --header "Authorization: Bearer $TOKEN" \
    --phases "${SHOPDB_SCHEMATHESIS_PHASES:-examples,coverage,fuzzing,stateful}" \
    --checks all \
    ${EXCLUDE:+--exclude-checks "$EXCLUDE"} \
    --max-examples "$EXAMPLES" \
    --generation-deterministic --seed 20261207 \
    --exclude-path /api/auth/logout --exclude-path /api/auth/password --exclude-path /api/auth/refresh \
    --workers 1 ${SHOPDB_SCHEMATHESIS_REPORT:+--report ndjson --report-dir "$SHOPDB_SCHEMATHESIS_REPORT"}
