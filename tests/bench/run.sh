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
#   footprint        cxloopd start to /readyz 200 (median of 5, fresh and existing data) and
#                    idle resident memory
#   footprint-full   the same with config/cxloop.json (every bundled plugin enabled), then
#                    resident memory after BENCH_DURATION s of intake at 16 connections
#   campaign         tests/bench/campaign/campaign_bench.py: BENCH_CAMPAIGN_CUSTOMERS (10000)
#                    customers in a problem's scope told through the email and SMS notifiers
#                    into an SMTP sink and an HTTP gateway (enqueue time, dispatch rates,
#                    exactly-once); dispatch bounded by BENCH_CAMPAIGN_DISPATCH_TIMEOUT (600 s);
#                    BENCH_OUTBOX_THREADS (2, the shipped workers.outbox_threads)
#   queries          tests/bench/queries/queries_bench.py: BENCH_QUERIES_FILL (180) s of intake
#                    fill the database, then case list, case search and problem impact are
#                    timed for BENCH_DURATION s each; then the similarity index rebuild from
#                    that database at start-up ("matching-rebuild")
#   matching         tests/bench/matching/matching_bench.py: the similarity matcher's own
#                    timing over BENCH_MATCHING_CASES (1000000) generated cases, peak memory
#
# Environment: BENCH_DURATION (measured seconds, 10), BENCH_WARMUP (seconds, 2),
# BENCH_CONNECTIONS ("16 64"), BENCH_WRK_THREADS (2), BENCH_HTTP_THREADS (server pool, 128),
# BUILD_DIR (build-bench).
set -euo pipefail
cd "$(dirname "$0")/../.."

duration=${BENCH_DURATION:-10}
warmup=${BENCH_WARMUP:-2}
read -r -a connections <<<"${BENCH_CONNECTIONS:-16 64}"
wrk_threads=${BENCH_WRK_THREADS:-2}
http_threads=${BENCH_HTTP_THREADS:-128}
build_dir=${BUILD_DIR:-build-bench}
all_workloads=(ceiling-answer ceiling-sqlite intake-sqlite footprint footprint-full campaign queries
  matching)
campaign_customers=${BENCH_CAMPAIGN_CUSTOMERS:-10000}
campaign_dispatch_timeout=${BENCH_CAMPAIGN_DISPATCH_TIMEOUT:-600}
queries_fill=${BENCH_QUERIES_FILL:-180}
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
  if selected "$w" || { [[ $w == ceiling-sqlite ]] && selected intake-sqlite; }; then
    workloads+=("$w")
  fi
done

# --- packages (only the missing ones, like .ci/setup) -----------------------------------------
missing=()
for pkg in wrk curl; do
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
needs_server=false
for w in intake-sqlite footprint footprint-full campaign queries; do
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
  elif ! cmake --build "$build_dir" --target "${targets[@]}" >>"$build_log" 2>&1; then
    cxloopd_missing="building ${targets[*]} failed (see $build_log)"
  elif [[ ! -x $cxloopd_bin ]]; then
    cxloopd_missing="$cxloopd_bin was not produced by the build"
  fi
fi

# --- servers: started in the background, all stopped on exit ------------------------------
work=$(mktemp -d "$(cd "$build_dir" && pwd)/bench-run.XXXXXX")  # the project's disk, not tmpfs
server_pids=()
cleanup() {
  local pid until=$((SECONDS + 10))
  for pid in "${server_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${server_pids[@]}"; do
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < until)); do pause 0.02; done
    kill -KILL "$pid" 2>/dev/null || true
  done
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
  table+=("$(printf '%-16s %s' "$1" "skipped: $2")")
}

# measure WORKLOAD CONNECTIONS URL [TOKEN]: warm-up run (discarded), then the measured run.
measure() {
  local name=$1 conns=$2 url=$3 token=${4:-} load out extra=""
  wrk -t"$wrk_threads" -c"$conns" -d"${warmup}s" --timeout 5s -s tests/bench/wrk/case_intake.lua \
    "$url" -- "$token" >/dev/null
  load=$(load1)
  out=$(wrk -t"$wrk_threads" -c"$conns" -d"${duration}s" --timeout 5s \
    -s tests/bench/wrk/case_intake.lua "$url" -- "$token" | sed -n 's/^BENCH_RESULT //p')
  [[ -n $out ]] || die "$name: wrk printed no result"
  local rps p50 p99 errors
  rps=$(field "$out" rps) p50=$(field "$out" p50_ms) p99=$(field "$out" p99_ms)
  errors=$(field "$out" errors)
  case $name in
    ceiling-*) ceiling_rps[$name-$conns]=$rps ceiling_p50[$name-$conns]=$p50
               ceiling_p99[$name-$conns]=$p99 ;;
    intake-sqlite)
      local c=ceiling-sqlite-$conns
      extra=",\"ceiling\":\"ceiling-sqlite\",\"rps_ratio\":$(ratio "$rps" "${ceiling_rps[$c]:-0}")"
      extra+=",\"p50_ratio\":$(ratio "$p50" "${ceiling_p50[$c]:-0}")"
      extra+=",\"p99_ratio\":$(ratio "$p99" "${ceiling_p99[$c]:-0}")" ;;
  esac
  emit "{\"workload\":\"$name\",\"connections\":$conns,\"rps\":$rps,\"p50_ms\":$p50,\"p99_ms\":$p99,\"errors\":$errors,\"detail\":$out,\"wrk_threads\":$wrk_threads,\"http_threads\":$http_threads,\"load1_before\":$load$extra}"
  local vs=""
  [[ -n $extra ]] && vs="rps x$(ratio "$rps" "${ceiling_rps[ceiling-sqlite-$conns]:-0}"), p99 x$(ratio "$p99" "${ceiling_p99[ceiling-sqlite-$conns]:-0}") of ceiling-sqlite"
  table+=("$(printf '%-16s %5s %10s %9s %9s %7s  %s' "$name" "$conns" "$rps" "$p50" "$p99" "$errors" "$vs")")
}

