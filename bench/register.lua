-- A full registration POST per request: the CSRF token and the session cookie
-- it is tied to come from bench/run.py (wrk ... -- <cookie> <token> <run id>),
-- and every request uses a new e-mail address (run id, thread, counter).
local threads_started = 0

setup = function(thread)
  threads_started = threads_started + 1
  thread:set("thread_id", threads_started)
end

local function urlencode(text)
  return (text:gsub("[^%w%-%._~]", function(c)
    return string.format("%%%02X", string.byte(c))
  end))
end

local fixed
local counter = 0
local run_id

init = function(args)
  local cookie, token = args[1], args[2]
  run_id = args[3]
  wrk.method = "POST"
  wrk.headers["Cookie"] = cookie
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  local fields = {
    {"csrf_token", token},
    {"full_name", "Trần Văn Nam"},
    {"country", "VN"},
    {"organisation", "SCORE Viet Nam"},
    {"job_title", "Programme officer"},
    {"category", "score_team"},
    {"gender", "male"},
    {"phone", "+84 24 3734 0902"},
    {"arrival_date", "2011-04-03"},
    {"departure_date", "2011-04-09"},
    {"needs_accommodation", "y"},
    {"dietary", "other"},
    {"dietary_detail", "No peanuts"},
    {"accessibility", "Step-free access to the meeting room"},
    {"needs_visa_letter", "y"},
    {"listed_publicly", "y"},
    {"consent", "y"},
  }
  local parts = {}
  for _, pair in ipairs(fields) do
    parts[#parts + 1] = pair[1] .. "=" .. urlencode(pair[2])
  end
  fixed = table.concat(parts, "&")
end

request = function()
  counter = counter + 1
  local email = string.format("bench-%s-%d-%d@example.org", run_id, thread_id, counter)
  return wrk.format(nil, nil, nil, fixed .. "&email=" .. urlencode(email))
end
