#!/usr/bin/env bash
# Starts Debian's PostgreSQL for the tests on 127.0.0.1 only, in a data folder and on a port of its
# own, as the postgres user (Postgres refuses to run as root). Installs it from Debian if missing.
# Prints `export AUTHBUS_TEST_DATABASE_URL=…` for eval; `stop` stops it.
set -euo pipefail
port="${AUTHBUS_TEST_PG_PORT:-55432}"
dir="${AUTHBUS_TEST_PG_DIR:-/tmp/authbus-test-postgres}"

bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
if [ "${1:-}" = "stop" ]; then
  [ -n "$bindir" ] && [ -d "$dir/data" ] && runuser -u postgres -- "$bindir/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
  exit 0
fi
if [ -z "$bindir" ]; then
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  bindir="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
fi

if ! runuser -u postgres -- "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" 2>/dev/null; then
  rm -rf "$dir"
  mkdir -p "$dir"
  chown postgres "$dir"
  # trust: only this machine's loopback can connect, and each test makes and drops its own database.
  runuser -u postgres -- "$bindir/initdb" -D "$dir/data" -A trust -U postgres >"$dir/initdb.log" 2>&1
  runuser -u postgres -- "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=300 -c fsync=off" start >&2
fi
echo "export AUTHBUS_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$port/postgres"
