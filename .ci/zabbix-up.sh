#!/usr/bin/env bash
# Start a throw-away Zabbix 6.0 server (Debian 12 packages) on loopback only,
# for the printers plugin's Zabbix sync tests. .ci/run calls it; by hand:
#
#   bash .ci/zabbix-up.sh DIR        # as root; installs missing packages
#   source DIR/zabbix.env            # SHOPDB_TEST_ZABBIX_* for the tests
#   bash .ci/zabbix-down.sh DIR --rm
#
# What runs, all under DIR and stopped by PID: a PostgreSQL 15 cluster with the
# Zabbix schema, zabbix_server (trapper items only, pollers off) and the
# JSON-RPC API served by `php -S` from a private copy of the frontend (Debian's
# frontend reads its config from /etc; the copy is patched to read DIR's).
# zabbix_sender comes with the zabbix-agent package; the tests use the
# zabbix-utils Sender instead.
#
# Env (optional):
#   ZBX_PG_PORT=5447  ZBX_TRAPPER_PORT=10061  ZBX_WEB_PORT=8089   loopback ports
#   ZBX_SKIP_APT=1    do not call apt-get even if packages are missing
#   ZBX_PHP_WORKERS=N serve the frontend with N php -S worker processes (default 1)
# Needs root (apt-get; initdb runs as `postgres`, zabbix_server drops to `zabbix`).
set -euo pipefail

