#!/usr/bin/env bash
# The embeddings cache and alias fallback, in one run (issue 26): embedding requests per second
#   1. direct to the upstream (the emulator, each embedding taking EMBED_MS like a real embedding model),
#   2. through the gateway with the cache skipped (X-Gateway-Cache: off),
#   3. through the gateway with a warm cache (the same input every time),
# and chat requests per second through an alias whose first target is down (refused connections: the first
# request falls back, the health state then skips that target) beside the same model named directly. Prints one
# table; appends nothing.
#
#   bench/cache.sh                       ~2 min
#   DURATION=10 EMBED_MS=20 CONNS=32 bench/cache.sh
#   JAR=/path/to.jar bench/cache.sh      another build (default: target/ollama-gateway.jar, built if missing)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
WORK=$(mktemp -d)
TOKEN=bench-token-$RANDOM$RANDOM
source bench/common.sh

DURATION=${DURATION:-8}     # s per measured wrk run
WARM=${WARM:-3}             # s of wrk before each measured run
EMBED_MS=${EMBED_MS:-10}    # ms the emulator takes per embedding request (X-Emulator-Embed-Ms)
CONNS=${CONNS:-32}
JAR=${JAR:-$ROOT/target/ollama-gateway.jar}
EMU_JVM_FLAGS="-Xmx256m -XX:+UseSerialGC"

STARTED=()
cleanup() { local pid; for pid in "${STARTED[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 2; }
[[ -f $JAR ]] || timeout 600 mvn -q -o -DskipTests package

EMU=$(free_port)
"${ON_LOAD_CPU[@]}" java $EMU_JVM_FLAGS -jar "$JAR" emulator --host 127.0.0.1 --port "$EMU" --event-loops 2 \
  >"$WORK/emulator.log" 2>&1 &
STARTED+=($!)
wait_http "$EMU" 60

GW=$(free_port); DOWN=$(free_port)   # nothing listens on DOWN: the alias's first target refuses connections
mkdir -p "$WORK/gw/config"
cat > "$WORK/gw/config/config.yaml" <<YAML
upstreams:
  - {name: down, url: "http://127.0.0.1:$DOWN"}
  - {name: local, url: "http://127.0.0.1:$EMU"}
aliases:
  fallback-chat: [down:llama3.2, local:llama3.2]
YAML
( cd "$WORK/gw" && exec env HOST=127.0.0.1 PORT="$GW" PROXY_AUTH_TOKEN="$TOKEN" ACCESS_LOG=false \
    HEALTH_CHECK_INTERVAL=1h UPSTREAM_MAX_CONNECTIONS=1000 \
    "${ON_PROXY_CPU[@]}" java $BENCH_JVM_FLAGS -jar "$JAR" serve >"$WORK/gateway.log" 2>&1 ) &
STARTED+=($!)
wait_http "http://127.0.0.1:$GW/health" 60

lua() { # file body [extra header line]
  cat > "$WORK/$1.lua" <<LUA
wrk.method = "POST"
wrk.body = '$2'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $TOKEN"
wrk.headers["X-Emulator-Embed-Ms"] = "$EMBED_MS"
${3:-}
LUA
}
EMBED='{"model":"nomic-embed-text","input":["the same paragraph of a document, re-indexed","and its neighbour"]}'
lua embed "$EMBED"
lua embed-off "$EMBED" 'wrk.headers["X-Gateway-Cache"] = "off"'
lua chat-direct '{"model":"llama3.2","stream":false,"messages":[{"role":"user","content":"hi"}]}'
lua chat-alias '{"model":"fallback-chat","stream":false,"messages":[{"role":"user","content":"hi"}]}'

rate() { # port path script -> req/s
  local url="http://127.0.0.1:$1$2"
  timeout $((WARM + 20)) "${ON_LOAD_CPU[@]}" wrk -t2 -c"$CONNS" -d"$WARM"s -s "$WORK/$3.lua" "$url" >/dev/null
  timeout $((DURATION + 20)) "${ON_LOAD_CPU[@]}" wrk -t2 -c"$CONNS" -d"$DURATION"s -s "$WORK/$3.lua" "$url" \
    | awk '/Requests\/sec/ {print $2} /Non-2xx/ {print "non-2xx:" $NF > "/dev/stderr"}'
}

direct=$(rate "$EMU" /api/embed embed)
uncached=$(rate "$GW" /api/embed embed-off)
cached=$(rate "$GW" /api/embed embed)
chat_direct=$(rate "$GW" /api/chat chat-direct)
chat_alias=$(rate "$GW" /api/chat chat-alias)

echo "## bench/cache.sh $(date -u '+%Y-%m-%d %H:%M UTC') (EMBED_MS=$EMBED_MS, wrk -t2 -c$CONNS -d${DURATION}s)"
printf "| %-44s | %10s | %8s |\n" "what" "req/s" "x upstream"
printf "| %-44s | %10s | %8s |\n" "embeddings, direct to the upstream" "$direct" "1.00"
printf "| %-44s | %10s | %8s |\n" "embeddings via gateway, cache off" "$uncached" "$(ratio "$uncached" "$direct")"
printf "| %-44s | %10s | %8s |\n" "embeddings via gateway, warm cache" "$cached" "$(ratio "$cached" "$direct")"
printf "| %-44s | %10s | %8s |\n" "chat via gateway, model named directly" "$chat_direct" "1.00"
printf "| %-44s | %10s | %8s |\n" "chat via alias, first target down (fallback)" "$chat_alias" \
  "$(ratio "$chat_alias" "$chat_direct")"
