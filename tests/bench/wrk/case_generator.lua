-- The cases the intake wrk scripts send (case_intake.lua through the REST API, web_intake.lua
-- through the web form): texts from case_texts.lua, a realistic mix of customers. 30% of the
-- cases come from returning customers (one of 1000 fixed e-mail addresses, so the server finds
-- an existing customer); the rest from new customers whose address is unique to this run.
-- tests/bench/queries/bulk_fill.py makes the same mix when it writes cases straight into a
-- database. Loaded with dofile() (paths relative to the repository root, where wrk runs).

local texts = dofile("tests/bench/wrk/case_texts.lua")
local returning_share = 0.30
local returning_customers = 1000

local counter = 0
local thread_id = 0
local run_id = 0

local function pick(list)
  return list[math.random(#list)]
end

-- Called from each wrk thread's init(): seeds this thread's random numbers and addresses.
function case_generator_init(thread)
  thread_id = thread or 1
  run_id = os.time()
  math.randomseed(run_id * 100 + thread_id)
end

-- The next case: a table of channel, email, name, subject, body, category, sku, batch and
-- order (the number written into subject and body).
function next_case()
  counter = counter + 1
  local email
  if math.random() < returning_share then
    email = string.format("customer%04d@example.com", math.random(returning_customers) - 1)
  else
    email = string.format("new-%d-%d-%d@example.org", run_id, thread_id, counter)
  end
  local problem = pick(texts.problems)
  local order = math.random(100000, 999999)
  return {
    channel = pick(texts.channels),
    email = email,
    name = pick(texts.first_names) .. " " .. pick(texts.last_names),
    subject = string.format(problem[3], order),
    body = string.format(problem[4], order),
    category = problem[1],
    sku = problem[2],
    batch = string.format("B%02d%02d", math.random(24, 26), math.random(1, 52)),
    order = order,
  }
end
