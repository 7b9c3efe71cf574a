-- wrk script: print the run's summary as one JSON line (latencies in microseconds).
-- With BENCH_ITEMS set (a file, one item a line), every request takes the next item of this
-- thread's share (thread t of BENCH_THREADS takes lines t, t + n, ...; all of them if there
-- are fewer lines than threads), so that each is sent once until the share runs out (then
-- it starts again): BENCH_ITEM_KIND=token sends it as the bearer token,
-- BENCH_ITEM_KIND=body as a form-encoded body (BENCH_METHOD, POST).
local items_file = os.getenv("BENCH_ITEMS")
threads_seen = {}
busy = 0

if items_file then
  local counter = 0
  function setup(thread)
    thread:set("tid", counter)
    thread:set("busy", 0)
    threads_seen[#threads_seen + 1] = thread
    counter = counter + 1
  end

  -- 503 answers (a service refusing work it has no room for), counted apart
  function response(status, headers, body)
    if status == 503 then
      busy = busy + 1
    end
  end

  local items, next_item = {}, 0
  local kind = os.getenv("BENCH_ITEM_KIND")
  local method = os.getenv("BENCH_METHOD") or "POST"
  local threads = tonumber(os.getenv("BENCH_THREADS"))

  function init(args)
    local lines = {}
    for line in io.lines(items_file) do
      lines[#lines + 1] = line
    end
    for index, line in ipairs(lines) do
      -- fewer lines than threads (one body for all): every thread sends them all
      if #lines < threads or (index - 1) % threads == tid then
        items[#items + 1] = line
      end
    end
  end

  function request()
    next_item = next_item % #items + 1
    local item = items[next_item]
    local headers = {}
    for name, value in pairs(wrk.headers) do
      headers[name] = value
    end
    if kind == "token" then
      headers["Authorization"] = "Bearer " .. item
      return wrk.format("GET", nil, headers, nil)
    end
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    return wrk.format(method, nil, headers, item)
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  local busy_total = 0
  for _, thread in ipairs(threads_seen) do
    busy_total = busy_total + thread:get("busy")
  end
  io.write(string.format(
    'BENCH-JSON {"requests": %d, "busy": %d, "duration_us": %d, "bytes": %d, ' ..
    '"connect_errors": %d, "read_errors": %d, "write_errors": %d, "status_errors": %d, "timeouts": %d, ' ..
    '"p50_us": %d, "p90_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f}\n',
    summary.requests, busy_total, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean))
end
