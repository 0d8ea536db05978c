#!/usr/bin/env bash
# The benchmark harness of issue #9 (explained in docs/benchmarks.md). Builds in Release into
# build-bench/ with -DCXLOOP_BENCH=ON, runs each workload for a fixed time against servers it
# starts on 127.0.0.1, prints one JSON line per measurement and a table at the end, and writes
# everything to build-bench/results.json.
#
#   tests/bench/run.sh [workload...]        default: every workload, in this order
#
#   ceiling-answer   ceiling_server --mode answer: HTTP + JSON parse, 201 at once
#   ceiling-sqlite   ceiling_server --mode sqlite: one row per case, WAL, synchronous=FULL,
#                    group commit; 201 after commit
#   intake-sqlite    POST /api/v1/cases to cxloopd on SQLite (needs ceiling-sqlite, added
#                    automatically, because its figures are reported as ratios to it)
#   intake-web       the same cases posted to the web form channel's public endpoint
#                    (form-encoded, no token), ratios to ceiling-sqlite
#   ceiling-postgresql  ceiling_server --mode postgresql: one INSERT per case on a pool of
#                    BENCH_PG_POOL connections, each committed at once (PostgreSQL groups the
#                    commits); on a PostgreSQL cluster the harness starts in the run directory
#   intake-postgresql   POST /api/v1/cases to cxloopd on that cluster (storage.readers =
#                    BENCH_PG_POOL: as many read and as many write sessions); ratios to
#                    ceiling-postgresql (added automatically)
#   footprint        cxloopd start to /readyz 200 (median of 5, fresh and existing data) and
#                    idle resident memory
#   footprint-full   the same with config/cxloop.json (every bundled plugin enabled), then
#                    resident memory after BENCH_DURATION s of intake at 16 connections
#   campaign         tests/bench/campaign/campaign_bench.py: BENCH_CAMPAIGN_CUSTOMERS (10000)
#                    customers in a problem's scope told through the email and SMS notifiers
#                    into an SMTP sink and an HTTP gateway (enqueue time, dispatch rates,
#                    exactly-once); dispatch bounded by BENCH_CAMPAIGN_DISPATCH_TIMEOUT (600 s);
#                    BENCH_OUTBOX_THREADS (8, the shipped workers.outbox_threads)
#   queries          tests/bench/queries/queries_bench.py: BENCH_QUERIES_FILL (180) s of intake
#                    fill the database (or, with BENCH_QUERIES_CASES=N, N cases are written
#                    straight into it by tests/bench/queries/bulk_fill.py), then case list,
#                    case search and problem impact are timed for BENCH_DURATION s each; then
#                    the similarity index rebuild from that database at start-up
#                    ("matching-rebuild")
#   matching         tests/bench/matching/matching_bench.py: the similarity matcher's own
#                    timing over BENCH_MATCHING_CASES (1000000) generated cases, peak memory
#
# Environment: BENCH_DURATION (measured seconds, 10), BENCH_WARMUP (seconds, 2),
# BENCH_CONNECTIONS ("16 64"), BENCH_WRK_THREADS (2), BENCH_HTTP_THREADS (server pool, 128),
# BENCH_PG_POOL (PostgreSQL connections of the ceiling and of each cxloopd pool, 16),
# BENCH_WEB_RATE_LIMIT (the web form's rate_limit_per_minute; its schema maximum),
# BENCH_QUERIES_CASES (0: fill through intake), BUILD_DIR (build-bench).
set -euo pipefail
cd "$(dirname "$0")/../.."

duration=${BENCH_DURATION:-10}
warmup=${BENCH_WARMUP:-2}
read -r -a connections <<<"${BENCH_CONNECTIONS:-16 64}"
wrk_threads=${BENCH_WRK_THREADS:-2}
http_threads=${BENCH_HTTP_THREADS:-128}
build_dir=${BUILD_DIR:-build-bench}
all_workloads=(ceiling-answer ceiling-sqlite intake-sqlite intake-web ceiling-postgresql
  intake-postgresql footprint footprint-full campaign queries matching)
