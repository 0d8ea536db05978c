-- wrk script for the intake workloads: every request is a POST of a realistic case body
-- (about 400 bytes of JSON) to the URL given on the wrk command line (/api/v1/cases).
--
--   wrk -t1 -c64 -d10s -s case_intake.lua http://127.0.0.1:PORT/api/v1/cases [-- BEARER_TOKEN]
--
-- Subjects, message texts, products and channels vary per request (case_generator.lua, with
-- the texts of case_texts.lua); 30% of the requests come from returning customers. The body
-- follows the CaseIntake schema of the REST API (kernel/api/openapi.json).
-- done() prints one line "BENCH_RESULT {json}" that tests/bench/run.sh reads.

dofile("tests/bench/wrk/case_generator.lua")

local body_format = '{"channel":"%s","customer":{"email":"%s","name":"%s"},'
  .. '"subject":"%s","body":"%s","category":"%s","sku":"%s","batch":"%s",'
  .. '"priority":"normal"}'

local threads = {}  -- only used in the main Lua state, by setup()

function setup(thread)
  table.insert(threads, thread)
  thread:set("bench_thread", #threads)  -- becomes a global in that thread's Lua state
end

function init(args)
  case_generator_init(bench_thread)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  if args[1] and args[1] ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. args[1]
  end
end

function request()
  local c = next_case()
  local body = string.format(body_format, c.channel, c.email, c.name, c.subject, c.body,
    c.category, c.sku, c.batch)
  return wrk.format(nil, nil, nil, body)
end

dofile("tests/bench/wrk/bench_result.lua")

function done(summary, latency, requests)
  bench_result(summary, latency)
end
