#!/usr/bin/env bash
# Starts and stops a real Request Tracker 5 (Debian's request-tracker5 with SQLite and the
# standalone Plack server) for the request_tracker connector tests, on 127.0.0.1 only.
# Everything lives under DIR: a private site config (RT_SITE_CONFIG / RT_SITE_CONFIG_DIR,
# so /etc/request-tracker5 is never read), the SQLite database, Mason's caches, the session
# store, the log and the mail RT would send (an mbox file; nothing reaches an MTA).
# Usage: rt_fixture.sh start|stop DIR
# start writes DIR/env (KEY=value lines) with the URL, the queue and the credentials; stop
# ends the server and tolerates a server that is already gone.
set -euo pipefail

python=/usr/bin/python3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
rt_lib=/usr/share/request-tracker5/lib
rt_server=/usr/share/request-tracker5/libexec/rt-server
rt_setup_database=/usr/sbin/rt-setup-database-5

queue=cxloop-tests
# A second queue, for tasks whose department's connector settings name their own queue.
department_queue=cxloop-finance
connector_user=cxloop
connector_password=connector-secret
root_password=root-secret

die() {
  echo "rt_fixture: $*" >&2
  exit 1
}

usage() {
  echo "usage: $0 start|stop DIR" >&2
  exit 2
}

