#!/usr/bin/env bash
# Ollama Gateway benchmark: gateway vs nginx vs direct, against the project's own Ollama emulator.
# Appends a dated section to bench/RESULTS.md. See bench/README.md.
#
#   bench/run.sh                 full run (~10.5 min)
#   QUICK=1 bench/run.sh         smoke run (~3 min, fewer streams, short runs; results marked SMOKE)
#   BUILD_HEAD=1 bench/run.sh    benchmark exactly the committed HEAD: builds it from `git archive HEAD` in a
#                                temp dir (leaves target/ and the work tree alone)
#   JAR=/path/to.jar bench/run.sh  benchmark another build
#   PIN=1 bench/run.sh           the whole run with every proxy on CPU 1 and the load and emulator on CPU 0
#                                (bench/common.sh); its section is marked PINNED
#
# Knobs (environment): DURATION (s per wrk run), ROUNDS (wrk rounds, interleaved), RATE_DURATION (s per
# constant-rate run), STREAMS, GW_JVM_FLAGS (flags of the gateway JVM for every run but the "default"
# streams run), RESULTS (output file).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
QUICK=${QUICK:-0}
if [[ $QUICK == 1 ]]; then
  DURATION=${DURATION:-3}; ROUNDS=${ROUNDS:-1}; RATE_DURATION=${RATE_DURATION:-5}; STREAMS=${STREAMS:-300}
  JIT_WARMUP=2; GW_JIT_WARMUP=4; STREAM_WARMUP_ROUNDS=1; STREAM_FULL_WARMUP_ROUNDS=0
  RATE_ROUNDS=${RATE_ROUNDS:-1}
else
  DURATION=${DURATION:-6}; ROUNDS=${ROUNDS:-3}; RATE_DURATION=${RATE_DURATION:-8}; STREAMS=${STREAMS:-1000}
  # The gateway's JIT needs far longer than nginx to reach steady state on this machine (C2 threads busy
  # for over a minute under load), so it gets a longer warm-up.
  # Long streams take paths the short warm-up streams do not: the gateway's JIT compiled for three more
  # rounds of them (bench/RESULTS.md, 2026-12-01 19:45), so every target gets three unmeasured rounds of the
  # real shape. Methods run once per request reach C2 only after ten-odd rounds of 1,000 (2026-12-01 21:50),
  # hence 30 short rounds first.
  JIT_WARMUP=3; GW_JIT_WARMUP=15; STREAM_WARMUP_ROUNDS=30; STREAM_FULL_WARMUP_ROUNDS=3
  RATE_ROUNDS=${RATE_ROUNDS:-2}
fi
WARMUP=1                       # s of wrk warm-up right before each measured wrk run (pools, caches)
WRK_THREADS=2
WRK_CONNS=64
RATE_WARMUP=2
RATE_CONNS=64
STREAM_TTFT=200; STREAM_CHUNKS=50; STREAM_INTERVAL=50
source bench/common.sh   # BENCH_JVM_FLAGS, free_port, ratio, PIN's placement, nginx_conf
if [[ ${PIN:-0} == 1 && $QUICK != 1 ]]; then
  # the JIT shares the proxy's one core: as in floor.sh, 40 s per gateway and endpoint (nginx needs none)
  GW_JIT_WARMUP=40
fi
GW_JVM_FLAGS=${GW_JVM_FLAGS:-$BENCH_JVM_FLAGS}
EMU_JVM_FLAGS="-Xmx512m"
CLIENT_JVM_FLAGS="-Xmx512m -XX:+UseParallelGC"
TOKEN=bench-token-$$
RESULTS=${RESULTS:-$ROOT/bench/RESULTS.md}
JAR=${JAR:-$ROOT/target/ollama-gateway.jar}
JAR_SOURCE="target/ollama-gateway.jar of the work tree"
SCRIPT_DEADLINE=$(( $(date +%s) + ${PIN:-0} * 300 + 900 ))   # hard stop: nothing below may run past 15 min (20 pinned)

log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }

# ---------------------------------------------------------------------------------------------- cleanup
WORK=$(mktemp -d /tmp/ollama-gateway-bench.XXXXXX)
STARTED=()          # pids of every background process this script started
cleanup() {
  local rc=$?
  for pid in "${STARTED[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${STARTED[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  log "logs of this run: $WORK (removed unless KEEP_LOGS=1)"
  [[ ${KEEP_LOGS:-0} == 1 ]] || rm -rf "$WORK"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

check_deadline() {
  if (( $(date +%s) > SCRIPT_DEADLINE )); then log "deadline passed, stopping"; exit 3; fi
}

# ---------------------------------------------------------------------------------------------- setup
ulimit -n "$(ulimit -Hn)" 2>/dev/null || ulimit -n 20000 || true
log "open files limit: $(ulimit -n)"

need=()
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || need+=(nginx-light)
command -v wrk >/dev/null || need+=(wrk)
if (( ${#need[@]} )); then
  log "installing ${need[*]} from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q "${need[@]}" >"$WORK/apt.log" 2>&1 \
    || { apt-get update -q >>"$WORK/apt.log" 2>&1 && apt-get install -y -q "${need[@]}" >>"$WORK/apt.log" 2>&1; }
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

if [[ ${BUILD_HEAD:-0} == 1 ]]; then
  log "building HEAD ($(git rev-parse --short HEAD)) from git archive in $WORK/head"
  mkdir -p "$WORK/head"
  git archive HEAD | tar -x -C "$WORK/head"
  ( cd "$WORK/head" && { timeout 600 mvn -q -o -Dmaven.test.skip=true package >"$WORK/build.log" 2>&1 \
      || timeout 600 mvn -q -Dmaven.test.skip=true package >>"$WORK/build.log" 2>&1; } ) \
    || { tail -30 "$WORK/build.log" >&2; exit 1; }
  JAR=$WORK/head/target/ollama-gateway.jar
  JAR_SOURCE="built by this run from git archive HEAD"
elif [[ ! -f $JAR ]]; then
  log "building $JAR"
  timeout 600 mvn -q -DskipTests package
  JAR_SOURCE="target/ollama-gateway.jar, built by this run"
elif [[ $JAR == "$ROOT/target/ollama-gateway.jar" ]]; then
  newer=$(find src/main pom.xml -newer "$JAR" -type f 2>/dev/null | head -3 | paste -sd' ' -)
  if [[ -n $newer ]]; then
    log "WARNING: $JAR is older than $newer ...: it may not be HEAD (BUILD_HEAD=1 measures HEAD)"
    JAR_SOURCE="target/ollama-gateway.jar of the work tree, OLDER than some sources (may not be HEAD)"
  fi
fi

# Compile the two clients once (single-file launch would recompile them on every run).
mkdir -p "$WORK/classes"
javac -q -nowarn -cp "$JAR" -d "$WORK/classes" bench/StreamLoad.java bench/RateLoad.java 2>"$WORK/javac.log" \
  || javac -nowarn -cp "$JAR" -d "$WORK/classes" bench/StreamLoad.java bench/RateLoad.java
CLIENT_CP="$JAR:$WORK/classes"

start_emulator() { # name port args...
  local name=$1 port=$2; shift 2
  "${ON_LOAD_CPU[@]}" java $EMU_JVM_FLAGS -jar "$JAR" emulator --host 127.0.0.1 --port "$port" "$@" >"$WORK/$name.log" 2>&1 &
  STARTED+=($!); echo $! >"$WORK/$name.pid"
  wait_http "$port" 60 || { tail -20 "$WORK/$name.log" >&2; return 1; }
}

start_gateway() { # name port upstream_port access_log jvm_flags
  local name=$1 port=$2 up=$3 access=$4 flags=$5
  mkdir -p "$WORK/$name"   # own working dir: no .env or config/config.yaml from the repo is read
  ( cd "$WORK/$name" && exec env HOST=127.0.0.1 PORT="$port" OLLAMA_URL="http://127.0.0.1:$up" \
      PROXY_AUTH_TOKEN="$TOKEN" ACCESS_LOG="$access" UPSTREAM_MAX_CONNECTIONS=1000 \
      "${ON_PROXY_CPU[@]}" java $flags -jar "$JAR" serve >"$WORK/$name.log" 2>&1 ) &
  STARTED+=($!); echo $! >"$WORK/$name.pid"
  wait_http "http://127.0.0.1:$port/health" 60 || { tail -20 "$WORK/$name.log" >&2; return 1; }
}

start_nginx() { # name port upstream_port
  local name=$1 port=$2 up=$3 dir=$WORK/$1
  nginx_conf "$dir" "$port" "$up" "$NGINX_WORKERS"
  "${ON_PROXY_CPU[@]}" "$NGINX" -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;' >"$dir/stdout.log" 2>&1 &
  STARTED+=($!); echo $! >"$WORK/$name.pid"
  wait_http "$port" 20
}

stop() { # name: stops one process this script started
  local pid; pid=$(cat "$WORK/$1.pid")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}

nginx_workers() { pgrep -P "$(cat "$WORK/$1.pid")" | paste -sd, -; }

# utime+stime (clock ticks, 100/s) summed over a comma-separated pid list
cpu_ticks() {
  local sum=0 pid
  for pid in ${1//,/ }; do
    sum=$(( sum + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0) ))
  done
  echo "$sum"
}

# wrk output -> "rps p50_ms p99_ms non2xx"
wrk_parse() {
  awk '
    function toms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
    /Requests\/sec:/ { rps=$2 }
    /^ +50%/ { p50=toms($2) }
    /^ +99%/ { p99=toms($2) }
    /Non-2xx/ { bad=$NF }
    /Socket errors/ { bad=bad "+sock" }
    END { printf "%.0f %.3f %.3f %s\n", rps, p50, p99, (bad==""?0:bad) }' "$1"
}

CHAT_BODY='{"model":"llama3.2","messages":[{"role":"user","content":"Why is the sky blue?"}],"stream":false}'
cat >"$WORK/chat.lua" <<EOF
wrk.method = "POST"
wrk.body = '$CHAT_BODY'
wrk.headers["Content-Type"] = "application/json"
EOF

# --------------------------------------------------------------------------------- (1) request/response
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
log "part 1: non-streaming throughput and latency"
EMU1=$(free_port); start_emulator emu1 "$EMU1" --event-loops 2
NGX1=$(free_port); start_nginx ngx1 "$NGX1" "$EMU1"
GWL=$(free_port); start_gateway gw-log "$GWL" "$EMU1" true "$GW_JVM_FLAGS"
GWN=$(free_port); start_gateway gw-nolog "$GWN" "$EMU1" false "$GW_JVM_FLAGS"
curl -sf -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$GWL/api/tags" >/dev/null \
  || { log "gateway smoke request failed"; cat "$WORK/gw-log.log" >&2; exit 1; }

declare -A URL_OF=([direct]="http://127.0.0.1:$EMU1" [nginx]="http://127.0.0.1:$NGX1"
                   [gateway]="http://127.0.0.1:$GWL" [gateway-nolog]="http://127.0.0.1:$GWN")
# whose CPU a target costs: the emulator itself for direct, the proxy process(es) otherwise
declare -A PIDS_OF=([direct]="$(cat "$WORK/emu1.pid")" [nginx]="$(nginx_workers ngx1)"
                    [gateway]="$(cat "$WORK/gw-log.pid")" [gateway-nolog]="$(cat "$WORK/gw-nolog.pid")")
TARGETS=(direct nginx gateway gateway-nolog)
declare -A RPS P50 P99 BAD CPU LOAD   # key: endpoint/target/round
log "JIT warm-up: ${JIT_WARMUP}s (direct, nginx) / ${GW_JIT_WARMUP}s (gateways) of wrk per target and endpoint"
for ep in tags chat; do
  for t in "${TARGETS[@]}"; do
    auth=(); [[ $t == gateway* ]] && auth=(-H "Authorization: Bearer $TOKEN")
    script=(); path=/api/tags; [[ $ep == chat ]] && { script=(-s "$WORK/chat.lua"); path=/api/chat; }
    secs=$JIT_WARMUP; [[ $t == gateway* ]] && secs=$GW_JIT_WARMUP
    timeout $((secs + 10)) "${ON_LOAD_CPU[@]}" wrk -t$WRK_THREADS -c$WRK_CONNS -d${secs}s "${script[@]}" "${auth[@]}" \
      "${URL_OF[$t]}$path" >/dev/null 2>&1 || true
  done
done
for round in $(seq 1 "$ROUNDS"); do
  for ep in tags chat; do
    for t in "${TARGETS[@]}"; do
      check_deadline
      auth=(); [[ $t == gateway* ]] && auth=(-H "Authorization: Bearer $TOKEN")
      script=(); path=/api/tags
      [[ $ep == chat ]] && { script=(-s "$WORK/chat.lua"); path=/api/chat; }
      timeout $((WARMUP + 10)) "${ON_LOAD_CPU[@]}" wrk -t$WRK_THREADS -c$WRK_CONNS -d${WARMUP}s "${script[@]}" "${auth[@]}" \
        "${URL_OF[$t]}$path" >/dev/null 2>&1 || true
      out="$WORK/wrk-$ep-$t-$round.txt"
      c0=$(cpu_ticks "${PIDS_OF[$t]}")
      timeout $((DURATION + 20)) "${ON_LOAD_CPU[@]}" wrk -t$WRK_THREADS -c$WRK_CONNS -d${DURATION}s --latency "${script[@]}" \
        "${auth[@]}" "${URL_OF[$t]}$path" >"$out" 2>&1 || true
      c1=$(cpu_ticks "${PIDS_OF[$t]}")
      read -r r p5 p9 b < <(wrk_parse "$out")
      k="$ep/$t/$round"; RPS[$k]=$r; P50[$k]=$p5; P99[$k]=$p9; BAD[$k]=$b; LOAD[$k]=$(cut -d' ' -f1 /proc/loadavg)
      # CPU microseconds the target process spent per request served (ticks are 10 ms)
      CPU[$k]=$(awk -v c=$((c1 - c0)) -v r="$r" -v d="$DURATION" 'BEGIN { n = r * d; printf "%.0f", (n > 0 ? c * 10000 / n : 0) }')
      log "wrk $ep $t round $round: ${r} req/s p50 ${p5} ms p99 ${p9} ms non2xx ${b} cpu ${CPU[$k]} us/req load ${LOAD[$k]}"
    done
  done
done

# best of the rounds (noise only ever lowers throughput)
best() { # ep target -> round with max rps
  local ep=$1 t=$2 bestr=1
  for round in $(seq 1 "$ROUNDS"); do
    (( ${RPS[$ep/$t/$round]:-0} > ${RPS[$ep/$t/$bestr]:-0} )) && bestr=$round
  done
  echo "$bestr"
}

# constant rate at half the gateway's peak (access log on) on POST /api/chat
CHAT_PEAK=${RPS[chat/gateway/$(best chat gateway)]}
HALF=$(( CHAT_PEAK / 2 )); (( HALF < 100 )) && HALF=100
LOW=$(( CHAT_PEAK / 10 )); (( LOW < 100 )) && LOW=100
declare -A RATE_LINE RATE_ALL   # key: level/target
p99_of() { sed -n 's/.* p99_ms=\([^ ]*\).*/\1/p' <<<"$1"; }
# One client JVM for every target and round (interleaved), so that its own JIT warm-up is paid once, up
# front, and not inside one target's measurement. The token is sent to every target.
rate_level() { # level rate
  local level=$1 rate=$2 t line old new
  log "constant-rate runs ($level): $rate req/s, ${RATE_ROUNDS} rounds"
  check_deadline
  timeout $(( (RATE_DURATION + RATE_WARMUP + 8) * (4 * RATE_ROUNDS + 1) + 60 )) "${ON_LOAD_CPU[@]}" java $CLIENT_JVM_FLAGS -cp "$CLIENT_CP" \
    RateLoad --targets "direct=${URL_OF[direct]}/api/chat,nginx=${URL_OF[nginx]}/api/chat,gateway=${URL_OF[gateway]}/api/chat,gateway-nolog=${URL_OF[gateway-nolog]}/api/chat" \
    --rounds "$RATE_ROUNDS" --method POST --body "$CHAT_BODY" --token "$TOKEN" --rate "$rate" \
    --duration-s "$RATE_DURATION" --warmup-s "$RATE_WARMUP" --connections "$RATE_CONNS" \
    2>"$WORK/rate-$level.err" | grep '^RESULT' >"$WORK/rate-$level.txt" || true
  for t in direct nginx gateway gateway-nolog; do
    while read -r line; do
      log "$line"
      RATE_ALL[$level/$t]="${RATE_ALL[$level/$t]:-}$(p99_of "$line") "
      # keep the round with the lowest p99: other load on the machine only ever adds latency
      old=$(p99_of "${RATE_LINE[$level/$t]:-}")
      new=$(p99_of "$line")
      if [[ -z ${RATE_LINE[$level/$t]:-} || -z $old ]] || awk -v a="$new" -v b="$old" 'BEGIN{exit !(a!="" && a<b)}'; then
        RATE_LINE[$level/$t]=$line
      fi
    done < <(grep "^RESULT label=$t " "$WORK/rate-$level.txt")
    [[ -n ${RATE_LINE[$level/$t]:-} ]] || RATE_LINE[$level/$t]="RESULT label=$t failed"
  done
}
rate_level half "$HALF"
rate_level low "$LOW"
for n in gw-log gw-nolog ngx1 emu1; do stop $n; done

# ------------------------------------------------------------------------------------- (2) 1,000 streams
log "part 2: $STREAMS concurrent streams (ttft ${STREAM_TTFT} ms, ${STREAM_CHUNKS} chunks every ${STREAM_INTERVAL} ms)"
EMU2=$(free_port)
start_emulator emu2 "$EMU2" --ttft-ms $STREAM_TTFT --chunks $STREAM_CHUNKS --interval-ms $STREAM_INTERVAL --event-loops 2
EMU2_PID=$(cat "$WORK/emu2.pid")
stream_run() { # label url pids token
  local label=$1 url=$2 pids=$3 token=${4:-}
  local tok=(); [[ -n $token ]] && tok=(--token "$token")
  timeout 240 "${ON_LOAD_CPU[@]}" java $CLIENT_JVM_FLAGS -cp "$CLIENT_CP" StreamLoad --url "$url/api/chat" --streams "$STREAMS" \
    "${tok[@]}" --pids "$pids" --label "$label" --timeout-s 120 \
    --warmup-rounds "$STREAM_WARMUP_ROUNDS" --full-warmup-rounds "$STREAM_FULL_WARMUP_ROUNDS" \
    2>"$WORK/stream-$label.err" \
    | grep '^RESULT' || echo "RESULT label=$label failed"
}
declare -A STREAM_LINE
check_deadline
STREAM_LINE[direct]=$(stream_run direct "http://127.0.0.1:$EMU2" "$EMU2_PID"); log "${STREAM_LINE[direct]}"

NGX2=$(free_port); start_nginx ngx2 "$NGX2" "$EMU2"
check_deadline
STREAM_LINE[nginx]=$(stream_run nginx "http://127.0.0.1:$NGX2" "$(nginx_workers ngx2)"); log "${STREAM_LINE[nginx]}"
stop ngx2

# The gateway twice, each a fresh JVM so that VmHWM is its own: JVM defaults, then the chosen flags.
GWD=$(free_port); start_gateway gw-default "$GWD" "$EMU2" true ""
check_deadline
STREAM_LINE[gateway-default-jvm]=$(stream_run gateway-default-jvm "http://127.0.0.1:$GWD" "$(cat "$WORK/gw-default.pid")" "$TOKEN")
log "${STREAM_LINE[gateway-default-jvm]}"
stop gw-default
GWT=$(free_port); start_gateway gw-tuned "$GWT" "$EMU2" true "$GW_JVM_FLAGS"
check_deadline
STREAM_LINE[gateway]=$(stream_run gateway "http://127.0.0.1:$GWT" "$(cat "$WORK/gw-tuned.pid")" "$TOKEN")
log "${STREAM_LINE[gateway]}"
stop gw-tuned
stop emu2

# ---------------------------------------------------------------------------------------------- report
field() { # line key
  sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"
}
sub() { awk -v a="$1" -v b="$2" 'BEGIN { if (a=="" || b=="" || a=="NaN" || b=="NaN") print "?"; else printf "%+.2f", a-b }'; }
sub3() { awk -v a="$1" -v b="$2" 'BEGIN { if (a=="" || b=="" || a=="NaN" || b=="NaN") print "?"; else printf "%+.3f", a-b }'; }
verdict() { [[ $1 == 1 ]] && echo "**met**" || echo "**MISSED**"; }

{
  echo
  echo "## $(date -u '+%Y-%m-%d %H:%M UTC')$([[ $QUICK == 1 ]] && echo ' — SMOKE run (QUICK=1, not for comparison)')$([[ ${PIN:-0} == 1 ]] && echo ' — PINNED (PIN=1: every proxy on CPU 1, wrk, the load clients and the emulator on CPU 0)')"
  echo
  echo "- commit: \`$(git rev-parse --short HEAD)\`$([[ ${BUILD_HEAD:-0} == 1 ]] || git diff --quiet HEAD -- src pom.xml 2>/dev/null || echo ' (the work tree has uncommitted changes in src/ or pom.xml)')"
  echo "- machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -m | awk '/Mem:/ {print $2}') MB RAM, load average at start of run: $LOAD_START, at end: $(cut -d' ' -f1-3 /proc/loadavg) (shared with other developers; includes this benchmark)"
  echo "- jar: $JAR_SOURCE"
  echo "- java: $(java -version 2>&1 | head -1); nginx: $("$NGINX" -v 2>&1 | cut -d/ -f2); wrk: $(wrk -v 2>&1 | head -1 | awk '{print $2}')"
  echo "- gateway: EVENT_LOOPS default (= $([[ ${PIN:-0} == 1 ]] && echo "1, the CPUs it may use" || nproc)), UPSTREAM_MAX_CONNECTIONS=1000, PROXY_AUTH_TOKEN set and sent, access log to a file (stdout redirected) unless said otherwise; JVM flags \`$GW_JVM_FLAGS\`"
  echo "- emulator: \`--event-loops 2\`, JVM \`$EMU_JVM_FLAGS\`; nginx $([[ -n ${NGX1:-} ]] && echo "worker_processes $NGINX_WORKERS, keepalive 1024 upstream pool, keepalive_requests 1000000, proxy_http_version 1.1, proxy_buffering off, access_log off")"
  echo
  echo "### 1. Non-streaming throughput (wrk -t$WRK_THREADS -c$WRK_CONNS -d${DURATION}s --latency, best of $ROUNDS interleaved rounds)"
  echo
  echo "Emulator defaults (10 chunks, no delays). \`chat\` = POST /api/chat \`\"stream\":false\` (wrk Lua body), \`tags\` = GET /api/tags. ${JIT_WARMUP}s of JIT warm-up per target and endpoint first, then ${WARMUP}s before each measured run. p50/p99 and CPU are of the best round. CPU/req = CPU time of the target's own process(es) (emulator for direct, nginx workers, gateway JVM) divided by requests served: far less sensitive to the other load on the machine than req/s."
  echo
  echo "| endpoint | target | req/s (best) | req/s per round | p50 ms | p99 ms | non-2xx | CPU us/req | vs nginx req/s | vs nginx CPU/req |"
  echo "|---|---|---:|---|---:|---:|---:|---:|---:|---:|"
  for ep in tags chat; do
    for t in "${TARGETS[@]}"; do
      b=$(best $ep $t); k="$ep/$t/$b"
      per=$(for r in $(seq 1 "$ROUNDS"); do printf '%s ' "${RPS[$ep/$t/$r]}"; done)
      nk="$ep/nginx/$(best $ep nginx)"
      echo "| $ep | $t | ${RPS[$k]} | ${per% } | ${P50[$k]} | ${P99[$k]} | ${BAD[$k]} | ${CPU[$k]} | $(ratio "${RPS[$k]}" "${RPS[$nk]}") | $(ratio "${CPU[$k]}" "${CPU[$nk]}") |"
    done
  done
  echo
  echo "\`gateway\` = access log ON (default, one line per request to stdout redirected to a file); \`gateway-nolog\` = ACCESS_LOG=false."
  echo
  rate_table() { # level rate title
    local level=$1 rate=$2 l t dp99
    echo "### $3"
    echo
    echo "bench/RateLoad.java (wrk2 is not packaged in Debian): POST /api/chat non-streaming at **$rate req/s**, ${RATE_DURATION}s measured after ${RATE_WARMUP}s warm-up, $RATE_CONNS connections, latency from the request's due time, one client JVM for all runs (warmed first). $RATE_ROUNDS interleaved rounds; the round with the lowest p99 is shown, every round's p99 is listed. Client send lag p99 = how late the client itself sent requests (large = the client was starved of CPU: that round says little about the server)."
    echo
    echo "| target | achieved req/s | errors | p50 ms | p90 ms | p99 ms | p99 per round | p99.9 ms | max ms | client send lag p99 ms | added p50 vs direct (ms) | added p99 vs direct (ms) |"
    echo "|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|"
    dp99=$(field "${RATE_LINE[$level/direct]}" p99_ms); dp50=$(field "${RATE_LINE[$level/direct]}" p50_ms)
    for t in direct nginx gateway gateway-nolog; do
      l=${RATE_LINE[$level/$t]}
      echo "| $t | $(field "$l" achieved_rps) | $(field "$l" errors) | $(field "$l" p50_ms) | $(field "$l" p90_ms) | $(field "$l" p99_ms) | ${RATE_ALL[$level/$t]% } | $(field "$l" p999_ms) | $(field "$l" max_ms) | $(field "$l" send_lag_p99_ms) | $(sub3 "$(field "$l" p50_ms)" "$dp50") | $(sub3 "$(field "$l" p99_ms)" "$dp99") |"
    done
    echo
  }
  rate_table half "$HALF" "1b. Latency at half of the gateway's peak (${CHAT_PEAK} req/s chat, access log on): constant rate, coordinated-omission corrected"
  rate_table low "$LOW" "1c. The same at a tenth of the gateway's peak (supplementary: less sensitive to the machine's other load)"
  echo "### 2. $STREAMS concurrent streams (POST /api/chat, emulator --ttft-ms $STREAM_TTFT --chunks $STREAM_CHUNKS --interval-ms $STREAM_INTERVAL)"
  echo
  echo "bench/StreamLoad.java, one event loop, pool of $((STREAMS + 16)) connections; $STREAM_WARMUP_ROUNDS warm-up rounds of $STREAMS short streams (2 chunks, no delays) first (pools warm on both hops, JIT warmer), then $STREAM_FULL_WARMUP_ROUNDS unmeasured rounds of the measured shape (the JIT's work on long streams). TTFB = request sent -> first NDJSON line; gap = time between consecutive lines of one stream (all gaps of all streams pooled). CPU = utime+stime of the proxy process(es) during the measured round only; RSS = VmHWM (peak) of the process since its start."
  echo
  echo "| target | ok/streams | TTFB p50 | TTFB p99 | gap p50 | gap p99 | gap max | added TTFB p50 / p99 | added gap p50 / p99 | CPU s | peak RSS MB |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  dl=${STREAM_LINE[direct]}
  for t in direct nginx gateway-default-jvm gateway; do
    l=${STREAM_LINE[$t]}
    note=""; [[ $t == direct ]] && note=" (emulator)"; [[ $t == nginx ]] && note=" (workers)"
    echo "| $t | $(field "$l" ok)/$(field "$l" streams) | $(field "$l" ttfb_p50_ms) | $(field "$l" ttfb_p99_ms) | $(field "$l" gap_p50_ms) | $(field "$l" gap_p99_ms) | $(field "$l" gap_max_ms) | $(sub "$(field "$l" ttfb_p50_ms)" "$(field "$dl" ttfb_p50_ms)") / $(sub "$(field "$l" ttfb_p99_ms)" "$(field "$dl" ttfb_p99_ms)") | $(sub "$(field "$l" gap_p50_ms)" "$(field "$dl" gap_p50_ms)") / $(sub "$(field "$l" gap_p99_ms)" "$(field "$dl" gap_p99_ms)") | $(field "$l" cpu_s)$note | $(field "$l" vmhwm_mb)$note |"
  done
  echo
  echo "\`gateway-default-jvm\` = no JVM flags at all; \`gateway\` = \`$GW_JVM_FLAGS\`. Times in ms."
  echo
  echo "### Targets"
  echo
  gw_chat=${RPS[chat/gateway/$(best chat gateway)]}; ng_chat=${RPS[chat/nginx/$(best chat nginx)]}
  gw_tags=${RPS[tags/gateway/$(best tags gateway)]}; ng_tags=${RPS[tags/nginx/$(best tags nginx)]}
  r_chat=$(ratio "$gw_chat" "$ng_chat"); r_tags=$(ratio "$gw_tags" "$ng_tags")
  added=$(sub3 "$(field "${RATE_LINE[half/gateway]}" p99_ms)" "$(field "${RATE_LINE[half/direct]}" p99_ms)")
  rss=$(field "${STREAM_LINE[gateway]}" vmhwm_mb); ok=$(field "${STREAM_LINE[gateway]}" ok)
  echo "| target | result | verdict |"
  echo "|---|---|---|"
  echo "| throughput >= 0.8x nginx (access log on) | chat $r_chat x, tags $r_tags x | $(verdict "$(awk -v a="$r_chat" -v b="$r_tags" 'BEGIN{print (a>=0.8 && b>=0.8)?1:0}')") |"
  dp99h=$(field "${RATE_LINE[half/direct]}" p99_ms)
  if awk -v d="$dp99h" 'BEGIN{exit !(d=="" || d=="NaN" || d>10)}'; then
    echo "| added p99 < 1 ms at half of peak (access log on) | $added ms, but direct's own p99 is $dp99h ms | **not measurable in this run** (the machine's other load dominates p99; see 1b/1c) |"
  else
    echo "| added p99 < 1 ms at half of peak (access log on) | $added ms | $(verdict "$(awk -v a="$added" 'BEGIN{print (a!="?" && a<1)?1:0}')") |"
  fi
  echo "| $STREAMS streams in < 300 MB RSS (flags above) | $ok ok, $rss MB | $(verdict "$(awk -v a="$rss" -v o="$ok" -v n="$STREAMS" 'BEGIN{print (a>0 && a<300 && o==n)?1:0}')") |"
  echo
  echo "<details><summary>raw client output</summary>"
  echo
  echo '```'
  for t in "${!RATE_LINE[@]}"; do echo "$t: ${RATE_LINE[$t]}"; done
  for t in "${!STREAM_LINE[@]}"; do echo "${STREAM_LINE[$t]}"; done
  echo '```'
  echo
  echo "</details>"
} >"$WORK/section.md"

if [[ ! -f $RESULTS ]]; then
  printf '# Benchmark results\n\nEach section is one run of `bench/run.sh` (newest last). See bench/README.md for what the numbers mean.\n' >"$RESULTS"
fi
cat "$WORK/section.md" >>"$RESULTS"
cat "$WORK/section.md"
log "appended to $RESULTS"