campaign_customers=${BENCH_CAMPAIGN_CUSTOMERS:-10000}
campaign_dispatch_timeout=${BENCH_CAMPAIGN_DISPATCH_TIMEOUT:-600}
queries_fill=${BENCH_QUERIES_FILL:-180}
queries_cases=${BENCH_QUERIES_CASES:-1000000}
pg_pool=${BENCH_PG_POOL:-16}
# The web form's own limit per client address: every bench request comes from 127.0.0.1, so
# the highest value the plugin accepts (read from its schema, so a raised maximum applies).
web_rate_limit=${BENCH_WEB_RATE_LIMIT:-$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["config_schema"]["properties"]["rate_limit_per_minute"]["maximum"])' \
  plugins/channel/web/plugin.json)}
matching_cases=${BENCH_MATCHING_CASES:-1000000}

say() { echo "bench: $*" >&2; }
die() { say "$*"; exit 1; }

# --- which workloads -------------------------------------------------------------------------
requested=("$@")
((${#requested[@]})) || requested=("${all_workloads[@]}")
for w in "${requested[@]}"; do
  [[ " ${all_workloads[*]} " == *" $w "* ]] ||
    die "unknown workload '$w'; choose from: ${all_workloads[*]}"
done
selected() { [[ " ${requested[*]} " == *" $1 "* ]]; }
workloads=()
for w in "${all_workloads[@]}"; do
  if selected "$w" || { [[ $w == ceiling-sqlite ]] && { selected intake-sqlite || selected intake-web; }; } ||
    { [[ $w == ceiling-postgresql ]] && selected intake-postgresql; }; then
    workloads+=("$w")
  fi
done

# --- packages (only the missing ones, like .ci/setup) -----------------------------------------
missing=()
packages=(wrk curl)
[[ " ${workloads[*]} " == *" ceiling-postgresql "* ]] && packages+=(postgresql)
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$pkg")
done
if ((${#missing[@]})); then
  [[ $(id -u) -eq 0 ]] || die "missing Debian packages; run as root or install: ${missing[*]}"
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=300 update -qq
  apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" \
    >/dev/null
fi
{ command -v cmake && command -v ninja; } >/dev/null ||
  die "cmake and ninja are missing: run .ci/setup (as root) first, it installs the build packages"

# --- build ----------------------------------------------------------------------------------
mkdir -p "$build_dir"
build_log="$build_dir/bench-build.log"
: >"$build_log"
say "configuring and building in Release into $build_dir (log: $build_log)"
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCXLOOP_BENCH=ON \
  >>"$build_log" 2>&1 || die "configure failed; see $build_log"
cmake --build "$build_dir" --target ceiling_server >>"$build_log" 2>&1 ||
  die "building ceiling_server failed; see $build_log"
ceiling_bin="$build_dir/bench/ceiling_server"
cxloopd_bin="$build_dir/bin/cxloopd"
cxloopctl_bin="$build_dir/bin/cxloopctl"

# Why cxloopd cannot be measured, or "" when it was built.
cxloopd_missing=""
failed_targets=()  # targets that did not build (recorded in results.json)
needs_server=false
for w in intake-sqlite intake-web intake-postgresql footprint footprint-full campaign queries; do
  selected "$w" && needs_server=true
done
if $needs_server || selected matching; then
  targets=()
  # Every plugin and tool target the build has (the footprint and campaign workloads load the
  # bundled plugins from $build_dir/plugins).
  for t in cxloopd cxloopctl cxloop-analytics-eval chat email sms web email_notifier sms_notifier \
    web_notice ivr postcard similarity webhook request_tracker email_connector; do
    grep -q "^build $t: phony" "$build_dir/build.ninja" && targets+=("$t")
  done
  if [[ " ${targets[*]} " != *" cxloopd "* ]]; then
    cxloopd_missing="the build has no cxloopd target yet"
  elif ! cmake --build "$build_dir" --target "${targets[@]}" -- -k 0 >>"$build_log" 2>&1; then
    # Everything that could be built is (-k 0). Which targets failed: each is asked again
    # (nothing to do for those that built). Without cxloopd and cxloopctl nothing runs; a
    # plugin or tool that failed only fails the workloads that load it, said here.
    for t in "${targets[@]}"; do
      cmake --build "$build_dir" --target "$t" >>"$build_log" 2>&1 || failed_targets+=("$t")
    done
    if [[ " ${failed_targets[*]} " == *" cxloopd "* || " ${failed_targets[*]} " == *" cxloopctl "* ]]; then
      cxloopd_missing="building ${failed_targets[*]} failed (see $build_log)"
    elif ((${#failed_targets[@]})); then
      say "warning: ${failed_targets[*]} did not build (see $build_log); workloads that load them will fail"
    fi
  fi
  if [[ -z $cxloopd_missing && ! -x $cxloopd_bin ]]; then
    cxloopd_missing="$cxloopd_bin was not produced by the build"
  fi
fi

# --- servers: started in the background, all stopped on exit ------------------------------
work=$(mktemp -d "$(cd "$build_dir" && pwd)/bench-run.XXXXXX")  # the project's disk, not tmpfs
server_pids=()
pg_dir=""  # set once the PostgreSQL cluster is started (start_postgresql)
cleanup() {
  local pid until=$((SECONDS + 10))
  for pid in "${server_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${server_pids[@]}"; do
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < until)); do pause 0.02; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  # pg_ctl stop -m fast, bounded by the fixture's own wait.
  [[ -z $pg_dir ]] || timeout 90 bash tests/support/postgresql/pg_fixture.sh stop "$pg_dir" \
    >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE

# A bash-only pause (no fork per poll): read with a timeout on a FIFO nobody writes to.
mkfifo "$work/tick"
exec {tick_fd}<>"$work/tick"
pause() { read -r -t "$1" -u "$tick_fd" _ || true; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# Sets found_port from the first "listening on 127.0.0.1:PORT" line of LOG (no fork).
find_port() {
  local line
  found_port=""
  while IFS= read -r line; do
    # Plugins with listeners of their own (chat) log "listening on" too; only the server's counts.
    [[ $line == *cxloop.plugins* ]] && continue
    if [[ $line =~ listening\ on\ 127\.0\.0\.1:([0-9]+) ]]; then
      found_port=${BASH_REMATCH[1]}
      return 0
    fi
  done <"$1"
  return 1
}

# start_server LOG TIMEOUT_S COMMAND...: sets server_pid and server_port once the program
# printed "listening on 127.0.0.1:PORT"; returns 1 (log tail shown) if it exits or times out.
start_server() {
  local log=$1 timeout_s=$2
  last_server=("$@")
  shift 2
  : >"$log"
  "$@" >"$log" 2>&1 &
  server_pid=$!
  server_pids+=("$server_pid")
  local until=$((SECONDS + timeout_s))
  server_port=""
  while ((SECONDS <= until)); do
    if find_port "$log"; then
      server_port=$found_port
      return 0
    fi
    kill -0 "$server_pid" 2>/dev/null || break
    pause 0.005
  done
  say "$1 did not report 'listening on 127.0.0.1:PORT' within ${timeout_s}s; its output:"
  tail -n 20 "$log" >&2
  stop_server
  return 1
}

# restart_server: stops the running server and starts it again exactly as start_server did.
restart_server() {
  local again=("${last_server[@]}")
  stop_server
  start_server "${again[@]}"
}

stop_server() {
  [[ -n ${server_pid:-} ]] || return 0
  kill -TERM "$server_pid" 2>/dev/null || true
  local until=$((SECONDS + 10))
  while kill -0 "$server_pid" 2>/dev/null && ((SECONDS < until)); do pause 0.02; done
  kill -KILL "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  local pid still=()
  for pid in "${server_pids[@]}"; do [[ $pid == "$server_pid" ]] || still+=("$pid"); done
  server_pids=("${still[@]}")
  server_pid=""
}

# True when GET /readyz answers 200; plain bash /dev/tcp so each poll costs no fork.
ready() {
  local fd line
  exec {fd}<>"/dev/tcp/127.0.0.1/$1" || return 1
  printf 'GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&"$fd"
  read -r -t 2 -u "$fd" line || line=""
  exec {fd}>&-
  [[ $line == "HTTP/1."?" 200"* ]]
}

# --- results ------------------------------------------------------------------------------
results=()
table=()
declare -A ceiling_rps ceiling_p50 ceiling_p99
field() { sed -n "s/.*\"$2\":\(-\{0,1\}[0-9.]*\).*/\1/p" <<<"$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else printf "null" }'; }
load1() { cut -d' ' -f1 /proc/loadavg; }
emit() {
  echo "$1"
  results+=("$1")
}
skip() {
  echo "$1: skipped, $2"
  emit "{\"workload\":\"$1\",\"skipped\":\"${2//\"/\'}\"}" >/dev/null
  table+=("$(printf '%-18s %s' "$1" "skipped: $2")")
}

# The ceiling each cxloopd workload is read against, and the wrk script that loads it.
declare -A ceiling_of=([intake-sqlite]=ceiling-sqlite [intake-web]=ceiling-sqlite
  [intake-postgresql]=ceiling-postgresql)
wrk_script() {
  [[ $1 == intake-web ]] && echo tests/bench/wrk/web_intake.lua || echo tests/bench/wrk/case_intake.lua
}

# measure WORKLOAD CONNECTIONS PATH [TOKEN]: warm-up run (discarded), then the measured run,
# against the server on server_port. intake-web restarts cxloopd in between (restart_server)
# so the measured run starts with the web form's rate-limit bucket full (see the doc).
measure() {
  local name=$1 conns=$2 path=$3 token=${4:-} load out extra="" script
  script=$(wrk_script "$name")
  wrk -t"$wrk_threads" -c"$conns" -d"${warmup}s" --timeout 5s -s "$script" \
    "http://127.0.0.1:$server_port$path" -- "$token" >/dev/null
  if [[ $name == intake-web ]]; then
    restart_server || die "$name: cxloopd did not start again after the warm-up"
  fi
  load=$(load1)
  out=$(wrk -t"$wrk_threads" -c"$conns" -d"${duration}s" --timeout 5s -s "$script" \
    "http://127.0.0.1:$server_port$path" -- "$token" | sed -n 's/^BENCH_RESULT //p')
  [[ -n $out ]] || die "$name: wrk printed no result"
  local rps p50 p99 errors ceiling=${ceiling_of[$name]:-} note=""
  rps=$(field "$out" rps) p50=$(field "$out" p50_ms) p99=$(field "$out" p99_ms)
  errors=$(field "$out" errors)
  case $name in
    ceiling-*) ceiling_rps[$name-$conns]=$rps ceiling_p50[$name-$conns]=$p50
               ceiling_p99[$name-$conns]=$p99 ;;
  esac
  if [[ -n $ceiling ]]; then
    local c=$ceiling-$conns
    extra=",\"ceiling\":\"$ceiling\",\"rps_ratio\":$(ratio "$rps" "${ceiling_rps[$c]:-0}")"
    extra+=",\"p50_ratio\":$(ratio "$p50" "${ceiling_p50[$c]:-0}")"
    extra+=",\"p99_ratio\":$(ratio "$p99" "${ceiling_p99[$c]:-0}")"
  fi
  if [[ $name == intake-web ]]; then
    # Refusals by the form's own rate limit (429) would make the figure meaningless: counted
    # from the plugin's metric and flagged in the table.
    local limited
    limited=$(curl -s "http://127.0.0.1:$server_port/metrics" |
      awk '/webform_refused_total/ && /rate_limited/ { n += $NF } END { print n + 0 }')
    extra+=",\"rate_limited\":$limited,\"rate_limit_per_minute\":$web_rate_limit"
    ((limited == 0)) || note="; $limited refused by the form's rate limit"
  fi
  [[ $name != *postgresql ]] || extra+=",\"pg_pool\":$pg_pool"
  emit "{\"workload\":\"$name\",\"connections\":$conns,\"rps\":$rps,\"p50_ms\":$p50,\"p99_ms\":$p99,\"errors\":$errors,\"detail\":$out,\"wrk_threads\":$wrk_threads,\"http_threads\":$http_threads,\"load1_before\":$load$extra}"
  local vs=""
  [[ -z $ceiling ]] || vs="rps x$(ratio "$rps" "${ceiling_rps[$ceiling-$conns]:-0}"), p99 x$(ratio "$p99" "${ceiling_p99[$ceiling-$conns]:-0}") of $ceiling; "
  table+=("$(printf '%-18s %5s %10s %9s %9s %7s  %s' "$name" "$conns" "$rps" "$p50" "$p99" "$errors" "${vs}load $load$note")")
}

full_plugins=false  # true: write_config adapts config/cxloop.json (every bundled plugin)
storage_json=""     # write_config's "storage" object; empty: SQLite in DATA_DIR
plugins_json=""     # write_config's "plugins" object; empty: none
write_config() {  # write_config FILE DATA_DIR
  if $full_plugins; then
    python3 tests/bench/footprint/full_config.py . "$build_dir" "$2" "$http_threads" >"$1"
    return
  fi
  local storage=${storage_json:-"{\"url\": \"sqlite:$2/cxloop.db\"}"} plugins=""
  [[ -z $plugins_json ]] || plugins=",
  \"plugins\": $plugins_json"
  cat >"$1" <<CONFIG
{
  "data_dir": "$2",
  "http": {"listen": "127.0.0.1", "port": 0, "threads": $http_threads},
  "storage": $storage$plugins
}
CONFIG
}

# start_postgresql: once per run, a PostgreSQL cluster of its own in the run directory, started
# by the test suite's fixture script (initdb, 127.0.0.1, a free port, fsync on, the default
# synchronous_commit, max_connections 200); sets pg_url. Stopped by the exit trap.
pg_url=""
start_postgresql() {
  # Started (or tried) before: succeeds only if that start did.
  [[ -z $pg_dir ]] || { [[ -n $pg_url ]]; return; }
  # As root the fixture runs the server as the "postgres" user, which must reach the directory.
  [[ $(id -u) -ne 0 ]] || chmod o+x "$work"
  pg_dir="$work/postgresql"
  if ! timeout 180 bash tests/support/postgresql/pg_fixture.sh start "$pg_dir" \
    >"$work/postgresql.log" 2>&1; then
    cat "$work/postgresql.log" >&2
    return 1
  fi
  pg_url=$(sed -n 's/^CXLOOP_TEST_PG_URL=//p' "$pg_dir/env" 2>/dev/null)
  [[ -n $pg_url ]] || { say "the fixture script wrote no CXLOOP_TEST_PG_URL to $pg_dir/env"; return 1; }
  say "$(tail -n 1 "$work/postgresql.log")"
}

# --- workloads ----------------------------------------------------------------------------
run_ceiling() {  # run_ceiling WORKLOAD MODE
  local name=$1 mode=$2 c args
  mkdir -p "$work/$name"
  args=(--mode "$mode" --threads "$http_threads")
  [[ $mode == sqlite ]] && args+=(--db "$work/$name/ceiling.db")
  if [[ $mode == postgresql ]]; then
    start_postgresql || { skip "$name" "the PostgreSQL cluster did not start (output above)"; return; }
    args+=(--db "$pg_url" --pool "$pg_pool")
  fi
  start_server "$work/$name/server.log" 30 "$ceiling_bin" "${args[@]}" ||
    die "$name: server did not start"
  for c in "${connections[@]}"; do
    measure "$name" "$c" /api/v1/cases
  done
  stop_server
}

# probe_intake BODY_FILE [TOKEN]: POSTs the sample case once; prints the HTTP status.
probe_intake() {
  local auth=()
  [[ -z ${2:-} ]] || auth=(-H "Authorization: Bearer $2")
  curl -s -o "$1" -w '%{http_code}' -X POST -H 'Content-Type: application/json' "${auth[@]}" \
    --data-binary @tests/bench/wrk/sample_case.json \
    "http://127.0.0.1:$server_port/api/v1/cases" || echo 000
}

# probe_web BODY_FILE: posts one form submission as a browser does; prints the HTTP status.
probe_web() {
  curl -s -o "$1" -w '%{http_code}' --data-urlencode name="Ana Novak" \
    --data-urlencode email=customer0001@example.com --data-urlencode product=KTL-220 \
    --data-urlencode description="Kettle leaks from the base" \
    "http://127.0.0.1:$server_port/hooks/channel/web/submissions" || echo 000
}

# run_intake WORKLOAD: intake-sqlite, intake-web (the web form on SQLite) or intake-postgresql.
run_intake() {
  local name=$1 dir="$work/$1" out status token="" c path=/api/v1/cases
  [[ -z $cxloopd_missing ]] || { skip "$name" "$cxloopd_missing"; return; }
  mkdir -p "$dir/data"
  storage_json="" plugins_json=""
  if [[ $name == intake-postgresql ]]; then
    start_postgresql || { skip "$name" "the PostgreSQL cluster did not start (output above)"; return; }
    # readers sizes both of cxloopd's PostgreSQL pools (reads and writes): the ceiling's pool.
    storage_json="{\"url\": \"$pg_url\", \"readers\": $pg_pool}"
  fi
  if [[ $name == intake-web ]]; then
    path=/hooks/channel/web/submissions
    plugins_json="{\"directories\": [\"$(cd "$build_dir" && pwd)/plugins\"], \"instances\": {\"web\": {\"plugin\": \"web\", \"settings\": {\"rate_limit_per_minute\": $web_rate_limit}}}}"
  fi
  write_config "$dir/cxloop.json" "$dir/data"
  storage_json="" plugins_json=""
  start_server "$dir/server.log" 30 "$cxloopd_bin" --config "$dir/cxloop.json" ||
    { skip "$name" "cxloopd did not start (output above)"; return; }
  if [[ $name == intake-web ]]; then
    status=$(probe_web "$dir/probe.body")
    if [[ $status != 200 ]]; then
      stop_server
      skip "$name" "probe POST $path answered $status: $(head -c 300 "$dir/probe.body" | tr -d '\n')"
      return
    fi
  else
    # First without a token: 404 means the route is not there yet (401 means it is).
    if [[ $(probe_intake "$dir/probe.body") == 404 ]]; then
      stop_server
      skip "$name" "POST /api/v1/cases not available yet"
      return
    fi
    [[ -x $cxloopctl_bin ]] || { stop_server; skip "$name" "$cxloopctl_bin is not built yet"; return; }
    if ! out=$("$cxloopctl_bin" token create --role ingest --name bench --config "$dir/cxloop.json" \
        2>"$dir/token.err"); then
      stop_server
      skip "$name" "'cxloopctl token create' not available yet ($(head -n 1 "$dir/token.err"))"
      return
    fi
    # The token is either a "token" field of JSON output or the last word printed.
    token=$(sed -n 's/.*"token" *: *"\([^"]*\)".*/\1/p' <<<"$out" | head -1)
    [[ -n $token ]] || token=$(awk 'NF { last = $NF } END { print last }' <<<"$out")
    status=$(probe_intake "$dir/probe.body" "$token")
    case $status in
      2??) ;;
      *) stop_server
         skip "$name" "probe POST /api/v1/cases answered $status: $(head -c 300 "$dir/probe.body" | tr -d '\n')"
         return ;;
    esac
  fi
  for c in "${connections[@]}"; do
    measure "$name" "$c" "$path" "$token"
  done
  local rss
  rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$server_pid/status" 2>/dev/null || true)
  emit "{\"workload\":\"$name-memory\",\"rss_after_load_kb\":${rss:-null}}"
  table+=("$(printf '%-18s resident memory after the load: %s MiB' "$name" "$((${rss:-0} / 1024))")")
  stop_server
}

# start_to_ready DIR: sets ready_ms to the milliseconds from exec to the first /readyz 200
# (bounded at 30 s); the server keeps running (server_pid) until stop_server.
start_to_ready() {
  local dir=$1 started port="" until=$((SECONDS + 30))
  mkdir -p "$dir/data"
  write_config "$dir/cxloop.json" "$dir/data"
  : >"$dir/server.log"  # a previous start's "listening on" line must not be read as this one's
  started=$(now_ms)
  "$cxloopd_bin" --config "$dir/cxloop.json" >"$dir/server.log" 2>&1 &
  server_pid=$!
  server_pids+=("$server_pid")
  # Polled without forks (bash reads and /dev/tcp), so the loop does not slow the start-up
  # it measures on a 2-core machine.
  while ((SECONDS <= until)); do
    [[ -n $port ]] || { find_port "$dir/server.log" && port=$found_port; }
    if [[ -n $port ]] && ready "$port" 2>/dev/null; then
      ready_ms=$(($(now_ms) - started))
      return 0
    fi
    kill -0 "$server_pid" 2>/dev/null || break
    pause 0.002
  done
  say "cxloopd did not answer /readyz 200 within 30 s; its output:"
  tail -n 20 "$dir/server.log" >&2
  return 1
}

median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

run_footprint() {  # run_footprint [WORKLOAD]: footprint, or footprint-full (every plugin)
  local name=${1:-footprint} fresh=() existing=() i rss=""
  full_plugins=false
  [[ $name == footprint-full ]] && full_plugins=true
  [[ -z $cxloopd_missing ]] || { skip "$name" "$cxloopd_missing"; return; }
  for i in 1 2 3 4 5; do  # a new, empty data directory each time: includes the migrations
    start_to_ready "$work/$name-fresh-$i" ||
      { stop_server; skip "$name" "cxloopd never became ready"; return; }
    fresh+=("$ready_ms")
    stop_server
  done
  for i in 1 2 3 4 5; do  # the same, already migrated data directory
    start_to_ready "$work/$name-fresh-1" ||
      { stop_server; skip "$name" "cxloopd never became ready"; return; }
    existing+=("$ready_ms")
    # Idle memory: read after the last start, once start-up work has had a moment to finish.
    if ((i == 5)); then
      pause 2
      rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$server_pid/status")
      $full_plugins && footprint_under_load "$work/$name-fresh-1/cxloop.json"
    fi
    stop_server
  done
  local m_fresh m_existing
  m_fresh=$(median "${fresh[@]}") m_existing=$(median "${existing[@]}")
  emit "{\"workload\":\"$name\",\"start_to_ready_ms_fresh\":$m_fresh,\"load1\":$(load1),\"start_to_ready_ms_existing\":$m_existing,\"runs_fresh_ms\":[$(IFS=,; echo "${fresh[*]}")],\"runs_existing_ms\":[$(IFS=,; echo "${existing[*]}")],\"rss_idle_kb\":${rss:-null}}"
  table+=("$(printf '%-18s start to /readyz: %s ms fresh, %s ms existing (median of 5); idle RSS %s MiB' \
    "$name" "$m_fresh" "$m_existing" "$((${rss:-0} / 1024))")")
}

# footprint_under_load CONFIG: BENCH_DURATION s of intake at 16 connections against the running
# server (port found_port), then its resident memory (rss_load); a line of its own.
footprint_under_load() {
  local token out load
  token=$("$cxloopctl_bin" token create --role ingest --name bench --config "$1" 2>/dev/null |
    awk 'NF { last = $NF } END { print last }')
  load=$(load1)
  out=$(wrk -t"$wrk_threads" -c16 -d"${duration}s" --timeout 5s -s tests/bench/wrk/case_intake.lua \
    "http://127.0.0.1:$found_port/api/v1/cases" -- "$token" | sed -n 's/^BENCH_RESULT //p')
  local rss_load
  rss_load=$(awk '/^VmRSS/ { print $2 }' "/proc/$server_pid/status")
  emit "{\"workload\":\"footprint-full-load\",\"connections\":16,\"rss_after_load_kb\":$rss_load,\"intake\":${out:-null},\"load1_before\":$load}"
  table+=("$(printf '%-18s resident memory after %ss of intake at 16 connections (%s req/s): %s MiB' \
    footprint-full "$duration" "$(field "$out" rps)" "$((rss_load / 1024))")")
}

# py_workload NAME COMMAND...: a workload written in Python; its JSON lines ("{...}") are
# results, its "TABLE ..." lines go to the table, the rest (progress) to stderr.
py_workload() {
  local name=$1 line failed=""
  shift
  [[ -z $cxloopd_missing ]] || { skip "$name" "$cxloopd_missing"; return; }
  mkdir -p "$work/$name"
  while IFS= read -r line; do
    case $line in
      "{"*) emit "$line" ;;
      "TABLE "*) table+=("${line#TABLE }") ;;
      "FAILED "*) failed=${line#FAILED } ;;
      *) echo "$line" >&2 ;;
    esac
  done < <("$@" 2>&1 || echo "FAILED $?")
  [[ -z $failed ]] || skip "$name" "the workload exited with status $failed (output above)"
}

# --- run ----------------------------------------------------------------------------------
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
say "machine: $(nproc) cores, $cpu; load average $load_start"
if awk -v l="${load_start%% *}" 'BEGIN { exit !(l > 0.5) }'; then
  say "warning: the machine is busy (1-minute load ${load_start%% *}); figures will be low and noisy"
fi
say "workloads: ${workloads[*]}; ${warmup}s warm-up + ${duration}s per run; connections ${connections[*]}; wrk -t$wrk_threads; server pools $http_threads threads"

for w in "${workloads[@]}"; do
  case $w in
    ceiling-answer) run_ceiling ceiling-answer answer ;;
    ceiling-sqlite) run_ceiling ceiling-sqlite sqlite ;;
    intake-sqlite | intake-web | intake-postgresql) run_intake "$w" ;;
    ceiling-postgresql) run_ceiling ceiling-postgresql postgresql ;;
    footprint) run_footprint footprint ;;
    footprint-full) run_footprint footprint-full ;;
    campaign)
      py_workload campaign python3 tests/bench/campaign/campaign_bench.py --build-dir "$build_dir" \
        --workdir "$work/campaign" --customers "$campaign_customers" \
        --dispatch-timeout "$campaign_dispatch_timeout" \
        --outbox-threads "${BENCH_OUTBOX_THREADS:-8}" ;;
    queries)
      py_workload queries python3 tests/bench/queries/queries_bench.py --build-dir "$build_dir" \
        --workdir "$work/queries" --fill-seconds "$queries_fill" --cases "$queries_cases" \
        --seconds "$duration" ;;
    matching)
      py_workload matching python3 tests/bench/matching/matching_bench.py \
        --build-dir "$build_dir" --cases "$matching_cases" ;;
  esac
