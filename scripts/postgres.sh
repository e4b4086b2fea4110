#!/usr/bin/env bash
# Start a throw-away PostgreSQL server for the test suite and print its URL.
#   bash scripts/postgres.sh start   -> prints postgresql+psycopg://...  (reuses a running one)
#   bash scripts/postgres.sh stop
# Uses Debian's postgresql binaries (/usr/lib/postgresql/*/bin); runs the server as the 'postgres'
# user when invoked as root (PostgreSQL refuses to run as root).
set -euo pipefail
PORT=${FUGONG_TEST_PG_PORT:-54329}
# In memory (/dev/shm) where there is one: on a virtual disk, copying a migrated database for each
# test took 0.8 s, in memory 0.03 s. The server is thrown away; nothing in it needs the disk.
SHM=/dev/shm
if [ -d "$SHM" ] && [ -w "$SHM" ] && [ "$(df -Pk "$SHM" | awk 'NR==2 {print $4}')" -gt 2000000 ]; then
  DEFAULT_DATA=$SHM/fugong-pg-$PORT
else
  DEFAULT_DATA=/tmp/fugong-pg-$PORT
fi
DATA=${FUGONG_TEST_PG_DIR:-$DEFAULT_DATA}
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
[ -n "$BIN" ] || BIN=$(dirname "$(command -v pg_ctl 2>/dev/null || echo /nonexistent/pg_ctl)")
if [ ! -x "$BIN/pg_ctl" ]; then
  echo "PostgreSQL server binaries not found: apt-get install postgresql" >&2
  exit 3
fi
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
URL="postgresql+psycopg://postgres@127.0.0.1:$PORT/fugong_test"
case "${1:-start}" in
  start)
    if "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"; then echo "$URL"; exit 0; fi
    if [ ! -f "$DATA/PG_VERSION" ]; then
      mkdir -p "$DATA"
      [ "$(id -u)" = 0 ] && chown postgres "$DATA"
      as_owner "$BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    as_owner "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w \
      -o "-p $PORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
    "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='fugong_test'" \
      | grep -q 1 || "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres fugong_test
    echo "$URL"
    ;;
  stop)
    as_owner "$BIN/pg_ctl" -D "$DATA" -m fast stop >/dev/null || true
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
