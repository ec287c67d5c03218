#!/usr/bin/env bash
# Valkey memory per retained message for docs/capacity.md: publishes N messages with 200-byte
# payloads through a proxy (batches of 1000) into a fresh server, then reads INFO memory.
# Ports 7200-7211 on 127.0.0.1; stops only what it started.
#   docs/bench/memory-per-message.sh [topics, default 1] [messages per topic, default 50000]
set -euo pipefail
TOPICS=${1:-1}
PER_TOPIC=${2:-50000}
SERVER=$(command -v valkey-server || command -v redis-server)
CLI=$(command -v valkey-cli || command -v redis-cli)
WORK=$(mktemp -d /tmp/pp-memory.XXXX)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
sed -e 's/perSecond: 1000 /perSecond: 1000000 /' -e 's/burst: 2000 /burst: 2000000 /' \
  config.yml > "$WORK/bench-config.yml"
"$SERVER" --port 7200 --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK" > "$WORK/v.log" 2>&1 &
PIDS+=($!)
until "$CLI" -p 7200 ping >/dev/null 2>&1; do sleep 0.1; done
PP_HTTP_PORT=7210 PP_ADMIN_PORT=7211 VALKEY_URL=redis://127.0.0.1:7200 \
  java -Xmx1g -jar target/pulsar-proxy.jar server "$WORK/bench-config.yml" > "$WORK/proxy.log" 2>&1 &
PIDS+=($!)
until curl -sf http://127.0.0.1:7210/health/ready >/dev/null; do sleep 0.5; done
python3 - "$PER_TOPIC" > "$WORK/batch.json" <<'PY'
import json, sys
n = min(1000, int(sys.argv[1]))
print(json.dumps({"messages": [{"payload": "x" * 198} for _ in range(n)]}))
PY
before=$("$CLI" -p 7200 info memory | grep '^used_memory:' | cut -d: -f2 | tr -d '\r')
for t in $(seq 1 "$TOPICS"); do
  sent=0
  while [ "$sent" -lt "$PER_TOPIC" ]; do
    curl -sf -o /dev/null -X POST "http://127.0.0.1:7210/api/v1/topics/mem.$t/messages/batch" \
      -H 'Authorization: Bearer pp-dev-token' -H 'Content-Type: application/json' \
      --data-binary @"$WORK/batch.json"
    sent=$((sent + (PER_TOPIC < 1000 ? PER_TOPIC : 1000)))
  done
done
after=$("$CLI" -p 7200 info memory | grep '^used_memory:' | cut -d: -f2 | tr -d '\r')
total=$((TOPICS * PER_TOPIC))
echo "topics=$TOPICS messages=$total used_memory_before=$before after=$after bytes_per_message=$(( (after - before) / total ))"
"$CLI" -p 7200 memory usage "pp:{mem.1}:stream" | sed 's/^/MEMORY USAGE of one stream: /'
"$CLI" -p 7200 xrange "pp:{mem.1}:stream" - + COUNT 1
