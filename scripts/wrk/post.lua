-- wrk script for scripts/bench.sh: POSTs WRK_BODY to WRK_PATH. In the body, {n} becomes a
-- per-thread request counter (so each request can name a fresh or a different key).
-- WRK_MAX stops each thread after that many answers (for latency runs over a finite pool).
-- done() prints one machine-readable line: rps, p50_ms, p99_ms, requests, bad (non-2xx or
-- socket errors).
local path = os.getenv("WRK_PATH") or "/v1/versionInfo"
local template = os.getenv("WRK_BODY")
local max = tonumber(os.getenv("WRK_MAX") or "0")
local counter, answers = 0, 0

request = function()
  counter = counter + 1
  if template == nil then
    return wrk.format("GET", path)
  end
  local body = template:gsub("{n}", tostring(counter))
  return wrk.format("POST", path, { ["Content-Type"] = "application/json" }, body)
end

response = function(status, headers, body)
  answers = answers + 1
  if status >= 300 and answers < 3 then
    io.stderr:write("unexpected " .. status .. ": " .. body .. "\n")
  end
  if max > 0 and answers >= max then
    wrk.thread:stop()
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  local bad = e.connect + e.read + e.write + e.status + e.timeout
  io.write(string.format("RESULT rps=%.1f p50_ms=%.3f p99_ms=%.3f requests=%d bad=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.requests, bad))
end