require_packages() {
  local missing=()
  [[ -x $python ]] || missing+=(python3)
  [[ -x $rt_setup_database && -d $rt_lib ]] || missing+=(request-tracker5)
  perl -e 'use DBD::SQLite' 2>/dev/null || missing+=(rt5-db-sqlite)
  perl -e 'use Starlet' 2>/dev/null || missing+=(rt5-standalone)
  if ((${#missing[@]})); then
    die "missing Debian packages: ${missing[*]} (install them with '.ci/setup --tests' as root, or apt-get install ${missing[*]})"
  fi
}

# The pid in FILE, if that process is still alive and runs rt-server (so a pid reused by
# an unrelated process is never signalled).
live_pid() {
  local file=$1 pid
  [[ -f $file ]] || return 1
  pid=$(<"$file")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ -r /proc/$pid/cmdline ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "rt-server" || return 1
  echo "$pid"
}

# rt-server runs in a session of its own (setsid): TERM goes to its whole process group,
# the Starlet master and its workers. KILL after 15 s.
stop_server() {
  local dir=$1 pid
  if pid=$(live_pid "$dir/rt-server.pid"); then
    kill -TERM -- "-$pid" 2>/dev/null || true
    for _ in $(seq 150); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "rt_fixture: rt-server (pid $pid) ignored TERM for 15 s; killing it" >&2
      kill -KILL -- "-$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$dir/rt-server.pid" "$dir/env"
}

free_port() {
  "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

write_site_config() {
  local dir=$1 port=$2
  mkdir -p "$dir/etc/RT_SiteConfig.d" "$dir/mason_data" "$dir/session_data" "$dir/log"
  cat >"$dir/etc/RT_SiteConfig.pm" <<EOF
# Written by tests/support/request_tracker/rt_fixture.sh for one test run.
Set(\$rtname, 'cxloop-test');
Set(\$Organization, 'cxloop.test');
Set(\$Timezone, 'UTC');
Set(\$WebDomain, '127.0.0.1');
Set(\$WebPort, $port);
Set(\$WebPath, '');
Set(\$WebBaseURL, 'http://127.0.0.1:$port');
Set(\$DatabaseType, 'SQLite');
Set(\$DatabaseName, '$dir/rt.db');
Set(\$LogToSyslog, undef);
Set(\$LogToSTDERR, 'error');
Set(\$LogToFile, 'warning');
Set(\$LogDir, '$dir/log');
Set(\$LogToFileNamed, 'rt.log');
Set(\$CorrespondAddress, 'rt\@cxloop.test');
Set(\$CommentAddress, 'rt-comment\@cxloop.test');
# Mail RT would send goes to an mbox file under LogDir instead of an MTA.
Set(\$MailCommand, 'mbox');
# Where RT's generated paths would otherwise point into /var.
\$RT::MasonDataDir = '$dir/mason_data';
\$RT::MasonSessionDir = '$dir/session_data';
1;
EOF
}

# Waits until RT's REST 2 API answers an authenticated request. Returns 1 when rt-server
# exited (e.g. someone took the port between free_port and its bind); fails after 60 s.
wait_for_rt() {
  local dir=$1 url=$2 pid=$3 deadline=$((SECONDS + 60))
  while ((SECONDS < deadline)); do
    if "$python" - "$url/REST/2.0/queues/all" "$connector_user" "$connector_password" <<'EOF' 2>/dev/null; then
import base64, sys, urllib.request
request = urllib.request.Request(sys.argv[1])
credentials = base64.b64encode(f"{sys.argv[2]}:{sys.argv[3]}".encode()).decode()
request.add_header("Authorization", "Basic " + credentials)
with urllib.request.urlopen(request, timeout=5) as response:
    sys.exit(0 if response.status == 200 else 1)
EOF
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  die "RT did not answer $url/REST/2.0/ within 60 s; see $dir/rt-server.log and $dir/log/rt.log"
}

start_server() {
  local dir=$1 port url token pid
  require_packages
  stop_server "$dir"
  rm -rf "$dir/etc" "$dir/mason_data" "$dir/session_data" "$dir/log" "$dir/rt.db" \
    "$dir/rt-server.log"
  # Anything that fails from here on (die exits) leaves no server behind.
  trap 'stop_server "$dir"' EXIT
  port=$(free_port)
  url="http://127.0.0.1:$port"
  write_site_config "$dir" "$port"
  export RT_SITE_CONFIG="$dir/etc/RT_SiteConfig.pm"
  export RT_SITE_CONFIG_DIR="$dir/etc/RT_SiteConfig.d"

  # --skip-create: SQLite needs no CREATE DATABASE (and no DBA); the file is made on first use.
  "$rt_setup_database" --action init --skip-create </dev/null >"$dir/setup-database.log" 2>&1 ||
    { cat "$dir/setup-database.log" >&2; die "rt-setup-database-5 failed; its output is above"; }
  token=$(perl "$here/rt_setup.pl" "$queue,$department_queue" "$connector_user" "$connector_password" \
    "$root_password" 2>"$dir/rt-setup.log") ||
    { cat "$dir/rt-setup.log" >&2; die "rt_setup.pl failed; its output is above"; }
  [[ $token =~ ^1-[0-9]+-[0-9a-f]+$ ]] || die "rt_setup.pl printed no auth token (got '$token')"

  # setsid and closed standard streams: the server must outlive this script and must not
  # hold CTest's output pipe open. Starlet prefork with two workers: the tests' requests
  # come one at a time, and each worker is a full RT in memory. rt-server cannot report a
  # port it chose itself, so a port taken meanwhile by a parallel test means another try.
  for attempt in 1 2 3; do
    setsid "$rt_server" --host 127.0.0.1 --port "$port" --max-workers 2 \
      </dev/null >"$dir/rt-server.log" 2>&1 &
    pid=$!
    echo "$pid" >"$dir/rt-server.pid"
    wait_for_rt "$dir" "$url" "$pid" && break
    grep -q "couldn't start up a web server" "$dir/rt-server.log" && ((attempt < 3)) || {
      cat "$dir/rt-server.log" >&2
      die "rt-server exited at start; its output is above and in $dir/rt-server.log"
    }
    port=$(free_port)
    url="http://127.0.0.1:$port"
    write_site_config "$dir" "$port"
  done
  trap - EXIT

  cat >"$dir/env.partial" <<EOF
CXLOOP_TEST_RT_URL=$url
CXLOOP_TEST_RT_QUEUE=$queue
CXLOOP_TEST_RT_DEPARTMENT_QUEUE=$department_queue
CXLOOP_TEST_RT_TOKEN=$token
CXLOOP_TEST_RT_USER=$connector_user
CXLOOP_TEST_RT_PASSWORD=$connector_password
CXLOOP_TEST_RT_STAFF_USER=root
CXLOOP_TEST_RT_STAFF_PASSWORD=$root_password
CXLOOP_TEST_RT_DIR=$dir
EOF
  mv "$dir/env.partial" "$dir/env"
  echo "rt_fixture: Request Tracker at $url (queue $queue); settings in $dir/env"
}

[[ $# -eq 2 ]] || usage
case $1 in
  start)
    mkdir -p "$2"
    start_server "$(cd "$2" && pwd)"
    ;;
  stop)
    if [[ -d $2 ]]; then
      stop_server "$(cd "$2" && pwd)"
    fi
    echo "rt_fixture: no Request Tracker of $2 is running any more"
    ;;
  *) usage ;;
esac
