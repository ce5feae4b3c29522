#!/usr/bin/env bash
# Stop what .ci/zabbix-up.sh started in DIR, by PID only.
# Usage: zabbix-down.sh DIR [--rm]
#   default: graceful (php SIGTERM, zabbix_server SIGTERM ~2-3 s, postgres fast shutdown)
#   --rm:    the data is thrown away, so skip the graceful parts (SIGKILL zabbix_server and
#            its children, postgres immediate shutdown) and delete DIR: < 1 s
set -uo pipefail
DIR=${1:?usage: zabbix-down.sh DIR [--rm]}
RM=${2:-}
[ -d "$DIR" ] || { echo "zabbix-down: no such folder $DIR" >&2; exit 1; }

# a killed daemon whose parent is gone stays a zombie until PID 1 reaps it: count Z as gone
alive() { local s; s=$(ps -o stat= -p "$1" 2>/dev/null) || return 1; s=${s// /}; [ -n "$s" ] && [[ $s != Z* ]]; }
# wait_gone SECONDS PID... : 0 when all PIDs are gone, 1 on timeout
wait_gone() {
  local t=$(( $1 * 20 )); shift
  while [ $t -gt 0 ]; do
    local any=0 p
    for p in "$@"; do alive "$p" && { any=1; break; }; done
    [ $any = 0 ] && return 0
    sleep 0.05; t=$((t - 1))
  done
  return 1
}

# 1) frontend: php -S (plus its workers, if ZBX_PHP_WORKERS was used)
if [ -f "$DIR/web/php.pid" ]; then
  pids=$(cat "$DIR/web/php.pid")
  kill $pids 2>/dev/null
  wait_gone 10 $pids || kill -9 $pids 2>/dev/null
  rm -f "$DIR/web/php.pid"
  echo "zabbix-down: frontend stopped ($(echo $pids))"
fi

# 2) zabbix_server: main PID from its PidFile; its workers are its direct children
if [ -f "$DIR/server/zabbix_server.pid" ]; then
  main=$(cat "$DIR/server/zabbix_server.pid")
  kids=$(ps -o pid= --ppid "$main" 2>/dev/null)
  if [ "$RM" = --rm ]; then
    kill -9 $main $kids 2>/dev/null          # its SysV shm segments are already marked for removal
    wait_gone 10 $main $kids
  else
    kill "$main" 2>/dev/null                 # SIGTERM: flushes history, stops children
    if ! wait_gone 30 $main $kids; then
      echo "zabbix-down: zabbix_server $main did not stop in 30 s, killing" >&2
      kill -9 $main $kids 2>/dev/null
    fi
  fi
  rm -f "$DIR/server/zabbix_server.pid"
  echo "zabbix-down: zabbix_server stopped ($main)"
fi

# 3) PostgreSQL: postmaster PID from postmaster.pid (SIGINT = fast, SIGQUIT = immediate)
if [ -f "$DIR/pg/data/postmaster.pid" ]; then
  pm=$(head -1 "$DIR/pg/data/postmaster.pid")
  if [ "$RM" = --rm ]; then kill -QUIT "$pm" 2>/dev/null; else kill -INT "$pm" 2>/dev/null; fi
  wait_gone 30 "$pm" || kill -9 "$pm" 2>/dev/null
  echo "zabbix-down: postgres stopped ($pm)"
fi

if [ "$RM" = --rm ]; then rm -rf "$DIR"; echo "zabbix-down: removed $DIR"; fi
