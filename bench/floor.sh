#!/usr/bin/env bash
# The floors: CPU per request of proxies with no gateway logic at all, side by side with nginx and the gateway,
# in one run, against one emulator.
#
#   bench/floor.sh [GATEWAY.jar]      (default target/ollama-gateway.jar, built if missing)
#
# Targets: direct (emulator), nginx (as in run.sh), vertx (bench/floor/MiniVertx.java: Vert.x HttpServer +
# HttpClient), hybrid (MiniHybrid.java: Vert.x HttpServer + a Netty channel pool, the gateway's design), netty
# (MiniNetty.java: Netty both ways) and the gateway (shared token, access log on). ROUNDS interleaved rounds
# (default 2) of DURATION s (default 5) of wrk -t2 -c64 on GET /api/tags and POST /api/chat after a JIT
# warm-up; one line per run: req/s, the target process's CPU time per request, the emulator's and their ratio.
# PIN=1 puts every proxy on CPU 1 and the load and emulator on CPU 0 (see bench/common.sh).
# Not a test, writes nothing to the tree; everything on 127.0.0.1; every process it starts is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
JAR=${1:-target/ollama-gateway.jar}
[[ -f $JAR ]] || mvn -q -DskipTests package
JAR=$(realpath "$JAR")
ROUNDS=${ROUNDS:-2}; DURATION=${DURATION:-5}
TOKEN=floor-token-$$
WORK=$(mktemp -d /tmp/ollama-gateway-floor.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT
source bench/lib.sh
FLAGS=$BENCH_JVM_FLAGS
# the minis start without the gateway's Main, which picks Netty's pooled allocator: give them the same one
MINI_FLAGS="$FLAGS -Dio.netty.allocator.type=pooled"
need=(); command -v wrk >/dev/null || need+=(wrk); command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || need+=(nginx-light)
need_packages "${need[@]}"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
declare -A PORT PID
EMU=$(free_port)
"${ON_LOAD_CPU[@]}" java -Xmx512m -jar "$JAR" emulator --port "$EMU" > "$WORK/emulator.log" 2>&1 &
PIDS+=($!); PID[direct]=$!; PORT[direct]=$EMU
wait_http "$EMU"
N=$(free_port); nginx_conf "$WORK/nginx" "$N" "$EMU" "$NGINX_WORKERS"
"${ON_PROXY_CPU[@]}" "$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' > "$WORK/nginx/stdout.log" 2>&1 & PIDS+=($!)
wait_http "$N"; PORT[nginx]=$N; PID[nginx]=$(pgrep -P "${PIDS[-1]}" | paste -sd, -)
for mini in vertx:MiniVertx hybrid:MiniHybrid netty:MiniNetty; do
  name=${mini%%:*}; port=$(free_port)
  "${ON_PROXY_CPU[@]}" java $MINI_FLAGS -cp "$JAR" "bench/floor/${mini#*:}.java" "$port" "$EMU" > "$WORK/$name.log" 2>&1 & PIDS+=($!)
  PID[$name]=$!; PORT[$name]=$port; wait_http "$port"
done
port=$(free_port); mkdir -p "$WORK/gateway"
(cd "$WORK/gateway" && PROXY_AUTH_TOKEN=$TOKEN OLLAMA_URL=http://127.0.0.1:$EMU HOST=127.0.0.1 PORT=$port \
  UPSTREAM_MAX_CONNECTIONS=1000 exec "${ON_PROXY_CPU[@]}" java $FLAGS -jar "$JAR" > gateway.log 2>&1) & PIDS+=($!)
PID[gateway]=$!; PORT[gateway]=$port; wait_http "$port"
TARGETS=()
for t in direct nginx vertx hybrid netty gateway; do TARGETS+=("$t=${PORT[$t]}=${PID[$t]}"); done
UPSTREAM_PID=${PID[direct]} measure_rounds "$ROUNDS" "$DURATION" 64 "${TARGETS[@]}"
