-- wrk script for `serve_load.py`: POST /predict with one record per request, cycling through
-- many different held-out rows (one JSON object a line of the file named after `--`), so that
-- no cache or branch predictor sees the same body twice in a row.
--
-- Usage: wrk -t1 -c1 -d15s -s benchmarks/wrk_predict.lua http://127.0.0.1:PORT -- BODIES_FILE
--
-- Without BODIES_FILE it sends GET to the URL's own path (e.g. /health): the cost of the HTTP
-- stack alone, to set beside the predictions.
--
-- `done` prints one line starting with WRK_JSON, which serve_load.py reads: exact percentiles
-- in microseconds, request and error counts (status: responses with a status of 400 or more,
-- the count wrk calls "Non-2xx or 3xx responses").

local requests = {}
local count, next_index = 0, 0
local thread_number = 0

function setup(thread)
   thread:set("id", thread_number)
   thread_number = thread_number + 1
end

function init(args)
   if args[1] == nil then
      requests[1], count = wrk.format("GET"), 1
      return
   end
   local headers = { ["Content-Type"] = "application/json" }
   for line in io.lines(args[1]) do
      count = count + 1
      -- formatted once here: `request` then only picks one, keeping wrk's own cost low
      requests[count] = wrk.format("POST", "/predict", headers, line)
   end
   if count == 0 then
      error("no bodies in " .. args[1])
   end
   -- each thread starts at its own place in the cycle
   next_index = ((id or 0) * 7919) % count
end

function request()
   next_index = next_index % count + 1
   return requests[next_index]
end

function done(summary, latency, _)
   local e = summary.errors
   io.write(string.format(
      'WRK_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, ' ..
      '"max_us": %d, "mean_us": %.1f, "connect_errors": %d, "read_errors": %d, "write_errors": %d, ' ..
      '"status_errors": %d, "timeouts": %d}\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
      latency:percentile(99), latency.max, latency.mean, e.connect, e.read, e.write, e.status, e.timeout))
end
