-- wrk script for bench/views.py: GET a fixed list of paths in turn, with a session cookie.
--
--   wrk -t1 -c4 -d10s -s bench/rotate.lua http://127.0.0.1:8000 -- PATHS_FILE COOKIE USER_AGENT
--
-- PATHS_FILE has one path per line. COOKIE is sent as the Cookie header ("" for none) and
-- USER_AGENT as User-Agent: the wiki's login sessions are bound to the browser (flask-login's
-- "strong" session protection), so it must be the one the login was made with.
-- Responses other than 200 are counted and reported: a redirect to the login page would
-- otherwise look like a fast page view. Responses that carry a Set-Cookie header are counted
-- too: wrk sends the same cookie every time, so the cookie must be the one a browser holds
-- once it has settled (views.py makes sure of that), or every reply is a session cookie
-- signed again, a cost that a browser's page views would not have.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  paths = {}
  for line in io.lines(args[1]) do
    if #line > 0 then table.insert(paths, line) end
  end
  headers = {}
  if args[2] and #args[2] > 0 then headers["Cookie"] = args[2] end
  if args[3] and #args[3] > 0 then headers["User-Agent"] = args[3] end
  -- Threads start at different places in the list.
  index = ((id or 1) - 1) * math.floor(#paths / 8)
  not_ok = 0
  set_cookie = 0
  first_bad = ""
end

function request()
  index = index % #paths + 1
  return wrk.format("GET", paths[index], headers)
end

function response(status, headers, body)
  if status ~= 200 then
    not_ok = not_ok + 1
    if first_bad == "" then first_bad = tostring(status) .. " " .. (headers["Location"] or "") end
  end
  -- Header names arrive as the server wrote them; compare them case-insensitively.
  for name, _ in pairs(headers) do
    if string.lower(name) == "set-cookie" then
      set_cookie = set_cookie + 1
      break
    end
  end
end

function done(summary, latency, requests)
  local bad = 0
  local cookies = 0
  local example = ""
  for _, thread in ipairs(threads) do
    bad = bad + (thread:get("not_ok") or 0)
    cookies = cookies + (thread:get("set_cookie") or 0)
    local b = thread:get("first_bad")
    if example == "" and b and b ~= "" then example = b end
  end
  io.write(string.format("ROTATE requests=%d not_200=%d set_cookie=%d first_bad=%s\n",
    summary.requests, bad, cookies, example))
  io.write(string.format("ROTATE latency_p50_us=%d p95_us=%d p99_us=%d\n",
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
