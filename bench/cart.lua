-- wrk script for the cart scenario (bench/cart.py): each connection, in a loop,
--   cartCreate → cartLinesAdd ×3 (one variant each) → cart(id:)
-- every step a separate POST /graphql. wrk runs one Lua state per thread and knows no
-- connection ids, so the runner gives wrk one connection per thread (-tN -cN): each
-- thread's requests and responses then alternate strictly and it keeps its own cart.
--
--   wrk -tN -cN ... -s bench/cart.lua URL -- variants.txt   (one variant gid per line)
--
-- Counts as graphql_errors any 2xx answer with "errors" or a non-empty userErrors, and
-- a create whose cart id cannot be read (the loop then starts a new cart).

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

local CREATE = '{"query":"mutation { cartCreate { cart { id } userErrors { code } } }"}'
local ADD = '{"query":"mutation($id: ID!, $v: ID!) { cartLinesAdd(cartId: $id, lines: [{merchandiseId: $v, quantity: 1}]) { cart { id totalQuantity cost { totalAmount { amount } } } userErrors { code } } }","variables":{"id":"%s","v":"%s"}}'
local READ = '{"query":"query($id: ID!) { cart(id: $id) { id totalQuantity lines(first: 10) { nodes { id quantity merchandise { id title } cost { amountPerQuantity { amount } totalAmount { amount } } } } cost { subtotalAmount { amount } totalAmount { amount currencyCode } } } }","variables":{"id":"%s"}}'

function init(args)
  graphql_errors = 0
  carts = 0
  variants = {}
  for line in io.lines(args[1]) do
    if #line > 0 then table.insert(variants, line) end
  end
  step = 0
  cart_id = nil
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  if step == 0 or cart_id == nil then
    step = 0
    return wrk.format(nil, nil, nil, CREATE)
  elseif step <= 3 then
    local v = variants[math.random(#variants)]
    return wrk.format(nil, nil, nil, string.format(ADD, cart_id, v))
  else
    return wrk.format(nil, nil, nil, string.format(READ, cart_id))
  end
end

function response(status, headers, body)
  local bad = status < 200 or status >= 300 or string.find(body, '"errors"', 1, true)
    or string.find(body, '"userErrors":[{', 1, true)
  if step == 0 then
    cart_id = string.match(body, '"id":"(gid://emporium/Cart/%x+)"')
    if cart_id == nil then bad = true else carts = carts + 1 end
  end
  if bad then
    graphql_errors = graphql_errors + 1
    if first_error == nil then first_error = string.sub(body or "", 1, 300) end
  end
  step = (step + 1) % 5
end

function done(summary, latency, requests)
  local n, c = 0, 0
  for _, t in ipairs(threads) do
    n = n + (t:get("graphql_errors") or 0)
    c = c + (t:get("carts") or 0)
  end
  io.write(string.format("graphql_errors: %d\n", n))
  io.write(string.format("carts: %d\n", c))
  for _, t in ipairs(threads) do
    local e = t:get("first_error")
    if e then io.write("first_error: " .. e .. "\n") end
  end
end