PG_PORT=${ZBX_PG_PORT:-5447}
TRAPPER_PORT=${ZBX_TRAPPER_PORT:-10061}
WEB_PORT=${ZBX_WEB_PORT:-8089}
PG_BIN=/usr/lib/postgresql/15/bin
T0=$(date +%s%N)
elapsed() { local ms=$(( ($(date +%s%N) - T0) / 1000000 )); printf '%d.%02d' $((ms / 1000)) $((ms % 1000 / 10)); }
step() { echo "[zabbix-up $(elapsed)s] $*"; }
die() { echo "zabbix-up: ERROR: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root"

# ---------------------------------------------------------------- packages
PKGS="zabbix-server-pgsql zabbix-frontend-php zabbix-agent php8.2-cli php8.2-cgi php8.2-pgsql postgresql-15 curl"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
  [ "${ZBX_SKIP_APT:-0}" = 1 ] && die "missing packages:$missing"
  step "installing:$missing"
  # zabbix-agent is only needed for /usr/bin/zabbix_sender; php8.2-cgi satisfies the
  # php8.2 dependency without pulling apache2-bin/libapache2-mod-php.
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
  step "packages installed"
fi

# ---------------------------------------------------------------- folders
DIR=${1:-$(mktemp -d /tmp/zabbix-ci.XXXXXX)}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd -P)
[ -e "$DIR/pg/data" ] && die "$DIR already holds a cluster; use a new folder (or zabbix-down.sh --rm first)"
for port in $PG_PORT $TRAPPER_PORT $WEB_PORT; do
  (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && die "127.0.0.1:$port is already in use"
done
chmod 755 "$DIR"                       # mktemp makes 0700; postgres/zabbix must traverse it
# on any later failure stop whatever this run already started (logs stay in DIR)
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
STARTED=0
on_exit() {
  local rc=$?
  if [ $rc != 0 ] && [ $STARTED = 1 ] && [ -f "$HERE/zabbix-down.sh" ]; then
    echo "zabbix-up: failed (rc=$rc); stopping what was started, logs kept in $DIR" >&2
    bash "$HERE/zabbix-down.sh" "$DIR" >&2 || true
  fi
}
trap on_exit EXIT
runuser -u postgres -- test -x "$DIR" || die "user postgres cannot reach $DIR (check parent dir permissions)"
mkdir -p "$DIR/pg" "$DIR/server" "$DIR/web"
chown postgres:postgres "$DIR/pg"
chown zabbix:zabbix "$DIR/server"

# ---------------------------------------------------------------- PostgreSQL
STARTED=1
runuser -u postgres -- "$PG_BIN/initdb" -D "$DIR/pg/data" -U postgres -A trust -E UTF8 \
  --locale=C.UTF-8 --no-sync >"$DIR/pg/initdb.log" 2>&1 || { cat "$DIR/pg/initdb.log"; die initdb; }
runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$DIR/pg/data" -l "$DIR/pg/postgres.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$DIR/pg \
      -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=64MB" \
  start >/dev/null || { cat "$DIR/pg/postgres.log"; die "postgres did not start"; }
step "postgres up on 127.0.0.1:$PG_PORT (pid $(head -1 "$DIR/pg/data/postmaster.pid"))"

PSQL="psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p $PG_PORT"
$PSQL -U postgres -c "CREATE ROLE zabbix LOGIN"
$PSQL -U postgres -c "CREATE DATABASE zabbix OWNER zabbix ENCODING 'UTF8' TEMPLATE template0"
SQL=/usr/share/zabbix-server-pgsql
zcat $SQL/schema.sql.gz | $PSQL -U zabbix zabbix >"$DIR/pg/import.log" 2>&1
zcat $SQL/images.sql.gz | $PSQL -U zabbix zabbix >>"$DIR/pg/import.log" 2>&1
step "schema + images imported"

# data.sql is ~130k single-row INSERTs (templates); psql sends them one by one (~20 s).
# Merge runs of INSERTs into the same table into multi-row INSERTs (~0.8 s) and load
# them with FK triggers off (session_replication_role=replica; superuser): ~2 s total.
# Verified for 6.0.14: all 173 tables identical to a plain `zcat data.sql.gz | psql` import.
cat >"$DIR/pg/batch_inserts.py" <<'PY'
import gzip, re, sys
src = gzip.open(sys.argv[1], 'rt', encoding='utf-8', newline='').read()   # keep \r\n in strings
stmt_re = re.compile(r"(?:[^';E]+|E(?!')|E'(?:[^'\\]|\\.|'')*'|'(?:[^']|'')*')*;", re.S)
ins_re = re.compile(r"\s*INSERT INTO (\w+) (\([^)]*\)) values (\(.*\));\Z", re.S)
out, prev, rows, end = [], None, 0, 0
for m in stmt_re.finditer(src):
    end = m.end()
    im = ins_re.match(m.group(0))
    if not im:
        if prev: out.append(';\n')
        prev = None
        out.append(m.group(0).strip() + '\n')
        continue
    key = (im.group(1), im.group(2))
    if key == prev and rows < 500:
        out.append(',\n'); out.append(im.group(3)); rows += 1
    else:
        if prev: out.append(';\n')
        out.append('INSERT INTO %s %s values ' % key); out.append(im.group(3)); prev, rows = key, 1
if prev: out.append(';\n')
if src[end:].strip(): sys.exit('unparsed tail in data.sql')
sys.stdout.buffer.write(''.join(out).encode('utf-8'))
PY
PY3=$(command -v python3 || echo /usr/bin/python3)
if "$PY3" "$DIR/pg/batch_inserts.py" $SQL/data.sql.gz >"$DIR/pg/data-batched.sql" 2>>"$DIR/pg/import.log"; then
  PGOPTIONS='-c session_replication_role=replica' $PSQL -U postgres zabbix \
    -f "$DIR/pg/data-batched.sql" >>"$DIR/pg/import.log" 2>&1
  rm -f "$DIR/pg/data-batched.sql"
else
  step "python batching failed, falling back to plain import (slow)"
  zcat $SQL/data.sql.gz | $PSQL -U zabbix zabbix >>"$DIR/pg/import.log" 2>&1
fi
[ "$($PSQL -U zabbix zabbix -Atc "select count(*) from users where username='Admin'")" = 1 ] || die "data import failed"
step "data imported"

# ---------------------------------------------------------------- zabbix_server
cat >"$DIR/server/zabbix_server.conf" <<EOF
ListenIP=127.0.0.1
ListenPort=$TRAPPER_PORT
SourceIP=127.0.0.1
LogType=file
LogFile=$DIR/server/zabbix_server.log
LogFileSize=0
PidFile=$DIR/server/zabbix_server.pid
SocketDir=$DIR/server
DBHost=127.0.0.1
DBPort=$PG_PORT
DBName=zabbix
DBUser=zabbix
# only what trapper items need; pollers etc. off
StartPollers=0
StartPollersUnreachable=0
StartIPMIPollers=0
StartHistoryPollers=0
StartPingers=0
StartDiscoverers=0
StartHTTPPollers=0
StartJavaPollers=0
StartVMwareCollectors=0
StartSNMPTrapper=0
StartProxyPollers=0
StartReportWriters=0
StartODBCPollers=0
StartTrappers=2
StartPreprocessors=1
StartDBSyncers=1
StartTimers=1
StartEscalators=1
StartAlerters=1
StartLLDProcessors=1
# new items are accepted by the trapper only after a config-cache sync (default every 60 s)
CacheUpdateFrequency=1
HousekeepingFrequency=0
Timeout=4
StatsAllowedIP=127.0.0.1
EOF
chown zabbix:zabbix "$DIR/server/zabbix_server.conf"
# started as root it drops privileges to user zabbix (User=zabbix) and daemonizes
(cd "$DIR/server" && /usr/sbin/zabbix_server -c "$DIR/server/zabbix_server.conf")
for i in $(seq 1 100); do
  (exec 3<>/dev/tcp/127.0.0.1/$TRAPPER_PORT) 2>/dev/null && break
  [ "$i" = 100 ] && { tail -20 "$DIR/server/zabbix_server.log"; die "zabbix_server did not open $TRAPPER_PORT"; }
  sleep 0.1
done
step "zabbix_server up, trapper on 127.0.0.1:$TRAPPER_PORT (pid $(cat "$DIR/server/zabbix_server.pid"))"

# ---------------------------------------------------------------- frontend (API)
# Debian's frontend hard-codes /etc/zabbix/zabbix.conf.php (CConfigFile::CONFIG_FILE_PATH).
# To leave /etc alone, serve a private copy whose config path points into DIR.
cp -a /usr/share/zabbix "$DIR/web/ui"
sed -i "s|const CONFIG_FILE_PATH = '/etc/zabbix/zabbix.conf.php';|const CONFIG_FILE_PATH = '$DIR/web/ui/conf/zabbix.conf.php';|" \
  "$DIR/web/ui/include/classes/core/CConfigFile.php"
grep -qF "$DIR/web/ui/conf/zabbix.conf.php" "$DIR/web/ui/include/classes/core/CConfigFile.php" || die "could not patch CConfigFile.php"
cat >"$DIR/web/ui/conf/zabbix.conf.php" <<EOF
<?php
\$DB['TYPE']           = 'POSTGRESQL';
\$DB['SERVER']         = '127.0.0.1';
\$DB['PORT']           = '$PG_PORT';
\$DB['DATABASE']       = 'zabbix';
\$DB['USER']           = 'zabbix';
\$DB['PASSWORD']       = '';
\$DB['SCHEMA']         = '';
\$DB['ENCRYPTION']     = false;
\$DB['KEY_FILE']       = '';
\$DB['CERT_FILE']      = '';
\$DB['CA_FILE']        = '';
\$DB['VERIFY_HOST']    = false;
\$DB['CIPHER_LIST']    = '';
\$DB['VAULT_URL']      = '';
\$DB['VAULT_DB_PATH']  = '';
\$DB['VAULT_TOKEN']    = '';
\$DB['DOUBLE_IEEE754'] = true;
\$ZBX_SERVER           = '127.0.0.1';
\$ZBX_SERVER_PORT      = '$TRAPPER_PORT';
\$ZBX_SERVER_NAME      = 'ci-zabbix';
\$IMAGE_FORMAT_DEFAULT = IMAGE_FORMAT_PNG;
EOF
workers=${ZBX_PHP_WORKERS:-1}
if [ "$workers" -gt 1 ]; then export PHP_CLI_SERVER_WORKERS=$workers; fi
setsid nohup php -d date.timezone=UTC \
  -S 127.0.0.1:$WEB_PORT -t "$DIR/web/ui" >"$DIR/web/php.log" 2>&1 </dev/null &
echo $! >"$DIR/web/php.pid"
URL="http://127.0.0.1:$WEB_PORT/api_jsonrpc.php"
for i in $(seq 1 100); do
  v=$(curl -s -m 2 -H 'Content-Type: application/json-rpc' \
      -d '{"jsonrpc":"2.0","method":"apiinfo.version","params":{},"id":1}' "$URL" || true)
  case "$v" in *'"result"'*) break ;; esac
  [ "$i" = 100 ] && { cat "$DIR/web/php.log"; die "API not answering: $v"; }
  sleep 0.1
