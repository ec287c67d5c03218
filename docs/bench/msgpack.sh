#!/usr/bin/env bash
# JSON against MessagePack frames on the fan-out scenario: the same proxy, the same load, the
# subscribers asking for pp.v1.json (no subprotocol) or pp.v1.msgpack. Prints one JSON line per
# run with the proxy's CPU (utime + stime from /proc, in the run's window) per delivered frame,
# and appends it to $OUT (default target/bench/msgpack.jsonl).
#
#   ./mvnw -q -B package -DskipTests && bash docs/bench/msgpack.sh
#
# Starts its own redis-server (or valkey-server) on $VALKEY_PORT (6390) and the proxy from a copy
# of target/pulsar-proxy.jar with the shipped config.yml (rate limit raised through -Ddw.*); warms
# the JIT with 40 s of fan-out in both encodings first, then runs JSON, MessagePack, JSON,
# MessagePack. $SUBSCRIBERS (1000), $RATE (200 msg/s), $DURATION (20 s); $SERVER_JAR runs another
# build as the server (perf stays this one's), for a before/after. Run nothing else meanwhile.
set -euo pipefail
cd "$(dirname "$0")/../.."

VALKEY_PORT=${VALKEY_PORT:-6390}
OUT=${OUT:-target/bench/msgpack.jsonl}
SUBSCRIBERS=${SUBSCRIBERS:-1000}
RATE=${RATE:-200}
DURATION=${DURATION:-20}
mkdir -p "$(dirname "$OUT")" target/bench
JAR=target/bench/proxy.jar
cp target/pulsar-proxy.jar "$JAR"
cp "${SERVER_JAR:-target/pulsar-proxy.jar}" target/bench/server.jar
PERF=(java -jar "$JAR" perf)

SERVER=$(command -v valkey-server || command -v redis-server)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

"$SERVER" --port "$VALKEY_PORT" --bind 127.0.0.1 --save "" --appendonly no \
  > target/bench/valkey.log 2>&1 &
PIDS+=($!)

VALKEY_URL="redis://127.0.0.1:$VALKEY_PORT" java -Xmx2g \
  '-Ddw.auth.tokens[0].rateLimit.perSecond=100000000' \
  '-Ddw.auth.tokens[0].rateLimit.burst=100000000' \
  -Ddw.delivery.maxConnections=30000 \
  '-Ddw.auth.tokens[0].maxConnections=30000' \
  -jar target/bench/server.jar server config.yml > target/bench/proxy.log 2>&1 &
PROXY_PID=$!
PIDS+=("$PROXY_PID")
for _ in $(seq 1 120); do
  curl -sf http://127.0.0.1:8080/health/ready > /dev/null && break
  sleep 0.5
done

ticks() { awk '{print $14 + $15}' "/proc/$PROXY_PID/stat"; }
HZ=$(getconf CLK_TCK)

run() { # $1: json or msgpack
  local before after line
  before=$(ticks)
  line=$("${PERF[@]}" fanout --subscribers "$SUBSCRIBERS" --topics 1 --rate "$RATE" \
    --duration "$DURATION" --frames "$1" --json)
  after=$(ticks)
  LINE=$line BEFORE=$before AFTER=$after HZ=$HZ node -e '
    const r = JSON.parse(process.env.LINE);
    const cpuMs = (process.env.AFTER - process.env.BEFORE) * 1000 / process.env.HZ;
    const out = { date: new Date().toISOString(), frames: r.frames, subscribers: r.subscribers,
      rate_per_s: r.rate_per_s, delivered: r.delivered, lost: r.lost, duplicated: r.duplicated,
      message_frame_bytes: r.message_frame_bytes, latency_p99_ms: r.latency_p99_ms,
      proxy_cpu_ms: cpuMs, proxy_cpu_us_per_frame: +(cpuMs * 1000 / r.delivered).toFixed(3) };
    console.log(JSON.stringify(out));' | tee -a "$OUT"
}

for f in json msgpack; do # warm-up, not reported
  "${PERF[@]}" fanout --subscribers "$SUBSCRIBERS" --topics 1 --rate "$RATE" --duration 20 \
    --frames "$f" > /dev/null
  sleep 3
done
for f in json msgpack json msgpack; do
  run "$f"
  sleep 3
done
