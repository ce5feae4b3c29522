#!/usr/bin/env bash
# Start/stop throw-away MariaDB and PostgreSQL servers for the ShopDB test suite.
#
#   bash .ci/databases.sh start   # install if needed, start, create user + db
#   bash .ci/databases.sh stop    # shut both down (never fails)
#   bash .ci/databases.sh status
#
# The servers do not use systemd or the Debian service scripts. They run in the
# background with their data under a work folder and listen on 127.0.0.1 only:
#   MariaDB     127.0.0.1:3307
#   PostgreSQL  127.0.0.1:5433
# so they never clash with system instances (3306/5432).
#
# Environment:
#   SHOPDB_CI_WORKDIR   work folder (default /tmp/shopdb-ci)
#   SHOPDB_CI_TIMEOUT   seconds to wait for a server to come up (default 60)
#
# After "start", ${SHOPDB_CI_WORKDIR}/databases.env holds the two test URLs.
#
# The servers are tuned for speed, not durability (no fsync, no doublewrite):
# the data is disposable test data.
set -euo pipefail

WORKDIR="${SHOPDB_CI_WORKDIR:-/tmp/shopdb-ci}"
TIMEOUT="${SHOPDB_CI_TIMEOUT:-60}"

DB_USER=shopdb
DB_PASSWORD=shopdb
DB_NAME=shopdb_test
HOST=127.0.0.1
MY_PORT=3307
PG_PORT=5433

ENV_FILE="$WORKDIR/databases.env"
MY_BASE="$WORKDIR/mariadb"
MY_DATA="$MY_BASE/data"
MY_SOCK="$MY_BASE/mariadb.sock"
MY_PID="$MY_BASE/mariadb.pid"
MY_LOG="$MY_BASE/mariadb.log"
PG_BASE="$WORKDIR/postgresql"
PG_DATA="$PG_BASE/data"
PG_RUN="$PG_BASE/run"
PG_LOG="$PG_BASE/postgresql.log"
INIT_MARKER=".shopdb-ci-initialized"

log() { printf '[databases] %s\n' "$*"; }
warn() { printf '[databases] WARNING: %s\n' "$*" >&2; }
die() {
    printf '[databases] ERROR: %s\n' "$*" >&2
    exit 1
}

show_log_tail() { # file [lines]
    local file="$1" lines="${2:-40}"
    if [[ -f "$file" ]]; then
        printf '[databases] ---- last %s lines of %s ----\n' "$lines" "$file" >&2
        tail -n "$lines" "$file" >&2 || true
        printf '[databases] ---- end of %s ----\n' "$file" >&2
    else
        printf '[databases] (no log file %s)\n' "$file" >&2
    fi
}

is_root() { [[ "$(id -u)" -eq 0 ]]; }

# True if something accepts TCP connections on 127.0.0.1:$1.
port_open() {
    (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null
}

# Close every file descriptor above 2 in the current (sub)shell. Used right
# before launching a server, so that it never inherits our lock on fd 9 or
# pipes of the caller (CI runner, tee, $(...)) and keeps them open.
close_fds() {
    local fd
    for fd in /proc/self/fd/*; do
        fd="${fd##*/}"
        if [[ "$fd" =~ ^[0-9]+$ ]] && ((fd > 2)); then
            exec {fd}>&-
        fi
    done
}

first_cmd() { # print the first of the given commands that exists
    local c
    for c in "$@"; do
        if command -v "$c" >/dev/null 2>&1; then
            command -v "$c"
            return 0
        fi
        if [[ -x "/usr/sbin/$c" ]]; then
            echo "/usr/sbin/$c"
            return 0
        fi
    done
    return 1
}

# ---------------------------------------------------------------- binaries --

find_mariadb_bins() {
    MYSQLD="$(first_cmd mariadbd mysqld)" || return 1
    MY_INSTALL_DB="$(first_cmd mariadb-install-db mysql_install_db)" || return 1
    MY_CLIENT="$(first_cmd mariadb mysql)" || return 1
    MY_ADMIN="$(first_cmd mariadb-admin mysqladmin)" || return 1
}

find_pg_bins() {
    local dir best=""
    # Highest installed major version that has a server binary.
    while IFS= read -r dir; do
        [[ -x "$dir/postgres" && -x "$dir/initdb" && -x "$dir/pg_ctl" ]] && best="$dir"
    done < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V)
    [[ -n "$best" ]] || return 1
    PG_BIN="$best"
    PG_VERSION="$(basename "$(dirname "$PG_BIN")")"
    PSQL="$PG_BIN/psql"
    [[ -x "$PSQL" ]] || PSQL="$(command -v psql)" || return 1
}

