-- Save a questionnaire page: the form a phone posts, with the draft's cookies (env LYSSNA_COOKIE).
wrk.method = "POST"
wrk.body = "nav=next&course_understood=4&course_useful=3&course_respect=5"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = os.getenv("LYSSNA_COOKIE")

local threads = {}
function setup(thread) table.insert(threads, thread) end

good, bad = 0, 0  -- globals: done() reads them with thread:get
function response(status, headers, body)
  if status == 303 then good = good + 1 else bad = bad + 1 end
end

function done(summary, latency, requests)
  local g, b = 0, 0
  for _, t in ipairs(threads) do g = g + t:get("good"); b = b + t:get("bad") end
  io.write(string.format("LYSSNA good=%d bad=%d duration_us=%d\n", g, b, summary.duration))
end
