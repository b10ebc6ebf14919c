#!/usr/bin/env bash
# A/B comparison of gateway builds: the CPU each spends per proxied request, side by side in one run.
#
#   bench/compare.sh OLD.jar NEW.jar [MORE.jar ...]
#
# Starts one emulator and every gateway (shared token, access log on to a file, the bench's JVM flags), warms
# each up, then runs ROUNDS interleaved rounds (default 3): per round and gateway, DURATION seconds (default 6)
# of wrk -t2 -c32 on GET /api/tags and on POST /api/chat. Prints one line per run: req/s and the gateway
# process's CPU time (utime+stime) divided by the requests served. CPU per request is far less sensitive to the
# machine's other load than req/s, but still noisy here: compare the rounds, not one number. Not a test; it
# writes nothing to the tree. Everything listens on 127.0.0.1; every process it starts is stopped on exit.
set -euo pipefail
[[ $# -ge 2 ]] || { echo "usage: bench/compare.sh OLD.jar NEW.jar [MORE.jar ...]" >&2; exit 2; }
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-6}
GW_JVM_FLAGS=${GW_JVM_FLAGS:-"-Xms32m -Xmx128m -XX:+UseSerialGC -Xss512k -XX:MaxDirectMemorySize=128m"}
TOKEN=compare-token-$$
command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
WORK=$(mktemp -d /tmp/ollama-gateway-compare.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 1 120); do curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0; sleep 0.5; done; echo "no answer on $1" >&2; exit 1; }

cat > "$WORK/chat.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"model":"llama3.2","stream":false,"messages":[{"role":"user","content":"hello there"}]}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $TOKEN"
LUA

EMU_PORT=$(free_port)
java -Xmx512m -jar "$1" emulator --port "$EMU_PORT" > "$WORK/emulator.log" 2>&1 &
PIDS+=($!)
wait_http "$EMU_PORT"

PORTS=()
for i in $(seq 1 $#); do
  jar=${!i}; port=$(free_port); mkdir -p "$WORK/gw$i"
  (cd "$WORK/gw$i" && PROXY_AUTH_TOKEN=$TOKEN OLLAMA_URL=http://127.0.0.1:$EMU_PORT HOST=127.0.0.1 PORT=$port \
    exec java $GW_JVM_FLAGS -jar "$jar" > gateway.log 2>&1) &
  PIDS+=($!); PORTS+=($port)
done
for port in "${PORTS[@]}"; do wait_http "$port"; done

run() { # run PORT WHAT SECONDS -> wrk output
  if [[ $2 == chat ]]; then timeout $(( $3 + 20 )) wrk -t2 -c32 -d"$3"s -s "$WORK/chat.lua" "http://127.0.0.1:$1/api/chat"
  else timeout $(( $3 + 20 )) wrk -t2 -c32 -d"$3"s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$1/api/tags"; fi
}
for port in "${PORTS[@]}"; do run "$port" chat 10 >/dev/null; run "$port" tags 5 >/dev/null; done   # JIT warm-up

for round in $(seq 1 "$ROUNDS"); do
  for i in $(seq 1 $#); do
    pid=${PIDS[$i]}; port=${PORTS[$((i-1))]}
    for what in tags chat; do
      c0=$(awk '{print $14+$15}' "/proc/$pid/stat")
      out=$(run "$port" "$what" "$DURATION")
      c1=$(awk '{print $14+$15}' "/proc/$pid/stat")
      n=$(awk '/requests in/ {print $1}' <<<"$out")
      rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
      ticks=$(getconf CLK_TCK)
      echo "round $round  $(basename "${!i}")  $what  req/s $rps  cpu us/req $(( (c1 - c0) * 1000000 / ticks / n ))"
    done
  done
done
