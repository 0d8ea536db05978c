-- wrk script for the query workloads: GETs a list of paths in turn (each wrk thread starts at
-- its own offset), with a bearer token.
--
--   wrk -t1 -c1 -d10s -s query_get.lua http://127.0.0.1:PORT -- TOKEN PATH [PATH...]
--
-- Several paths let one run vary the search words, so no single query's pages stay hotter
-- in the caches than a real mix would. done() prints "BENCH_RESULT {json}" (bench_result.lua).

local paths = {}
local next_path = 1

function setup(thread)
  thread:set("bench_offset", next_path)
  next_path = next_path + 1
end

function init(args)
  wrk.headers["Authorization"] = "Bearer " .. args[1]
  for i = 2, #args do
    table.insert(paths, args[i])
  end
  next_path = bench_offset or 1
end

function request()
  local path = paths[(next_path - 1) % #paths + 1]
  next_path = next_path + 1
  return wrk.format("GET", path)
end

dofile("tests/bench/wrk/bench_result.lua")

function done(summary, latency, requests)
  bench_result(summary, latency)
end
