-- wrk script: POST one 200-byte message per request to one topic.
-- wrk -t2 -c32 -d20s -s docs/bench/publish.lua http://127.0.0.1:8080/api/v1/topics/bench/messages
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("PP_TOKEN") or "pp-dev-token")
wrk.body = '{"payload":"' .. string.rep("x", 186) .. '"}'

function done(summary, latency, requests)
  io.write(string.format("status errors: %d non-2xx/3xx of %d requests\n",
    summary.errors.status, summary.requests))
end
