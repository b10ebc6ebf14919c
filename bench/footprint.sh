#!/usr/bin/env bash
# Every figure of issue 27's table in one run, side by side with nginx where the table compares:
#
#   bench/footprint.sh                      # ~12 min; prints the table, appends it to bench/RESULTS.md
#   QUICK=1 bench/footprint.sh              # smoke run (~4 min): fewer runs, 300/1000 streams; marked SMOKE
#
# 1. ready: time from starting the process to the first 200 of GET /health, in a fresh empty working directory
#    (a new data directory: the store is created and migrated), with the README's command (java -jar JAR, no
#    JVM flags) and with the distribution's launcher (bin/ollama-gateway, after one first start that makes its
#    class-data archive); READY_RUNS runs each (default 5), median and range. The CPU time the process spent
#    until then is printed beside it: the load of other users of the machine changes it far less.
# 2. idle RSS (VmRSS) 5 s after ready, same runs; nginx (master + workers) beside it.
# 3. RSS at 1,000, 5,000 and 10,000 concurrent streams (STREAM_COUNTS): a fresh process per count and target
#    (README command, launcher, nginx), bench/StreamLoad.java opening every stream at once (one short warm-up
#    round first), emulator --ttft-ms 200 --chunks 50 --interval-ms 100; the figure is VmHWM, the process's
#    peak RSS since start. A count needs about 2 descriptors per stream in the proxy: counts the hard limit
#    of open files does not allow are skipped and said so.
# 4. heap allocated per non-streamed proxied request, with auth (an API key from the store), limits (the key
#    has requests- and tokens-per-minute limits, so every request is admitted against both and its prompt's
#    tokens estimated) and metering (usage recorded and written): the sum over all of the gateway's threads
#    of the bytes each allocated (jcmd Thread.print -e, the same counter as ThreadMXBean's
#    getThreadAllocatedBytes), before and after ALLOC_SECONDS of wrk on POST /api/chat, divided by the
#    requests wrk completed, less what the gateway allocates idle in as long (measured over 5 s just before);
#    after a 10 s warm-up. The counters are printed in K or M, so the run is long
#    enough for that rounding to be under 1% (the script says if it was not).
# 5. CPU per request, gateway / nginx: bench/lib.sh's interleaved wrk rounds on GET /api/tags and POST
#    /api/chat (ROUNDS, DURATION), the gateway with the bench's JVM flags and with the launcher's, shared
#    token, access log on; the ratio of the medians of CPU time per request.
#
# Needs what bench/run.sh needs (java, curl, nginx-light and wrk, installed when missing). JAR (default
# target/ollama-gateway.jar, built if missing) and DIST (default target/ollama-gateway-*-linux-x64.tar.gz; made
# with mvn -Pdist package; without it the launcher's rows are skipped). Not a test, never run in CI. Every
# process it starts is stopped on exit; everything listens on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
QUICK=${QUICK:-0}
if [[ $QUICK == 1 ]]; then
  READY_RUNS=${READY_RUNS:-2}; STREAM_COUNTS=${STREAM_COUNTS:-"300 1000"}; ALLOC_SECONDS=${ALLOC_SECONDS:-8}
  ROUNDS=${ROUNDS:-1}; DURATION=${DURATION:-4}; JIT_WARMUP=${JIT_WARMUP:-5}
else
  READY_RUNS=${READY_RUNS:-5}; STREAM_COUNTS=${STREAM_COUNTS:-"1000 5000 10000"}; ALLOC_SECONDS=${ALLOC_SECONDS:-20}
  ROUNDS=${ROUNDS:-3}; DURATION=${DURATION:-6}
