#!/usr/bin/env bash
# Runs every performance target of docs/performance.md against a fresh proxy on this machine and
# writes one JSON line per run to $OUT (default target/bench/results.jsonl).
#
#   ./mvnw -q -B package -DskipTests && bash docs/bench/targets.sh
#
# Starts its own redis-server (or valkey-server) on $VALKEY_PORT (default 6390) without
# persistence, and the proxy from a copy of target/pulsar-proxy.jar with the shipped config.yml;
# the dev token's rate limit is raised and the no-op endpoint turned on through -Ddw.* overrides.
# Everything runs on loopback and stops when the script ends. Takes about 8 minutes.
set -euo pipefail
cd "$(dirname "$0")/../.."

VALKEY_PORT=${VALKEY_PORT:-6390}
OUT=${OUT:-target/bench/results.jsonl}
ONLY=${ONLY:-all}
mkdir -p "$(dirname "$OUT")" target/bench
JAR=target/bench/proxy.jar
cp target/pulsar-proxy.jar "$JAR"
PERF=(java -jar "$JAR" perf)

SERVER=$(command -v valkey-server || command -v redis-server)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

"$SERVER" --port "$VALKEY_PORT" --bind 127.0.0.1 --save "" --appendonly no \
  > target/bench/valkey.log 2>&1 &
PIDS+=($!)

PROXY_PID=
start_proxy() { # $1: store url, or empty for the memory store
  VALKEY_URL=$1 java -Xmx2g \
    '-Ddw.auth.tokens[0].rateLimit.perSecond=100000000' \
    '-Ddw.auth.tokens[0].rateLimit.burst=100000000' \
    -Ddw.operations.noopEndpoint=true \
    -Ddw.delivery.maxConnections=30000 \
    '-Ddw.auth.tokens[0].maxConnections=30000' \
    -jar "$JAR" server config.yml > target/bench/proxy.log 2>&1 &
  PROXY_PID=$!
  PIDS+=("$PROXY_PID")
  for _ in $(seq 1 120); do
    curl -sf http://127.0.0.1:8080/health/ready > /dev/null && return 0
    sleep 0.5
  done
  echo "proxy did not become ready" >&2
  exit 1
}
stop_proxy() { kill "$PROXY_PID"; wait "$PROXY_PID" 2>/dev/null || true; }

run() { # $1: label; the rest: perf arguments
  local label=$1
  shift
  echo "== $label: perf $*" >&2
  local line
  line=$("${PERF[@]}" "$@" --json)
  echo "{\"label\":\"$label\",\"date\":\"$(date -u +%FT%TZ)\",\"result\":$line}" | tee -a "$OUT"
}

want() { [[ $ONLY == all || ,$ONLY, == *,$1,* ]]; }

start_proxy "redis://127.0.0.1:$VALKEY_PORT"
"${PERF[@]}" publish --connections 32 --topics 100 --duration 10 > /dev/null # JIT warm-up
if want publish; then
  run "1 durable publish" publish --connections 32 --topics 100 --duration 20
  run "2 batch publish" publish --connections 32 --topics 100 --duration 20 --batch 100
  run "8 no-op baseline" publish --connections 32 --topics 100 --duration 20 --noop
fi
if want fanout; then
  "${PERF[@]}" fanout --subscribers 1000 --topics 1 --rate 50 --duration 10 > /dev/null # warm-up
  run "4 fanout 50/s" fanout --subscribers 1000 --topics 1 --rate 50 --duration 20
  for rate in 100 200 400; do
    run "4 fanout ${rate}/s" fanout --subscribers 1000 --topics 1 --rate "$rate" --duration 20
  done
fi
if want topics; then
  run "5 many topics" fanout --subscribers 5000 --topics 5000 --rate 2000 --duration 20
fi
if want resume; then
  run "7 resume" resume --subscribers 100 --missed 1000
fi
stop_proxy

if want connections; then
  start_proxy "redis://127.0.0.1:$VALKEY_PORT"
  run "6 connections 10k" connections --connections 10000 --topics 100 --server-pid "$PROXY_PID"
  stop_proxy
  start_proxy "redis://127.0.0.1:$VALKEY_PORT"
  run "6 connections max" connections --connections 19500 --topics 100 --server-pid "$PROXY_PID"
  stop_proxy
fi

if want memory; then
  start_proxy ""
  "${PERF[@]}" publish --connections 32 --topics 100 --duration 10 > /dev/null # JIT warm-up
  run "3 memory publish" publish --connections 32 --topics 100 --duration 20
  stop_proxy
fi
