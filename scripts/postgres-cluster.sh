#!/usr/bin/env bash
# A private PostgreSQL cluster for the tests: initdb in a temp folder, a Unix socket there, a TCP
# port of its own on 127.0.0.1, trust authentication, a database `durabletest`.
#
#   eval "$(scripts/postgres-cluster.sh start)"   # exports DURABLE_TEST_POSTGRES and DURABLE_TEST_POSTGRES_DIR
#   scripts/postgres-cluster.sh stop "$DURABLE_TEST_POSTGRES_DIR"
#
# As root (CI), the server runs as the `postgres` user, which initdb requires.
set -euo pipefail

bindir() {
  if command -v initdb >/dev/null 2>&1; then dirname "$(readlink -f "$(command -v initdb)")"; return; fi
  local found
  found="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
  [ -n "$found" ] || { echo "postgres-cluster: no PostgreSQL server installed (apt-get install postgresql)" >&2; exit 69; }
  echo "$found"
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
start)
  bin="$(bindir)"
  dir="$(mktemp -d /tmp/dm-postgres-XXXXXX)"
  chmod 755 "$dir"
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  # A free port: the kernel's pick for a socket bound to port 0.
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  as_owner "$bin/initdb" -D "$dir/data" -A trust -U postgres --no-sync >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-k $dir -p $port -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=200" start >/dev/null \
    || { cat "$dir/server.log" >&2; exit 1; }
  as_owner "$bin/createdb" -h "$dir" -p "$port" -U postgres durabletest
  echo "export DURABLE_TEST_POSTGRES='postgresql://postgres@/durabletest?host=$dir&port=$port'"
  echo "export DURABLE_TEST_POSTGRES_DIR='$dir'"
  ;;
stop)
  dir="${2:?usage: postgres-cluster.sh stop DIR}"
  bin="$(bindir)"
  [ -d "$dir/data" ] && as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
  ;;
*)
  echo "usage: postgres-cluster.sh start | stop DIR" >&2
  exit 64
  ;;
esac