full_plugins=false  # true: write_config adapts config/cxloop.json (every bundled plugin)
write_config() {  # write_config FILE DATA_DIR
  if $full_plugins; then
    python3 tests/bench/footprint/full_config.py . "$build_dir" "$2" "$http_threads" >"$1"
    return
  fi
  cat >"$1" <<EOF
{
  "data_dir": "$2",
  "http": {"listen": "127.0.0.1", "port": 0, "threads": $http_threads},
  "storage": {"url": "sqlite:$2/cxloop.db"}
}
EOF
}

# --- workloads ----------------------------------------------------------------------------
run_ceiling() {  # run_ceiling WORKLOAD MODE
  local name=$1 mode=$2 c args
  mkdir -p "$work/$name"
  args=(--mode "$mode" --threads "$http_threads")
  [[ $mode == sqlite ]] && args+=(--db "$work/$name/ceiling.db")
  start_server "$work/$name/server.log" 10 "$ceiling_bin" "${args[@]}" ||
    die "$name: server did not start"
  for c in "${connections[@]}"; do
    measure "$name" "$c" "http://127.0.0.1:$server_port/api/v1/cases"
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

run_intake_sqlite() {
  local name=intake-sqlite dir="$work/intake-sqlite" out status token c
  [[ -z $cxloopd_missing ]] || { skip "$name" "$cxloopd_missing"; return; }
  mkdir -p "$dir/data"
  write_config "$dir/cxloop.json" "$dir/data"
  start_server "$dir/server.log" 30 "$cxloopd_bin" --config "$dir/cxloop.json" ||
    { skip "$name" "cxloopd did not start (output above)"; return; }
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
  for c in "${connections[@]}"; do
    measure "$name" "$c" "http://127.0.0.1:$server_port/api/v1/cases" "$token"
  done
  local rss
  rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$server_pid/status" 2>/dev/null || true)
  emit "{\"workload\":\"$name-memory\",\"rss_after_load_kb\":${rss:-null}}"
  table+=("$(printf '%-16s resident memory after the load: %s MiB' "$name" "$((${rss:-0} / 1024))")")
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
  table+=("$(printf '%-16s start to /readyz: %s ms fresh, %s ms existing (median of 5); idle RSS %s MiB' \
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
  table+=("$(printf '%-16s resident memory after %ss of intake at 16 connections (%s req/s): %s MiB' \
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
    intake-sqlite) run_intake_sqlite ;;
    footprint) run_footprint footprint ;;
    footprint-full) run_footprint footprint-full ;;
    campaign)
      py_workload campaign python3 tests/bench/campaign/campaign_bench.py --build-dir "$build_dir" \
        --workdir "$work/campaign" --customers "$campaign_customers" \
        --dispatch-timeout "$campaign_dispatch_timeout" \
        --outbox-threads "${BENCH_OUTBOX_THREADS:-2}" ;;
    queries)
      py_workload queries python3 tests/bench/queries/queries_bench.py --build-dir "$build_dir" \
        --workdir "$work/queries" --fill-seconds "$queries_fill" --seconds "$duration" ;;
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
  printf ' "settings":{"duration_s":%s,"warmup_s":%s,"wrk_threads":%s,"http_threads":%s},\n' \
    "$duration" "$warmup" "$wrk_threads" "$http_threads"
  echo ' "results":['
  for i in "${!results[@]}"; do
    printf '  %s%s\n' "${results[$i]}" "$( ((i + 1 < ${#results[@]})) && echo ,)"
  done
  echo ' ]}'
} >"$build_dir/results.json"

echo
printf '%-16s %5s %10s %9s %9s %7s  %s\n' workload conns "req/s" "p50 ms" "p99 ms" errors "vs ceiling"
printf '%s\n' "${table[@]}"
echo "load average: $load_start at start, $load_end at end; results in $build_dir/results.json"