done

load_end=$(cut -d' ' -f1-3 /proc/loadavg)
{
  printf '{"machine":{"nproc":%s,"cpu":"%s","load_start":"%s","load_end":"%s","date":"%s","commit":"%s"},\n' \
    "$(nproc)" "$cpu" "$load_start" "$load_end" "$(date -u +%FT%TZ)" \
    "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  printf ' "settings":{"duration_s":%s,"warmup_s":%s,"wrk_threads":%s,"http_threads":%s,"pg_pool":%s,"web_rate_limit_per_minute":%s,"queries_cases":%s,"build_failures":"%s"},\n' \
    "$duration" "$warmup" "$wrk_threads" "$http_threads" "$pg_pool" "$web_rate_limit" \
    "$queries_cases" "${failed_targets[*]:-}"
  echo ' "results":['
  for i in "${!results[@]}"; do
    printf '  %s%s\n' "${results[$i]}" "$( ((i + 1 < ${#results[@]})) && echo ,)"
  done
  echo ' ]}'
} >"$build_dir/results.json"

echo
printf '%-18s %5s %10s %9s %9s %7s  %s\n' workload conns "req/s" "p50 ms" "p99 ms" errors "vs ceiling"
printf '%s\n' "${table[@]}"
echo "load average: $load_start at start, $load_end at end; results in $build_dir/results.json"
