-- wrk script for the intake-web workload: every request posts the web form channel's public
-- endpoint (plugins/channel/web, POST /hooks/channel/<instance>/submissions) as a browser
-- sends the form page: application/x-www-form-urlencoded, no token, answered with the
-- thank-you page (200).
--
--   wrk -t1 -c64 -d10s -s web_intake.lua http://127.0.0.1:PORT/hooks/channel/web/submissions
--
-- The same cases as case_intake.lua (case_generator.lua): the description's first line is the
-- subject (the form makes the case subject from it), the product is the SKU, the order number
-- its own field, and every post carries a fresh submission_id as the form page embeds one
-- (so the channel's duplicate check runs as it does for people). The honeypot field
-- "website" is never sent. done() prints "BENCH_RESULT {json}" (bench_result.lua).

dofile("tests/bench/wrk/case_generator.lua")

local threads = {}
local counter = 0
local thread_id = 0
local run_id = 0

function setup(thread)
  table.insert(threads, thread)
  thread:set("bench_thread", #threads)
end

function init(args)
  case_generator_init(bench_thread)
  thread_id = bench_thread or 1
  run_id = os.time()
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

local function encode(text)
  return (string.gsub(text, "[^%w%-%._~]", function(ch)
    return string.format("%%%02X", string.byte(ch))
  end))
end

function request()
  local c = next_case()
  counter = counter + 1
  local body = "name=" .. encode(c.name) .. "&email=" .. encode(c.email)
    .. "&product=" .. encode(c.sku) .. "&order_number=" .. c.order
    .. "&description=" .. encode(c.subject .. "\n" .. c.body)
    .. "&submission_id=" .. string.format("bench-%d-%d-%d", run_id, thread_id, counter)
  return wrk.format(nil, nil, nil, body)
end

dofile("tests/bench/wrk/bench_result.lua")

function done(summary, latency, requests)
  bench_result(summary, latency)
end
