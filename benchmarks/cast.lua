-- wrk script for benchmarks/cast.py: every request casts a different token.
-- Tokens come from the file named by the TOKENS environment variable, one per line;
-- each wrk thread takes every Nth token so no token is sent twice.
local tokens, index, step = {}, 0, 1
local path = os.getenv("TOKENS")
local slug = os.getenv("SLUG") or "bench"

function setup(thread)
  thread:set("offset", index)
  index = index + 1
end

function init(args)
  for line in io.lines(path) do tokens[#tokens + 1] = line end
  step = tonumber(os.getenv("THREADS") or "1")
  position = offset + 1
  wrk.method = "POST"
  wrk.path = "/api/v1/elections/" .. slug .. "/ballots"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  local token = tokens[position]
  if token == nil then
    token = "00000000000000000098" -- ran out: an unknown token (404), never a double vote
  end
  position = position + step
  local a = (position % 12) + 1
  local b = ((position + 5) % 12) + 1
  return wrk.format(nil, nil, nil,
    '{"token":"' .. token .. '","choices":[' .. a .. ',' .. b .. ']}')
end