done
# with PHP_CLI_SERVER_WORKERS the children outlive a killed parent: record them too
if [ "$workers" -gt 1 ]; then ps -o pid= --ppid "$(cat "$DIR/web/php.pid")" >>"$DIR/web/php.pid"; fi
step "frontend up: $v"

# Not ZABBIX_USER/ZABBIX_PASSWORD: zabbix-utils reads those from the environment
# and then refuses token logins ("Token cannot be used with username and password").
cat >"$DIR/zabbix.env" <<EOF
export SHOPDB_TEST_ZABBIX_URL=$URL
export SHOPDB_TEST_ZABBIX_USER=Admin
export SHOPDB_TEST_ZABBIX_PASSWORD=zabbix
export SHOPDB_TEST_ZABBIX_TRAPPER=127.0.0.1:$TRAPPER_PORT
export SHOPDB_TEST_ZABBIX_DIR=$DIR
EOF
cat <<EOF
Zabbix is up ($(elapsed) s)
  API URL:     $URL
  user:        Admin   password: zabbix
  trapper:     127.0.0.1:$TRAPPER_PORT   (zabbix_sender -z 127.0.0.1 -p $TRAPPER_PORT -s HOST -k KEY -o VALUE)
  postgres:    127.0.0.1:$PG_PORT db=zabbix user=zabbix (trust auth)
  folder:      $DIR   (source $DIR/zabbix.env)
  stop with:   zabbix-down.sh $DIR
EOF
