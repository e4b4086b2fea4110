-- Prints the figures benchmarks/web_load.py --wrk reads: latency percentiles in ms, requests, errors.
done = function(summary, latency, requests)
  io.write(string.format("p50 %.3f\n", latency:percentile(50) / 1000))
  io.write(string.format("p95 %.3f\n", latency:percentile(95) / 1000))
  io.write(string.format("p99 %.3f\n", latency:percentile(99) / 1000))
  io.write(string.format("requests %d\n", summary.requests))
  local e = summary.errors
  io.write(string.format("errors %d\n", e.connect + e.read + e.write + e.timeout))
  io.write(string.format("non2xx %d\n", e.status))
end
