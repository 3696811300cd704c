#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on 127.0.0.1 for tests and benchmarks (Debian's postgresql).
#   scripts/postgres.sh start <dir> <port>   prints the JDBC URL; user synid, password synid
#   scripts/postgres.sh stop <dir>
set -euo pipefail
cmd=${1:?start|stop}; dir=${2:?data directory}; port=${3:-55432}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[[ -x "$bin/initdb" ]] || { echo "postgres.sh: PostgreSQL server binaries not found; run scripts/setup.sh" >&2; exit 1; }
as_pg() { runuser -u postgres -- "$@"; }
case "$cmd" in
  start)
    mkdir -p "$dir"; chown postgres: "$dir"
    if [[ ! -f "$dir/data/PG_VERSION" ]]; then
      as_pg "$bin/initdb" -D "$dir/data" -U postgres -A trust --no-sync >/dev/null
    fi
    if ! as_pg "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
      as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -o "-h 127.0.0.1 -p $port -k $dir -c fsync=on" start >/dev/null
    fi
    as_pg psql -h 127.0.0.1 -p "$port" -U postgres -tAc "SELECT 1 FROM pg_roles WHERE rolname='synid'" | grep -q 1 \
      || as_pg psql -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE ROLE synid LOGIN PASSWORD 'synid' CREATEDB"
    echo "jdbc:postgresql://127.0.0.1:$port/postgres"
    ;;
  stop)
    [[ -d "$dir/data" ]] && as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    ;;
  *) echo "usage: $0 start|stop <dir> [port]" >&2; exit 2 ;;
esac
