-- wrk script for bench/wallet_payments.py: POST /api/v1/wallet/payments as many residents, each request with
-- a fresh idempotency key. Arguments after `--`: <sessions file> <merchant codes, comma-separated> <nonce>.
local sessions = {}
local merchants = {}
local counter = 0
local nonce = "0"

function init(args)
  for line in io.lines(args[1]) do sessions[#sessions + 1] = line end
  for code in string.gmatch(args[2], "[^,]+") do merchants[#merchants + 1] = code end
  nonce = args[3]
end

function request()
  counter = counter + 1
  local session = sessions[(counter % #sessions) + 1]
  local merchant = merchants[(counter % #merchants) + 1]
  local body = string.format('{"merchant": "%s", "amount": 1, "idempotency_key": "bench-%s-%d"}', merchant, nonce, counter)
  local headers = {
    ["Content-Type"] = "application/json",
    ["Cookie"] = "sessionid=" .. session .. "; csrftoken=benchcsrftokenbenchcsrftoken1234",
    ["X-CSRFToken"] = "benchcsrftokenbenchcsrftoken1234",
  }
  return wrk.format("POST", "/api/v1/wallet/payments", headers, body)
end

function done(summary, latency, requests)
  io.write(string.format('WRKJSON {"requests": %d, "duration_us": %d, "non2xx": %d}\n',
    summary.requests, summary.duration, summary.errors.status))
end
