#!/usr/bin/env bash
# Starts or stops a throw-away PostgreSQL server for the tests.
#   pg_fixture.sh start DIR   initdb in DIR/data, listen on 127.0.0.1 on a free port, create a
#                             database and user, and write DIR/env with CXLOOP_TEST_PG_URL
#   pg_fixture.sh stop DIR    stop that server and delete its data
# Uses the Debian server binaries (package "postgresql"). When run as root, the server runs
# as the "postgres" system user, which owns DIR.
set -euo pipefail

action="${1:-}"
dir="${2:-}"
if [[ -z "$action" || -z "$dir" ]]; then
  echo "usage: $0 start|stop DIR" >&2
  exit 2
fi
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
data="$dir/data"

bindir=""
for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
  if [[ -x "$candidate/initdb" && -x "$candidate/pg_ctl" ]]; then
    bindir="$candidate"
    break
  fi
done
if [[ -z "$bindir" ]]; then
  echo "PostgreSQL server binaries (initdb, pg_ctl) not found under /usr/lib/postgresql/*/bin." >&2
  echo "Install the Debian package 'postgresql' (apt-get install postgresql), as the project's setup script does." >&2
  exit 1
fi

as_server=()
if [[ "$(id -u)" == "0" ]]; then
  as_server=(runuser -u postgres --)
fi

stop_server() {
  if [[ -f "$data/postmaster.pid" ]]; then
    "${as_server[@]}" "$bindir/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
  fi
}

free_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' && return
  fi
  # Fallback: a random high port nobody answers on.
  local port
  for _ in $(seq 1 100); do
    port=$((20000 + RANDOM % 30000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
  echo "no free port found on 127.0.0.1" >&2
  exit 1
}

case "$action" in
  start)
    # A server left over from an interrupted run is replaced.
    stop_server
    rm -rf "$data" "$dir/env" "$dir/socket"
    mkdir -p "$dir/socket"
    if [[ "$(id -u)" == "0" ]]; then
      chown -R postgres: "$dir"
    fi
    password="cxloop-test-$RANDOM$RANDOM"
    printf '%s\n' "$password" > "$dir/superuser-password"
    "${as_server[@]}" "$bindir/initdb" -D "$data" -U cxloop_admin --pwfile="$dir/superuser-password" \
      --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2
        exit 1
      }
    port="$(free_port)"
    # fsync stays on: the repository tests exercise durable commits.
    "${as_server[@]}" "$bindir/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir/socket -c fsync=on -c max_connections=200" \
      start >/dev/null || {
        cat "$dir/server.log" >&2
        exit 1
      }
    "${as_server[@]}" "$bindir/psql" -h "$dir/socket" -p "$port" -U cxloop_admin -d postgres \
      -v ON_ERROR_STOP=1 -q \
      -c "CREATE ROLE cxloop LOGIN PASSWORD '$password'" \
      -c "CREATE DATABASE cxloop_test OWNER cxloop" >/dev/null
    if ! "$bindir/pg_isready" -h 127.0.0.1 -p "$port" -t 30 >/dev/null; then
      echo "PostgreSQL did not become ready on 127.0.0.1:$port; see $dir/server.log" >&2
      exit 1
    fi
    echo "CXLOOP_TEST_PG_URL=postgresql://cxloop:$password@127.0.0.1:$port/cxloop_test" > "$dir/env"
    echo "PostgreSQL $(basename "$(dirname "$bindir")") listening on 127.0.0.1:$port (data in $data)"
    ;;
  stop)
    stop_server
    rm -rf "$data" "$dir/env" "$dir/socket"
    echo "PostgreSQL stopped"
    ;;
  *)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