fi
RESULTS=${RESULTS:-bench/RESULTS.md}
PARTS=${PARTS:-"ready streams alloc cpu"}   # a subset, e.g. PARTS=alloc, to try one part
part() { [[ " $PARTS " == *" $1 "* ]]; }
JAR=$(realpath "${JAR:-target/ollama-gateway.jar}")
TOKEN=footprint-token-$$-abcdefghijklmnop
WORK=$(mktemp -d /tmp/ollama-gateway-footprint.XXXXXX)
STARTED=()
cleanup() {
  local p
  for p in "${STARTED[@]}"; do kill "$p" 2>/dev/null || true; done
  [[ ${KEEP_LOGS:-0} == 1 ]] && echo "logs: $WORK" >&2 || rm -rf "$WORK"
}
trap cleanup EXIT
( sleep "${MAX_SECONDS:-2400}" >/dev/null 2>&1; echo "footprint.sh: time limit reached" >&2; kill -TERM $$ ) 2>/dev/null &
STARTED+=($!)
source bench/lib.sh
log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }
command -v wrk >/dev/null || need_packages wrk
NGINX=$(command -v nginx || true)
[[ -n $NGINX ]] || { need_packages nginx-light; NGINX=$(command -v nginx); }
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[[ -f $JAR ]] || { log "building $JAR"; timeout 900 mvn -q -DskipTests package; }

DIST=${DIST:-$(ls target/ollama-gateway-*-linux-x64.tar.gz 2>/dev/null | head -1 || true)}
LAUNCHER=""
if [[ -n $DIST && -f $DIST ]]; then
  mkdir -p "$WORK/dist" && tar -xzf "$DIST" -C "$WORK/dist"
  LAUNCHER=$(echo "$WORK"/dist/ollama-gateway-*/bin/ollama-gateway)
  "$LAUNCHER" --version >/dev/null 2>&1   # the first start makes lib/app.jsa (class-data sharing)
  [[ -f $(dirname "$LAUNCHER")/../lib/app.jsa ]] || log "WARNING: the launcher made no class-data archive"
else
  log "no distribution archive (mvn -Pdist package): the launcher's rows are skipped"
fi

mkdir -p "$WORK/classes"
javac -nowarn -cp "$JAR" -d "$WORK/classes" bench/StreamLoad.java 2>"$WORK/javac.log" || { cat "$WORK/javac.log"; exit 1; }
CLIENT_CP="$JAR:$WORK/classes"
HZ=$(getconf CLK_TCK)

rss_mb() { awk '/^VmRSS/ {printf "%d", $2/1024}' "/proc/$1/status"; }
hwm_mb() { awk '/^VmHWM/ {printf "%d", $2/1024}' "/proc/$1/status"; }
median() { tr ' ' '\n' | { grep . || true; } | sort -n | awk '{v[NR]=$1} END {if (NR==0) print "?"; else if (NR%2) print v[(NR+1)/2]; else print int((v[NR/2]+v[NR/2+1])/2)}'; }
range() { tr ' ' '\n' | { grep . || true; } | sort -n | awk 'NR==1{lo=$1} {hi=$1} END {print lo "-" hi}'; }

start_emulator() { # port args...: background, pid in EMU_PID
  local port=$1; shift
  java -Xmx512m -jar "$JAR" emulator --host 127.0.0.1 --port "$port" "$@" >"$WORK/emulator-$port.log" 2>&1 &
  EMU_PID=$!; STARTED+=($EMU_PID)
  wait_http "$port" 60
}

# gateway KIND NAME PORT UPSTREAM_PORT [ENV=VALUE...]: KIND readme (java -jar JAR), launcher (bin/ollama-gateway)
# or bench (java $BENCH_JVM_FLAGS -jar JAR); in a fresh working directory; pid in GW_PID, start time in GW_T0
gateway() {
  local kind=$1 name=$2 port=$3 up=$4; shift 4
  rm -rf "$WORK/$name"; mkdir -p "$WORK/$name"
  local cmd
  case $kind in
    readme) cmd=(java -jar "$JAR" serve) ;;
    launcher) cmd=("$LAUNCHER" serve) ;;
    bench) cmd=(java $BENCH_JVM_FLAGS -jar "$JAR" serve) ;;
  esac
  GW_T0=$(date +%s%N)
  ( cd "$WORK/$name" && exec env HOST=127.0.0.1 PORT="$port" OLLAMA_URL="http://127.0.0.1:$up" \
      PROXY_AUTH_TOKEN="$TOKEN" "$@" "${cmd[@]}" >"$WORK/$name.log" 2>&1 ) &
  GW_PID=$!; STARTED+=($GW_PID)
}

