-- wrk script for bench/registry_vs_nginx.sh: sends the Authorization header given in
-- WRK_AUTHORIZATION (if any) and writes the run's figures as JSON to the file WRK_JSON.
local authorization = os.getenv("WRK_AUTHORIZATION")
if authorization and authorization ~= "" then
  wrk.headers["Authorization"] = authorization
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  local out = assert(io.open(assert(os.getenv("WRK_JSON")), "w"))
  out:write(string.format(
    '{"requests": %d, "bytes": %d, "seconds": %.3f, "requests_per_s": %.1f, ' ..
    '"bytes_per_s": %.1f, "latency_us": {"mean": %.1f, "p50": %d, "p99": %d, "max": %d}, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}}\n',
    summary.requests, summary.bytes, seconds, summary.requests / seconds, summary.bytes / seconds,
    latency.mean, latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
  out:close()
end