install_missing() {
    local pkgs=()
    find_mariadb_bins || pkgs+=(mariadb-server)
    find_pg_bins || pkgs+=(postgresql)
    [[ ${#pkgs[@]} -eq 0 ]] && return 0

    log "installing missing packages: ${pkgs[*]}"
    local sudo=()
    if ! is_root; then
        command -v sudo >/dev/null 2>&1 || die "need root (or sudo) to install ${pkgs[*]}"
        sudo=(sudo)
    fi
    # DPkg::Lock::Timeout: wait for a concurrent apt/dpkg instead of failing.
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get -o DPkg::Lock::Timeout=600 update -q
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get -o DPkg::Lock::Timeout=600 install -y -q "${pkgs[@]}"

    find_mariadb_bins || die "MariaDB server binaries still missing after installing mariadb-server"
    find_pg_bins || die "PostgreSQL server binaries still missing after installing postgresql"
}

# ------------------------------------------------------------ run-as users --

# Unix users the servers run as. As root: postgres / mysql (created by the
# Debian packages). As a normal user: that user for both.
setup_users() {
    if is_root; then
        id postgres >/dev/null 2>&1 || die "system user 'postgres' does not exist (is the postgresql package installed?)"
        PG_OS_USER=postgres
        if id mysql >/dev/null 2>&1; then MY_OS_USER=mysql; else MY_OS_USER=root; fi
        # Client connections to MariaDB over the socket use unix_socket auth:
        # OS user root -> MariaDB root.
        MY_ADMIN_USER=root
    else
        PG_OS_USER="$(id -un)"
        MY_OS_USER="$(id -un)"
        MY_ADMIN_USER="$(id -un)"
    fi
}

as_pg() { # run a command as the PostgreSQL OS user, from a neutral cwd
    if is_root; then
        (cd / && runuser -u "$PG_OS_USER" -- "$@")
    else
        (cd / && "$@")
    fi
}

prepare_workdir() {
    mkdir -p "$WORKDIR"
    if is_root; then
        # The server users must be able to traverse into the work folder.
        chmod 755 "$WORKDIR"
        local u
        for u in "$PG_OS_USER" "$MY_OS_USER"; do
            runuser -u "$u" -- test -x "$WORKDIR" ||
                die "user '$u' cannot access $WORKDIR (a parent directory is not world-executable?); set SHOPDB_CI_WORKDIR to e.g. /tmp/shopdb-ci"
        done
    fi
    # Unix socket paths are limited to ~107 bytes.
    local s
    for s in "$MY_SOCK" "$PG_RUN/.s.PGSQL.$PG_PORT"; do
        [[ ${#s} -lt 100 ]] || die "socket path too long (${#s} chars): $s; use a shorter SHOPDB_CI_WORKDIR"
    done
}

# ----------------------------------------------------------------- MariaDB --

my_sql() { # run SQL from stdin as the MariaDB admin over the socket
    "$MY_CLIENT" --no-defaults "--socket=$MY_SOCK" "--user=$MY_ADMIN_USER" \
        --batch --skip-column-names
}

my_pid() { # print pid of our running mariadbd, or fail
    local pid
    [[ -s "$MY_PID" ]] || return 1
    pid="$(cat "$MY_PID" 2>/dev/null)" || return 1
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    grep -qE 'mariadbd|mysqld' "/proc/$pid/comm" 2>/dev/null || return 1
    echo "$pid"
}

my_ping() {
    "$MY_ADMIN" --no-defaults "--socket=$MY_SOCK" "--user=$MY_ADMIN_USER" \
        --connect-timeout=2 ping >/dev/null 2>&1
}

# Options shared by bootstrap (install-db) and the server itself.
my_server_opts() {
    MY_OPTS=(
        "--datadir=$MY_DATA"
        "--socket=$MY_SOCK"
        "--pid-file=$MY_PID"
        "--port=$MY_PORT"
        "--bind-address=$HOST"
        --skip-name-resolve
        --innodb-buffer-pool-size=128M
        --innodb-log-buffer-size=8M
        --innodb-flush-log-at-trx-commit=0
        --innodb-doublewrite=0
        --skip-log-bin
        --max-connections=200
        --character-set-server=utf8mb4
        --collation-server=utf8mb4_unicode_ci
        --default-time-zone=+00:00
    )
    if is_root; then
        MY_OPTS+=("--user=$MY_OS_USER")
    fi
}

mariadb_init() {
    if [[ -d "$MY_DATA" && ! -e "$MY_DATA/$INIT_MARKER" ]]; then
        warn "removing incomplete MariaDB data directory $MY_DATA"
        rm -rf "$MY_DATA"
    fi
    [[ -d "$MY_DATA" ]] && return 0

    log "MariaDB: initialising data directory $MY_DATA"
    mkdir -p "$MY_BASE"
    is_root && chown "$MY_OS_USER:" "$MY_BASE"
    chmod 750 "$MY_BASE"
    local install_log="$MY_BASE/install-db.log"
    my_server_opts
    # --no-defaults must come first.
    if ! "$MY_INSTALL_DB" --no-defaults \
        "${MY_OPTS[@]}" \
        --auth-root-authentication-method=socket \
        --skip-test-db \
        >"$install_log" 2>&1 </dev/null; then
        show_log_tail "$install_log" 60
        die "MariaDB: $MY_INSTALL_DB failed"
    fi
    touch "$MY_DATA/$INIT_MARKER"
    is_root && chown "$MY_OS_USER:" "$MY_DATA/$INIT_MARKER"
    return 0
}

mariadb_start() {
    local pid
    if pid="$(my_pid)"; then
        log "MariaDB: already running (pid $pid), reusing it"
    else
        if port_open "$MY_PORT"; then
            die "MariaDB: port $MY_PORT on $HOST is already in use by another process (not the server of $WORKDIR). Stop it first (e.g. SHOPDB_CI_WORKDIR=<other dir> bash .ci/databases.sh stop)."
        fi
        mariadb_init
        my_server_opts
        rm -f "$MY_SOCK" "$MY_SOCK.lock" "$MY_PID"
        touch "$MY_LOG"
        if is_root; then chown "$MY_OS_USER:" "$MY_LOG"; fi
        log "MariaDB: starting on $HOST:$MY_PORT (log: $MY_LOG)"
        # Detached: no inherited stdin/stdout/stderr or other descriptors.
        # exec makes $! the server's own pid.
        (
            close_fds
            exec "$MYSQLD" --no-defaults "${MY_OPTS[@]}" "--log-error=$MY_LOG" \
                </dev/null >>"$MY_LOG" 2>&1
        ) &
        pid=$!
    fi

    local waited=0
    until my_ping; do
        if ! kill -0 "$pid" 2>/dev/null; then
            show_log_tail "$MY_LOG"
            die "MariaDB: server process exited during startup"
        fi
        if ((waited >= TIMEOUT)); then
            show_log_tail "$MY_LOG"
            die "MariaDB: not accepting connections after ${TIMEOUT}s"
        fi
        sleep 1
        waited=$((waited + 1))
    done
    log "MariaDB: up (pid $pid)"

    my_sql <<SQL
DROP USER IF EXISTS ''@'localhost';
CREATE USER IF NOT EXISTS '$DB_USER'@'127.0.0.1' IDENTIFIED BY '$DB_PASSWORD';
CREATE USER IF NOT EXISTS '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASSWORD';
ALTER USER '$DB_USER'@'127.0.0.1' IDENTIFIED BY '$DB_PASSWORD';
ALTER USER '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASSWORD';
GRANT ALL PRIVILEGES ON *.* TO '$DB_USER'@'127.0.0.1';
GRANT ALL PRIVILEGES ON *.* TO '$DB_USER'@'localhost';
CREATE DATABASE IF NOT EXISTS \`$DB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
ALTER DATABASE \`$DB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
SQL

    # End-to-end check exactly as the tests connect: TCP + password.
    local out
    if ! out="$("$MY_CLIENT" --no-defaults --protocol=TCP -h "$HOST" -P "$MY_PORT" \
        -u "$DB_USER" "-p$DB_PASSWORD" --batch --skip-column-names "$DB_NAME" \
        -e 'SELECT VERSION()' 2>&1)"; then
        printf '%s\n' "$out" >&2
        die "MariaDB: cannot log in as $DB_USER over TCP"
    fi
    log "MariaDB: ready, $DB_USER@$HOST:$MY_PORT/$DB_NAME (server $out)"
}

mariadb_stop() {
    if ! find_mariadb_bins; then
        log "MariaDB: not installed, nothing to stop"
        return 0
    fi
    local pid
    if ! pid="$(my_pid)"; then
        log "MariaDB: not running"
        rm -f "$MY_PID"
        return 0
    fi
    log "MariaDB: stopping (pid $pid)"
    "$MY_ADMIN" --no-defaults "--socket=$MY_SOCK" "--user=$MY_ADMIN_USER" \
        --connect-timeout=5 shutdown >/dev/null 2>&1 ||
        kill -TERM "$pid" 2>/dev/null || true
    local waited=0
    while kill -0 "$pid" 2>/dev/null; do
        if ((waited >= 2 * TIMEOUT)); then
            warn "MariaDB: still running after ${TIMEOUT}s, sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            break
        fi
        sleep 0.5
        waited=$((waited + 1))
    done
    log "MariaDB: stopped"
}

# -------------------------------------------------------------- PostgreSQL --

pg_running() {
    [[ -f "$PG_DATA/postmaster.pid" ]] || return 1
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1
}

pg_psql_admin() { # psql as superuser over the unix socket (local = trust)
    "$PSQL" -X -q -v ON_ERROR_STOP=1 -h "$PG_RUN" -p "$PG_PORT" -U postgres -d postgres "$@"
}

pg_write_conf() {
    # Regenerated on every start; included from postgresql.conf.
    cat >"$PG_DATA/shopdb-ci.conf" <<EOF
# Written by .ci/databases.sh -- regenerated on every start.
listen_addresses = '$HOST'
port = $PG_PORT
unix_socket_directories = '$PG_RUN'
max_connections = 100
shared_buffers = 128MB
# Disposable test data: trade durability for speed.
fsync = off
synchronous_commit = off
full_page_writes = off
# Docker's default 64 MB /dev/shm is too small for parallel query workers.
max_parallel_workers_per_gather = 0
timezone = 'UTC'
log_timezone = 'UTC'
EOF
    is_root && chown "$PG_OS_USER:" "$PG_DATA/shopdb-ci.conf"
    return 0
}

postgresql_init() {
    if [[ -d "$PG_DATA" && -f "$PG_DATA/$INIT_MARKER" && -f "$PG_DATA/PG_VERSION" ]]; then
        local have
        have="$(cat "$PG_DATA/PG_VERSION")"
        if [[ "$have" != "$PG_VERSION" ]]; then
            warn "PostgreSQL: data directory is version $have, server is $PG_VERSION; re-initialising"
            rm -rf "$PG_DATA"
        fi
    elif [[ -d "$PG_DATA" ]]; then
        warn "PostgreSQL: removing incomplete data directory $PG_DATA"
        rm -rf "$PG_DATA"
    fi

    mkdir -p "$PG_BASE" "$PG_RUN"
    if is_root; then
        chown "$PG_OS_USER:" "$PG_BASE" "$PG_RUN"
    fi
    chmod 700 "$PG_BASE"
    chmod 755 "$PG_RUN"
    [[ -d "$PG_DATA" ]] && return 0

    log "PostgreSQL $PG_VERSION: initialising data directory $PG_DATA"
    local init_log="$PG_BASE/initdb.log"
    if ! as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -E UTF8 --locale=C.UTF-8 \
        --auth-local=trust --auth-host=scram-sha-256 \
        >"$init_log" 2>&1 </dev/null; then
        show_log_tail "$init_log" 60
        die "PostgreSQL: initdb failed"
    fi
    printf "\ninclude_if_exists = 'shopdb-ci.conf'\n" >>"$PG_DATA/postgresql.conf"
    touch "$PG_DATA/$INIT_MARKER"
    is_root && chown "$PG_OS_USER:" "$PG_DATA/$INIT_MARKER"
    return 0
}

postgresql_start() {
    if pg_running; then
        log "PostgreSQL: already running (pid $(head -n1 "$PG_DATA/postmaster.pid")), reusing it"
    else
        if port_open "$PG_PORT"; then
            die "PostgreSQL: port $PG_PORT on $HOST is already in use by another process (not the server of $WORKDIR). Stop it first (e.g. SHOPDB_CI_WORKDIR=<other dir> bash .ci/databases.sh stop)."
        fi
        postgresql_init
        pg_write_conf
        log "PostgreSQL $PG_VERSION: starting on $HOST:$PG_PORT (log: $PG_LOG)"
        # pg_ctl detaches the server and redirects its output to the log.
        touch "$PG_LOG"
        is_root && chown "$PG_OS_USER:" "$PG_LOG"
        local ctl_out="$PG_BASE/pg_ctl-start.out"
        (
            close_fds
            as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -W start </dev/null
        ) >"$ctl_out" 2>&1 || {
            show_log_tail "$PG_LOG"
            show_log_tail "$ctl_out"
            die "PostgreSQL: pg_ctl start failed"
        }
    fi

    local waited=0
    until "$PG_BIN/pg_isready" -q -h "$HOST" -p "$PG_PORT" -t 2 >/dev/null 2>&1 &&
        pg_psql_admin -c 'SELECT 1' >/dev/null 2>&1; do
        if ((waited >= 3)) && ! pg_running; then
            show_log_tail "$PG_LOG"
            die "PostgreSQL: server process exited during startup"
        fi
        if ((waited >= TIMEOUT)); then
            show_log_tail "$PG_LOG"
            die "PostgreSQL: not accepting connections after ${TIMEOUT}s"
        fi
        sleep 1
        waited=$((waited + 1))
    done
    log "PostgreSQL: up (pid $(head -n1 "$PG_DATA/postmaster.pid"))"

    # The role may create and drop databases (one per test).
    pg_psql_admin <<SQL
SELECT format('CREATE ROLE %I LOGIN CREATEDB', '$DB_USER')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$DB_USER') \gexec
ALTER ROLE "$DB_USER" WITH LOGIN CREATEDB PASSWORD '$DB_PASSWORD';
-- DROP DATABASE ... WITH (FORCE) ends an autovacuum worker busy in a test
-- database only for a member of pg_signal_backend.
GRANT pg_signal_backend TO "$DB_USER";
SELECT format('CREATE DATABASE %I OWNER %I ENCODING ''UTF8''', '$DB_NAME', '$DB_USER')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$DB_NAME') \gexec
ALTER DATABASE "$DB_NAME" OWNER TO "$DB_USER";
SQL

    local out
    if ! out="$(PGPASSWORD="$DB_PASSWORD" PGCONNECT_TIMEOUT=5 "$PSQL" -X -tA \
        -h "$HOST" -p "$PG_PORT" -U "$DB_USER" -d "$DB_NAME" \
        -c 'SHOW server_version' 2>&1)"; then
        printf '%s\n' "$out" >&2
        die "PostgreSQL: cannot log in as $DB_USER over TCP"
    fi
    log "PostgreSQL: ready, $DB_USER@$HOST:$PG_PORT/$DB_NAME (server $out)"
}

postgresql_stop() {
    if ! find_pg_bins; then
        log "PostgreSQL: not installed, nothing to stop"
        return 0
    fi
    if ! pg_running; then
        log "PostgreSQL: not running"
        return 0
    fi
    log "PostgreSQL: stopping"
    if ! as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t "$TIMEOUT" stop >/dev/null 2>&1; then
        warn "PostgreSQL: pg_ctl stop failed, trying immediate shutdown"
        as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w -t 10 stop >/dev/null 2>&1 || true
    fi
    log "PostgreSQL: stopped"
}

# ---------------------------------------------------------------- commands --

cmd_start() {
    local t0=$SECONDS
    install_missing
    setup_users
    prepare_workdir

    # Serialise concurrent start/stop calls on the same work folder.
    exec 9>"$WORKDIR/.lock"
    flock -w 120 9 || die "another start/stop holds $WORKDIR/.lock for more than 120 s"

    rm -f "$ENV_FILE"
    mariadb_start
    postgresql_start

    cat >"$ENV_FILE" <<EOF
SHOPDB_TEST_MARIADB_URL=mysql+pymysql://$DB_USER:$DB_PASSWORD@$HOST:$MY_PORT/$DB_NAME?charset=utf8mb4
SHOPDB_TEST_POSTGRESQL_URL=postgresql+psycopg://$DB_USER:$DB_PASSWORD@$HOST:$PG_PORT/$DB_NAME
EOF
    log "databases ready after $((SECONDS - t0)) s; wrote $ENV_FILE:"
    cat "$ENV_FILE"
}

cmd_stop() {
    # Never fails: errors are reported, not fatal.
    set +e
    setup_users 2>/dev/null || true
    if [[ -d "$WORKDIR" ]]; then
        exec 9>"$WORKDIR/.lock"
        if ! flock -w 60 9; then
            warn "could not lock $WORKDIR/.lock within 60 s; stopping anyway"
        fi
    fi
    mariadb_stop
    postgresql_stop
    rm -f "$ENV_FILE"
    log "work folder left in place: $WORKDIR"
    return 0
}

cmd_status() {
    set +e
    setup_users 2>/dev/null || true
    local pid rc=0
    if find_mariadb_bins && pid="$(my_pid)"; then
        log "MariaDB: running (pid $pid) on $HOST:$MY_PORT"
    else
        log "MariaDB: not running"
        rc=1
    fi
    if find_pg_bins && pg_running; then
        log "PostgreSQL: running on $HOST:$PG_PORT"
    else
        log "PostgreSQL: not running"
        rc=1
    fi
    return $rc
}

case "${1:-}" in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
*)
    echo "usage: bash $0 start|stop|status" >&2
    exit 2
    ;;
esac
