-- wrk script for bench/catalogue_pages.py.
-- Arguments after `--`: <nonce> <unique 0|1> <path> [<path> ...]
-- Requests rotate over the paths. With unique=1 every request gets a never-repeated `_n` parameter, so
-- the whole-page cache (keyed by the full path) always misses while the view ignores the parameter.
-- done() prints one line "WRKJSON {...}" for the Python side to parse (latencies in microseconds).

local paths = {}
local unique = false
local nonce = "0"
local counter = 0
local position = 0

function init(args)
  nonce = args[1]
  unique = args[2] == "1"
  for k = 3, #args do
    paths[#paths + 1] = args[k]
  end
end

function request()
  position = position % #paths + 1
  local path = paths[position]
  if unique then
    counter = counter + 1
    local sep = string.find(path, "?", 1, true) and "&" or "?"
    path = path .. sep .. "_n=" .. nonce .. "-" .. counter
  end
  return wrk.format("GET", path)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %.0f, "p95_us": %.0f, ' ..
    '"p99_us": %.0f, "mean_us": %.1f, "max_us": %.0f, "err_connect": %d, "err_read": %d, ' ..
    '"err_write": %d, "err_status": %d, "err_timeout": %d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean, latency.max,
    e.connect, e.read, e.write, e.status, e.timeout
  ))
end
