#!/usr/bin/env bash
# Capacity run for docs/capacity.md: one proxy over one standalone redis-server/valkey-server,
# then two proxies over a three-master cluster, each driven by `perf fanout` at the same offered
# rate per instance, in one run. Everything on 127.0.0.1, on ports 7100-7199; stops only what it
# started. Needs target/pulsar-proxy.jar (./mvnw -q package -DskipTests) and redis-server or
# valkey-server plus redis-cli or valkey-cli on PATH.
#
#   docs/bench/cluster-vs-standalone.sh [rate per instance, default 1000] [seconds, default 15]
set -euo pipefail
RATE=${1:-1000}
SECONDS_=${2:-15}
SUBS=${SUBS:-100}
TOPICS=${TOPICS:-50}
SERVER=$(command -v valkey-server || command -v redis-server)
CLI=$(command -v valkey-cli || command -v redis-cli)
WORK=$(mktemp -d /tmp/pp-capacity.XXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# The shipped config with the dev token's rate limit raised out of the way.
sed -e 's/perSecond: 1000 /perSecond: 1000000 /' -e 's/burst: 2000 /burst: 2000000 /' \
  config.yml > "$WORK/bench-config.yml"

valkey() { # port [extra args...]
  local port=$1; shift
  mkdir -p "$WORK/v$port"
  "$SERVER" --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK/v$port" \
    --maxmemory-policy noeviction "$@" > "$WORK/v$port.log" 2>&1 &
  PIDS+=($!)
  until "$CLI" -p "$port" ping >/dev/null 2>&1; do sleep 0.1; done
}

proxy() { # http-port admin-port env...
  local http=$1 admin=$2; shift 2
  env PP_HTTP_PORT="$http" PP_ADMIN_PORT="$admin" "$@" \
    java -Xmx1g -jar target/pulsar-proxy.jar server "$WORK/bench-config.yml" \
    > "$WORK/proxy$http.log" 2>&1 &
  PIDS+=($!)
  until curl -sf "http://127.0.0.1:$http/health/ready" >/dev/null; do sleep 0.5; done
}

fanout() { # http-port label
  java -jar target/pulsar-proxy.jar perf fanout --url "http://127.0.0.1:$1" \
    --subscribers "$SUBS" --topics "$TOPICS" --rate "$RATE" --duration "$SECONDS_" --json \
    2> "$WORK/perf-$2.err" > "$WORK/perf-$2.json"
  echo "$2: $(cat "$WORK/perf-$2.json")"
}

echo "== one proxy, standalone (rate $RATE/s, $SUBS subscribers on $TOPICS topics, ${SECONDS_}s)"
valkey 7100
proxy 7110 7111 VALKEY_URL=redis://127.0.0.1:7100
fanout 7110 standalone
kill "${PIDS[-1]}"; sleep 2

echo "== two proxies, three-master cluster (rate $RATE/s per instance)"
for p in 7101 7102 7103; do valkey "$p" --cluster-enabled yes --cluster-config-file nodes.conf; done
"$CLI" --cluster create 127.0.0.1:7101 127.0.0.1:7102 127.0.0.1:7103 --cluster-yes >/dev/null
until "$CLI" -p 7101 cluster info | grep -q cluster_state:ok; do sleep 0.2; done
NODES=127.0.0.1:7101,127.0.0.1:7102,127.0.0.1:7103
proxy 7120 7121 VALKEY_MODE=cluster VALKEY_NODES=$NODES
proxy 7130 7131 VALKEY_MODE=cluster VALKEY_NODES=$NODES
fanout 7120 cluster-a & A=$!
fanout 7130 cluster-b & B=$!
wait $A $B
for p in 7101 7102 7103; do echo "shard $p: $("$CLI" -p "$p" info commandstats | grep -E '^cmdstat_(evalsha|xread):' | tr '\n' ' ')"; done
echo "raw results in $WORK"