# wait_ready PORT PID: polls /health every 20 ms; prints "ms cpu_ms" at the first 200
wait_ready() {
  local port=$1 pid=$2 i
  for i in $(seq 1 3000); do
    if curl -fs -o /dev/null "http://127.0.0.1:$port/health"; then
      echo "$(( ($(date +%s%N) - GW_T0) / 1000000 )) $(( $(cpu_ticks "$pid") * 1000 / HZ ))"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.02
  done
  echo "the gateway did not become ready" >&2; tail -20 "$WORK"/*.log >&2; return 1
}

stop_pid() { kill "$1" 2>/dev/null || true; for _ in $(seq 1 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done; kill -9 "$1" 2>/dev/null || true; }

start_nginx() { # name port upstream_port: pid in NGX_PID
  local dir=$WORK/$1
  nginx_conf "$dir" "$2" "$3" "$NGINX_WORKERS"
  "$NGINX" -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;' >"$dir/stdout.log" 2>&1 &
  NGX_PID=$!; STARTED+=($NGX_PID)
  wait_http "$2" 20
}
nginx_pids() { echo "$1,$(pgrep -P "$1" | paste -sd, -)"; }
nginx_rss() { local sum=0 p; for p in ${1//,/ }; do sum=$(( sum + $(awk '/^VmRSS/ {print $2}' "/proc/$p/status") )); done; echo $(( sum / 1024 )); }

EMU=$(free_port); start_emulator "$EMU"; MAIN_EMU_PID=$EMU_PID

# ------------------------------------------------------------------------------- 1 + 2: ready, idle RSS
declare -A READY_MS READY_CPU IDLE_RSS IDLE_THREADS
NGINX_IDLE="–"
for kind in readme launcher; do
  part ready || continue
  [[ $kind == launcher && -z $LAUNCHER ]] && continue
  for run in $(seq 1 "$READY_RUNS"); do
    port=$(free_port)
    gateway "$kind" "ready-$kind-$run" "$port" "$EMU"
    read -r ms cpu < <(wait_ready "$port" "$GW_PID")
    sleep 5
    rss=$(rss_mb "$GW_PID"); threads=$(ls "/proc/$GW_PID/task" | wc -l)
    log "ready $kind run $run: ${ms} ms (CPU ${cpu} ms), idle RSS ${rss} MB, ${threads} threads"
    READY_MS[$kind]+=" $ms"; READY_CPU[$kind]+=" $cpu"; IDLE_RSS[$kind]+=" $rss"; IDLE_THREADS[$kind]+=" $threads"
    stop_pid "$GW_PID"
  done
done
if part ready; then
  NGX=$(free_port); start_nginx ngx-idle "$NGX" "$EMU"; sleep 2
  NGINX_IDLE="$(nginx_rss "$(nginx_pids "$NGX_PID")") MB"; stop_pid "$NGX_PID"
  log "nginx idle RSS ${NGINX_IDLE}"
fi

# ------------------------------------------------------------------------------------- 3: RSS at N streams
declare -A STREAM_RSS
part streams && { STREAM_EMU=$(free_port); start_emulator "$STREAM_EMU" --ttft-ms 200 --chunks 50 --interval-ms 100 --event-loops 2; }
STREAM_EMU_PID=$EMU_PID
hard=$(ulimit -Hn)
for n in $STREAM_COUNTS; do
  part streams || break
  if (( hard != 0 && hard < 2 * n + 500 )); then
    log "$n streams: skipped, the open-files limit is $hard (needs about $((2 * n + 500)); raise it: ulimit -Hn)"
    for kind in readme launcher nginx; do STREAM_RSS[$kind,$n]="skipped (ulimit -n $hard)"; done
    continue
  fi
  for kind in readme launcher nginx; do
    [[ $kind == launcher && -z $LAUNCHER ]] && continue
    port=$(free_port)
    if [[ $kind == nginx ]]; then
      start_nginx "ngx-$n" "$port" "$STREAM_EMU"; pids=$(nginx_pids "$NGX_PID"); pid=$NGX_PID; auth=()
    else
      gateway "$kind" "streams-$kind-$n" "$port" "$STREAM_EMU" UPSTREAM_MAX_CONNECTIONS=$(( n + 100 ))
      wait_ready "$port" "$GW_PID" >/dev/null; pids=$GW_PID; pid=$GW_PID; auth=(--token "$TOKEN")
    fi
    line=$(timeout 300 java -Xmx1g -cp "$CLIENT_CP" StreamLoad --url "http://127.0.0.1:$port/api/chat" --streams "$n" \
      "${auth[@]}" --warmup-rounds 1 --full-warmup-rounds 0 --pids "$pids" --label "$kind-$n" --timeout-s 200 \
      2>"$WORK/streams-$kind-$n.err" | grep '^RESULT' || true)
    if [[ $kind == nginx ]]; then
      hwm=0; for p in ${pids//,/ }; do hwm=$(( hwm + $(hwm_mb "$p") )); done
    else
      hwm=$(hwm_mb "$pid")
    fi
    ok=$(sed -n 's/.* ok=\([0-9]*\).*/\1/p' <<<"$line")
    STREAM_RSS[$kind,$n]="$hwm MB (${ok:-?}/$n ok)"
    log "$n streams, $kind: peak RSS $hwm MB, ${ok:-?}/$n streams complete"
    stop_pid "$pid"
  done
done
part streams && stop_pid "$STREAM_EMU_PID"

# ------------------------------------------------------------------- 4: heap allocated per proxied request
# Thread.print -e: allocated=NNN[B|K|M|G] per thread; the sum, in bytes, of the threads alive at that moment
allocated_bytes() {
  jcmd "$1" Thread.print -e 2>/dev/null | sed -n 's/.* allocated=\([0-9]*\)\([BKMG]\) .*/\1 \2/p' \
    | awk '{m = ($2=="K") ? 1024 : ($2=="M") ? 1048576 : ($2=="G") ? 1073741824 : 1; s += $1 * m;
            if ($2=="M" || $2=="G") coarse += m} END {printf "%.0f %.0f\n", s, coarse}'
}
ALLOC_PER="–"; ALLOC_GROSS="–"; IDLE_RATE=0; ALLOC_N=0; ALLOC_BAD=0; ALLOC_ERR="?"
if part alloc; then
ALLOC_PORT=$(free_port)
gateway readme alloc "$ALLOC_PORT" "$EMU" ACCESS_LOG=true
wait_ready "$ALLOC_PORT" "$GW_PID" >/dev/null
ALLOC_PID=$GW_PID
(cd "$WORK/alloc" && java -jar "$JAR" users create footprint >/dev/null 2>&1) || true
KEY=$(cd "$WORK/alloc" && java -jar "$JAR" keys create --user footprint --name footprint \
  --requests-per-minute 100000000 --requests-per-hour 1000000000 --tokens-per-minute 1000000000 \
  --max-concurrent 100000 --json 2>"$WORK/key.err" \
  | sed -n 's/.*"key" *: *"\([^"]*\)".*/\1/p' || true)
