-- The result line every wrk script of the harness prints from done(): "BENCH_RESULT {json}",
-- read by tests/bench/run.sh and the Python workloads. Loaded with dofile() by the scripts
-- (paths relative to the repository root, where the harness runs wrk).
function bench_result(summary, latency)
  local errors = summary.errors
  local socket_errors = errors.connect + errors.read + errors.write + errors.timeout
  local seconds = summary.duration / 1e6
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_s":%.2f,"rps":%.1f,"p50_ms":%.3f,"p90_ms":%.3f,'
      .. '"p99_ms":%.3f,"max_ms":%.3f,"non2xx":%d,"socket_errors":%d,"errors":%d}\n',
    summary.requests, seconds, summary.requests / seconds, latency:percentile(50) / 1000,
    latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    errors.status, socket_errors, errors.status + socket_errors))
end
