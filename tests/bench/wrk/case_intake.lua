-- wrk script for the intake workloads: every request is a POST of a realistic case body
-- (about 400 bytes of JSON) to the URL given on the wrk command line (/api/v1/cases).
--
--   wrk -t1 -c64 -d10s -s case_intake.lua http://127.0.0.1:PORT/api/v1/cases [-- BEARER_TOKEN]
--
-- Subjects, message texts, products and channels vary per request. The body follows the
-- CaseIntake schema of the REST API (kernel/api/openapi.json). 30% of the requests come
-- from returning customers (one of 1000 fixed e-mail addresses, so the server finds an
-- existing customer); the rest from new customers whose address is unique to this run.
-- done() prints one line "BENCH_RESULT {json}" that tests/bench/run.sh reads.

local returning_share = 0.30
local returning_customers = 1000

local first_names = { "Ana", "Ben", "Chloe", "Dmitri", "Elif", "Farah", "Goran", "Hana",
  "Ivo", "Jana", "Kofi", "Lena", "Mateo", "Nora", "Omar", "Pia", "Quinn", "Rosa", "Sven", "Tariq" }
local last_names = { "Novak", "Schmidt", "Okafor", "Lindqvist", "Moreau", "Tanaka", "Silva",
  "Kowalski", "Haddad", "Jensen", "Rossi", "Yilmaz", "Byrne", "Costa", "Ivanova", "Weber" }
local channels = { "web", "web", "web", "email", "email", "chat", "sms", "phone" }

-- Each problem: category, product, subject and message text, so that similar cases exist
-- across customers and channels (what the analytics side groups into problems).
local problems = {
  { "shipping", "BLD-500", "Order %d has not arrived",
    "I ordered the blender two weeks ago and the tracking page has said in transit since the"
      .. " first day. The courier says it was never handed over. Order number %d, please send"
      .. " it again or refund me." },
  { "product_quality", "KTL-220", "Kettle KTL-220 leaks from the base (order %d)",
    "After about ten days of use the kettle leaks water from the base onto the counter when it"
      .. " is filled above one litre. It is a safety worry with the power cable so close by."
      .. " Order %d." },
  { "billing", "SUB-PLUS", "Charged twice this month, invoice %d",
    "My card was charged twice for the Plus subscription this month, on the 1st and on the"
      .. " 3rd. The second charge has the same amount and reference as invoice %d. Please"
      .. " refund the duplicate." },
  { "documentation", "VAC-X2", "Manual for VAC-X2 shows the wrong filter (order %d)",
    "The printed manual says to replace filter type F3 but the vacuum only accepts the F4"
      .. " filter; I bought the wrong part because of it. The diagram on page 12 also shows a"
      .. " different model. Order %d." },
  { "product_quality", "HDP-7", "Headphones HDP-7 right side silent (order %d)",
    "The right ear cup stopped producing sound after a week, both over cable and Bluetooth."
      .. " I tried a reset as the website describes and another phone, no change. Bought"
      .. " with order %d." },
  { "shipping", "LMP-40", "Wrong item delivered for order %d",
    "The box for order %d contained a desk lamp in black instead of the white one I chose."
      .. " The packing slip shows white. I need the right colour before the end of the month,"
      .. " please arrange an exchange." },
}

local body_format = '{"channel":"%s","customer":{"email":"%s","name":"%s %s"},'
  .. '"subject":"%s","body":"%s","category":"%s","sku":"%s","batch":"%s",'
  .. '"priority":"normal"}'

local threads = {}  -- only used in the main Lua state, by setup()
local counter = 0
local thread_id = 0
local run_id = 0

function setup(thread)
  table.insert(threads, thread)
  thread:set("bench_thread", #threads)  -- becomes a global in that thread's Lua state
end

function init(args)
  thread_id = bench_thread or 1
  run_id = os.time()
  math.randomseed(run_id * 100 + thread_id)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  if args[1] and args[1] ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. args[1]
  end
end

local function pick(list)
  return list[math.random(#list)]
end

function request()
  counter = counter + 1
  local email
  if math.random() < returning_share then
    email = string.format("customer%04d@example.com", math.random(returning_customers) - 1)
  else
    email = string.format("new-%d-%d-%d@example.org", run_id, thread_id, counter)
  end
  local problem = pick(problems)
  local order = math.random(100000, 999999)
  local body = string.format(body_format, pick(channels), email, pick(first_names),
    pick(last_names), string.format(problem[3], order), string.format(problem[4], order),
    problem[1], problem[2], string.format("B%02d%02d", math.random(24, 26), math.random(1, 52)))
  return wrk.format(nil, nil, nil, body)
end

dofile("tests/bench/wrk/bench_result.lua")

function done(summary, latency, requests)
  bench_result(summary, latency)
end