[[ -n $KEY ]] || { log "could not create an API key: $(cat "$WORK/key.err")"; exit 1; }
cat >"$WORK/chat-key.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"model":"llama3.2","stream":false,"messages":[{"role":"user","content":"hello there"}]}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $KEY"
LUA
for _ in $(seq 1 40); do   # the key cache picks the new key up
  [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$ALLOC_PORT/api/tags" -H "Authorization: Bearer $KEY") == 200 ]] && break
  sleep 0.5
done
timeout 60 wrk -t2 -c32 -d10s -s "$WORK/chat-key.lua" "http://127.0.0.1:$ALLOC_PORT/api/chat" >/dev/null
# what the gateway allocates with no traffic (timers, probes, metrics), per second: subtracted below
read -r i0 _ < <(allocated_bytes "$ALLOC_PID"); sleep 5; read -r i1 _ < <(allocated_bytes "$ALLOC_PID")
IDLE_RATE=$(( (i1 - i0) / 5 ))
read -r a0 _ < <(allocated_bytes "$ALLOC_PID")
t0=$(date +%s%N)
out=$(timeout $((ALLOC_SECONDS + 30)) wrk -t2 -c32 -d"${ALLOC_SECONDS}s" -s "$WORK/chat-key.lua" "http://127.0.0.1:$ALLOC_PORT/api/chat")
read -r a1 coarse < <(allocated_bytes "$ALLOC_PID")
t1=$(date +%s%N)
IDLE_BYTES=$(( IDLE_RATE * (t1 - t0) / 1000000000 ))
ALLOC_N=$(awk '/requests in/ {print $1}' <<<"$out"); ALLOC_BAD=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
ALLOC_PER=$(awk -v a="$a0" -v b="$a1" -v i="$IDLE_BYTES" -v n="$ALLOC_N" 'BEGIN {printf "%.0f", (n > 0 ? (b - a - i) / n : 0)}')
ALLOC_GROSS=$(awk -v a="$a0" -v b="$a1" -v n="$ALLOC_N" 'BEGIN {printf "%.0f", (n > 0 ? (b - a) / n : 0)}')
ALLOC_ERR=$(awk -v c="$coarse" -v d="$((a1 - a0))" 'BEGIN {printf "%.1f", (d > 0 ? 100 * c / d : 100)}')
if (( ${ALLOC_BAD:-0} * 100 > ${ALLOC_N:-0} )); then
  log "WARNING: ${ALLOC_BAD} of $ALLOC_N answers were not 2xx: the figure is not of proxied requests"
  ALLOC_PER="$ALLOC_PER (NOT proxied: ${ALLOC_BAD} non-2xx)"
fi
log "allocation: $ALLOC_PER bytes per request ($ALLOC_GROSS with the idle gateway's $IDLE_RATE B/s) over $ALLOC_N requests (${ALLOC_BAD:-0} non-2xx; rounding <= ${ALLOC_ERR}%)"
stop_pid "$ALLOC_PID"
fi

# ------------------------------------------------------------------------------ 5: CPU per request vs nginx
: >"$WORK/cpu.txt"
if part cpu; then
NGX=$(free_port); start_nginx ngx-cpu "$NGX" "$EMU"
GWB=$(free_port); gateway bench cpu-bench "$GWB" "$EMU"; wait_ready "$GWB" "$GW_PID" >/dev/null; GWB_PID=$GW_PID
targets=("nginx=$NGX=$(nginx_pids "$NGX_PID" | sed 's/^[0-9]*,//')" "gateway-bench-flags=$GWB=$GWB_PID")
if [[ -n $LAUNCHER ]]; then
  GWL=$(free_port); gateway launcher cpu-launcher "$GWL" "$EMU"; wait_ready "$GWL" "$GW_PID" >/dev/null
  targets+=("gateway-launcher=$GWL=$GW_PID")
fi
UPSTREAM_PID=$MAIN_EMU_PID
export JIT_WARMUP
measure_rounds "$ROUNDS" "$DURATION" 64 "${targets[@]}" | tee "$WORK/cpu.txt" >&2
fi
cpu_median() { awk -v l="$1" -v w="$2" '$3==l && $4==w {for (i=1;i<=NF;i++) if ($i=="us/req") {print $(i+1); break}}' "$WORK/cpu.txt" | tr '\n' ' ' | median_float; }
median_float() { tr ' ' '\n' | { grep . || true; } | sort -g | awk '{v[NR]=$1} END {if (NR==0) print "?"; else if (NR%2) print v[(NR+1)/2]; else printf "%.1f", (v[NR/2]+v[NR/2+1])/2}'; }

# ---------------------------------------------------------------------------------------------- report
commit=$(git rev-parse --short HEAD 2>/dev/null || echo "?")
row_ready() { [[ -n ${READY_MS[$1]:-} ]] && echo "$(median <<<"${READY_MS[$1]}") ms ($(range <<<"${READY_MS[$1]}"); CPU $(median <<<"${READY_CPU[$1]}") ms)" || echo "–"; }
row_rss() { [[ -n ${IDLE_RSS[$1]:-} ]] && echo "$(median <<<"${IDLE_RSS[$1]}") MB ($(range <<<"${IDLE_RSS[$1]}"); $(median <<<"${IDLE_THREADS[$1]}") threads)" || echo "–"; }
{
  echo
  echo "## $(date -u '+%Y-%m-%d %H:%M') UTC — footprint (bench/footprint.sh, issue 27)$([[ $QUICK == 1 ]] && echo ' — SMOKE')"
  echo
  echo "- commit \`$commit\`; jar \`${JAR#"$ROOT"/}\`; distribution \`${DIST:-none}\`"
  echo "- machine: $(nproc) CPUs, $(free -m | awk '/Mem:/ {print $2}') MB RAM, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end; $(java -version 2>&1 | head -1)"
  echo "- README command: \`java -jar ollama-gateway.jar\` (no JVM flags); launcher: \`bin/ollama-gateway\` of the distribution (its JVM flags and class-data archive); bench flags: \`$BENCH_JVM_FLAGS\`"
  echo
  echo "| figure | README command | launcher | nginx | goal |"
  echo "|---|---|---|---|---|"
  echo "| ready (first /health 200), median (range; CPU until then), $READY_RUNS runs, fresh data directory | $(row_ready readme) | $(row_ready launcher) | – | ≤ 1.5 s; ≤ 0.8 s with the launcher |"
  echo "| idle RSS 5 s after ready, median (range) | $(row_rss readme) | $(row_rss launcher) | $NGINX_IDLE | ≤ 110 MB; ≤ 80 MB with the launcher |"
  for n in $STREAM_COUNTS; do
    goal="–"; case $n in 1000) goal="≤ 200 MB" ;; 5000) goal="≤ 320 MB" ;; 10000) goal="≤ 512 MB" ;; esac
    echo "| peak RSS at $n concurrent streams | ${STREAM_RSS[readme,$n]:-–} | ${STREAM_RSS[launcher,$n]:-–} | ${STREAM_RSS[nginx,$n]:-–} | $goal |"
  done
  echo "| heap allocated per non-streamed proxied request (API key with limits, metering, access log) | $ALLOC_PER B ($ALLOC_GROSS B before subtracting what the idle gateway allocates, $IDLE_RATE B/s; $ALLOC_N requests, ${ALLOC_BAD:-0} non-2xx; counter rounding ≤ $ALLOC_ERR%) | – | – | ≤ 3 KB |"
  ng=$(cpu_median nginx chat); gb=$(cpu_median gateway-bench-flags chat); gl=$(cpu_median gateway-launcher chat)
  ngt=$(cpu_median nginx tags); gbt=$(cpu_median gateway-bench-flags tags); glt=$(cpu_median gateway-launcher tags)
  echo "| CPU per request, gateway ÷ nginx, chat (tags), median of $ROUNDS rounds | bench flags: $(ratio "$gb" "$ng") ($(ratio "$gbt" "$ngt")); $gb vs $ng us | $([[ $gl == "?" ]] && echo "–" || echo "$(ratio "$gl" "$ng") ($(ratio "$glt" "$ngt")); $gl us") | $ng us ($ngt) | ≤ 1.4 |"
  echo
  echo "<details><summary>CPU rounds</summary>"
  echo
  echo '```'
  cat "$WORK/cpu.txt"
  echo '```'
  echo
  echo "</details>"
} | tee -a "$RESULTS"
