#!/usr/bin/env bash
# A/B comparison of gateway builds: the CPU each spends per proxied request, side by side in one run.
#
#   bench/compare.sh OLD.jar NEW.jar [MORE.jar ...]
#   bench/compare.sh GW.jar GW.jar@CLIENT_IDLE_TIMEOUT=0     (one build with and without a setting)
#   bench/compare.sh GW.jar "GW.jar@JVM_FLAGS=-Xmx256m -XX:+UseParallelGC"   (with other JVM flags)
#
# A target may carry settings after '@' (NAME=VALUE, comma-separated) for that gateway's environment;
# JVM_FLAGS=... replaces GW_JVM_FLAGS (below) for that gateway alone; JAVA=/path/to/bin/java runs it on another
# JDK (the emulator always runs on the default java). TRACING=on turns that gateway's OpenTelemetry tracing on,
# exporting every span to a throw-away OTLP sink (bench/OtlpSink.java) started for the run:
#   bench/compare.sh PREVIOUS.jar NEW.jar NEW.jar@TRACING=on   (tracing off unchanged? and its cost when on)
# Starts one emulator and every gateway (shared token, access log on to a file, the bench's JVM flags), warms
# each up, then runs ROUNDS interleaved rounds (default 3, the order rotating by one each round): per round and
# gateway, DURATION seconds (default 6) of wrk -t2 -c32 on GET /api/tags and on POST /api/chat. Prints one
# line per run: req/s, the gateway process's CPU time (utime+stime) divided by the requests served, the
# emulator's, and their ratio (see bench/lib.sh). CPU per request is far less sensitive to the machine's
# other load than req/s, but still noisy here: compare the rounds, not one number. PIN=1 puts the gateways on
# CPU 1 and the load and emulator on CPU 0 (see bench/common.sh). Not a test; it writes nothing to the tree.
# Everything listens on 127.0.0.1; every process it starts is stopped on exit.
set -euo pipefail
[[ $# -ge 2 ]] || { echo "usage: bench/compare.sh OLD.jar NEW.jar [MORE.jar ...] (JAR@NAME=VALUE,... sets env)" >&2
  exit 2; }
JARS=(); SETTINGS=(); LABELS=()
for target in "$@"; do
  jar=${target%%@*}; settings=""; [[ $target == *@* ]] && settings=${target#*@}
  JARS+=("$(realpath "$jar")")   # each gateway runs in its own directory
  SETTINGS+=("$settings"); LABELS+=("$(basename "$jar")${settings:+@${settings//=/:}}")  # '=' separates label, port, pids
done
set -- "${JARS[@]}"
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-6}
TOKEN=compare-token-$$
WORK=$(mktemp -d /tmp/ollama-gateway-compare.XXXXXX)
PIDS=()
SINK_PID=""
cleanup() { for p in "${PIDS[@]}" $SINK_PID; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT
source "$(dirname "$0")/lib.sh"
GW_JVM_FLAGS=${GW_JVM_FLAGS:-$BENCH_JVM_FLAGS}
command -v wrk >/dev/null || need_packages wrk

EMU_PORT=$(free_port)
"${ON_LOAD_CPU[@]}" java -Xmx512m -jar "$1" emulator --port "$EMU_PORT" > "$WORK/emulator.log" 2>&1 &
PIDS+=($!)
wait_http "$EMU_PORT"
if [[ " ${SETTINGS[*]} " == *TRACING=on* ]]; then
  # kept out of PIDS, whose order (emulator, then the gateways) the measurement relies on
  SINK_PORT=$(free_port)
  "${ON_LOAD_CPU[@]}" java -Xmx128m -cp "$1" "$(dirname "$0")/OtlpSink.java" "$SINK_PORT" > "$WORK/otlp-sink.log" 2>&1 &
  SINK_PID=$!
  wait_http "http://127.0.0.1:$SINK_PORT/"
fi

PORTS=()
for i in $(seq 1 $#); do
  jar=${!i}; port=$(free_port); mkdir -p "$WORK/gw$i"
  flags=$GW_JVM_FLAGS; java=java; envs=()
  IFS=, read -r -a settings <<<"${SETTINGS[$((i-1))]}"
  for s in "${settings[@]}"; do
    if [[ $s == JVM_FLAGS=* ]]; then flags=${s#JVM_FLAGS=}
    elif [[ $s == JAVA=* ]]; then java=${s#JAVA=}
    elif [[ $s == TRACING=on ]]; then envs+=("OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$SINK_PORT")
    else envs+=("$s"); fi
  done
  (cd "$WORK/gw$i" && PROXY_AUTH_TOKEN=$TOKEN OLLAMA_URL=http://127.0.0.1:$EMU_PORT HOST=127.0.0.1 PORT=$port \
    exec "${ON_PROXY_CPU[@]}" env "${envs[@]}" "$java" $flags -jar "$jar" > gateway.log 2>&1) &
  PIDS+=($!); PORTS+=($port)
done
for port in "${PORTS[@]}"; do wait_http "$port"; done

TARGETS=()
for i in $(seq 1 $#); do TARGETS+=("${LABELS[$((i-1))]}=${PORTS[$((i-1))]}=${PIDS[$i]}"); done
UPSTREAM_PID=${PIDS[0]} measure_rounds "$ROUNDS" "$DURATION" 32 "${TARGETS[@]}"
