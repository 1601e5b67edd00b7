-- Submit answers: every request uses the cookies of a fresh token whose draft is complete
-- (one cookie header per line in the file named by LYSSNA_COOKIES). Each thread takes every
-- LYSSNA_THREADS-th line, and stops when its share runs out.
local threads = {}
local counter = 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local cookies, i, step = {}, 0, 1
good, bad = 0, 0  -- globals: done() reads them with thread:get
function init(args)
  for line in io.lines(os.getenv("LYSSNA_COOKIES")) do table.insert(cookies, line) end
  step = tonumber(os.getenv("LYSSNA_THREADS"))
  i = tid + 1
end

function request()
  local cookie = cookies[i]
  if cookie == nil then
    wrk.thread:stop()
    cookie = cookies[1]
  end
  i = i + step
  return wrk.format("POST", "/s/review", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = cookie,
  }, "nav=submit")
end

function response(status, headers, body)
  if status == 303 and headers["location"] == "/s/thanks" then good = good + 1
  else bad = bad + 1 end
end

function done(summary, latency, requests)
  local g, b = 0, 0
  for _, t in ipairs(threads) do g = g + t:get("good"); b = b + t:get("bad") end
  io.write(string.format("LYSSNA good=%d bad=%d duration_us=%d\n", g, b, summary.duration))
end
