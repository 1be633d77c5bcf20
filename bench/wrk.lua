-- wrk script for the benchmark runner (bench/loadgen.py).
--
--   wrk ... -s bench/wrk.lua URL                 GET URL
--   wrk ... -s bench/wrk.lua URL -- body.json    POST body.json as application/json
--
-- With a body (the GraphQL scenario) it also counts 2xx responses whose body
-- contains "errors" (a GraphQL response that failed) and prints them in done()
-- as "graphql_errors: N".  That needs response(), which makes wrk parse every
-- header and body and call into Lua (about 10% more wrk CPU at 12k req/s), so
-- for a plain GET (the hello-world ceiling) init() removes it again.  wrk decides
-- whether to parse responses after init() has run.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  graphql_errors = 0
  local path = args[1]
  if not path then
    response = nil
  else
    local f = assert(io.open(path, "rb"))
    wrk.method = "POST"
    wrk.body = f:read("*a")
    wrk.headers["Content-Type"] = "application/json"
    f:close()
  end
end

function response(status, headers, body)
  if status >= 200 and status < 300 and body and string.find(body, '"errors"', 1, true) then
    graphql_errors = graphql_errors + 1
  end
end

function done(summary, latency, requests)
  local n = 0
  for _, t in ipairs(threads) do
    n = n + (t:get("graphql_errors") or 0)
  end
  io.write(string.format("graphql_errors: %d\n", n))
end
