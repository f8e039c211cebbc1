#!/usr/bin/env bash
# Run a command with a throwaway PostgreSQL server on loopback, exported as P2C_TEST_POSTGRES_URL.
# Uses Debian's postgresql binaries; as root the server runs as the postgres user (it refuses root).
# Without PostgreSQL installed, or with P2C_TEST_POSTGRES_URL already set, it just runs the command.
set -euo pipefail
if [ -n "${P2C_TEST_POSTGRES_URL:-}" ]; then exec "$@"; fi
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "with-postgres: PostgreSQL is not installed; PostgreSQL tests will be skipped" >&2
  exec "$@"
fi
dir=$(mktemp -d /tmp/p2c-pg.XXXXXX)
port=${P2C_TEST_POSTGRES_PORT:-$(( 55432 + RANDOM % 1000 ))}
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$1"; else bash -c "$1"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$dir"
as_pg "'$bin/initdb' -D '$dir/data' -A trust -U postgres >/dev/null"
cleanup() { as_pg "'$bin/pg_ctl' -D '$dir/data' stop -m fast >/dev/null 2>&1" || true; rm -rf "$dir"; }
trap cleanup EXIT
# a random port may be taken (by another run's server, say): try a few before giving up
for attempt in 1 2 3 4 5; do
  if as_pg "'$bin/pg_ctl' -D '$dir/data' -o '-k $dir -h 127.0.0.1 -p $port -F' -l '$dir/log' -w start >/dev/null"; then
    break
  fi
  if [ -n "${P2C_TEST_POSTGRES_PORT:-}" ] || [ "$attempt" = 5 ]; then cat "$dir/log" >&2; exit 1; fi
  port=$(( 55432 + RANDOM % 1000 ))
done
export P2C_TEST_POSTGRES_URL="postgresql+asyncpg://postgres@127.0.0.1:$port/postgres"
echo "with-postgres: PostgreSQL on 127.0.0.1:$port" >&2
"$@"
