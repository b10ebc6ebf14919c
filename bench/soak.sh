#!/usr/bin/env bash
# Soak: 30 minutes (SOAK_MINUTES) of mixed traffic through one gateway at a steady rate, its memory,
# descriptors, threads and upstream connections sampled every 10 s, and a verdict. Not a test, never in CI.
#
#   bench/soak.sh                          # 30 min + ~1 min around it
#   SOAK_MINUTES=3 bench/soak.sh           # a short try
#
# Traffic (bench/SoakLoad.java, SOAK_RATE requests/s, default 300, at most 1,000 under way): long native chat
# streams (40%, 7 s each), non-streamed chats (20%), embeddings (10%), streams the upstream breaks mid-way (10%),
# client errors (10%: malformed JSON, 400; an unknown key, 401) and clients that vanish mid-stream (10%). About
# 1,000 requests are under way at any time. The upstream is the gateway's own emulator; the gateway runs with
# the README's command (java -jar, no JVM flags; SOAK_JVM_FLAGS adds some) in a fresh working directory, an API
# key of a user (and an admin key to read the usage), AUTH_FAILURE_LIMIT=0 (else the 401s would get the load's
# address refused) and UPSTREAM_MAX_CONNECTIONS=1200.
#
# Every 10 s: VmRSS; the heap after a full collection (jcmd GC.run, then GC.heap_info: the live heap, what a
# leak makes grow; once a minute, GC_SECONDS, the value repeated in between); open descriptors (/proc/PID/fd); threads (/proc/PID/task); established connections to the
# upstream (ss). Written to bench/soak/soak-DATE.csv and drawn (gnuplot, installed from Debian when missing)
# as bench/soak/soak-DATE.png; the verdict is printed and appended to bench/RESULTS.md (RESULTS) with both.
#
# Verdict, on the samples after the warm-up (the first fifth of the run, at least 30 s):
#   RSS              every sample within ±10% of their median
#   heap after GC    every sample within ±10% of their median (or 4 MB)
#   descriptors, upstream connections   the mean of the last third within 5% (or 10) of the mean of the first:
#                    they follow the number of requests under way, so they move; a leak makes them climb
#   threads          max - min <= 2
#   usage            once the load has stopped and usage is written: the gateway's recorded tokens that are not
#                    estimates (prompt + completion - estimated, GET /admin/api/usage) equal the counts the client
#                    read from every answer that carried them, and the requests recorded equal the requests the
#                    client sent with a key the gateway knows (forwarded, and the malformed ones it answered 400).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SOAK_MINUTES=${SOAK_MINUTES:-30}
SOAK_RATE=${SOAK_RATE:-300}
SAMPLE_SECONDS=${SAMPLE_SECONDS:-10}
# the full collection that measures the live heap also lets the heap shrink (the gateway keeps at most 40% of
# it free), which RSS then shows: once a minute, so that most RSS samples see the heap as the load keeps it
GC_SECONDS=${GC_SECONDS:-60}
NEXT_GC=0
HEAP=0
RESULTS=${RESULTS:-bench/RESULTS.md}
OUT_DIR=${OUT_DIR:-bench/soak}
JAR=$(realpath "${JAR:-target/ollama-gateway.jar}")
WORK=$(mktemp -d /tmp/ollama-gateway-soak.XXXXXX)
STAMP=$(date -u +%Y%m%d-%H%M)
STARTED=()
cleanup() {
  local p
  for p in "${STARTED[@]}"; do kill "$p" 2>/dev/null || true; done
  [[ ${KEEP_LOGS:-0} == 1 ]] && echo "logs: $WORK" >&2 || rm -rf "$WORK"
}
trap cleanup EXIT
( sleep $(( SOAK_MINUTES * 60 + 600 )); echo "soak.sh: time limit reached" >&2; kill -TERM $$ ) 2>/dev/null &
STARTED+=($!)
source bench/common.sh
log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }
if ! command -v gnuplot >/dev/null; then
  apt-get install -y -qq gnuplot-nox >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq gnuplot-nox >/dev/null; }
fi
command -v jcmd >/dev/null && command -v ss >/dev/null && command -v curl >/dev/null \
  || { echo "soak.sh needs jcmd (a JDK), ss and curl" >&2; exit 2; }
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[[ -f $JAR ]] || { log "building $JAR"; timeout 900 mvn -q -DskipTests package; }
mkdir -p "$WORK/classes" "$OUT_DIR"
javac -nowarn -cp "$JAR" -d "$WORK/classes" bench/SoakLoad.java

EMU=$(free_port)
java -Xmx512m -jar "$JAR" emulator --host 127.0.0.1 --port "$EMU" --event-loops 2 >"$WORK/emulator.log" 2>&1 &
STARTED+=($!)
wait_http "$EMU" 60

GW_PORT=$(free_port)
mkdir -p "$WORK/gw"
# shellcheck disable=SC2086
( cd "$WORK/gw" && exec env HOST=127.0.0.1 PORT="$GW_PORT" OLLAMA_URL="http://127.0.0.1:$EMU" AUTH_FAILURE_LIMIT=0 \
    UPSTREAM_MAX_CONNECTIONS=1200 java ${SOAK_JVM_FLAGS:-} -jar "$JAR" serve >"$WORK/gateway.log" 2>&1 ) &
GW=$!; STARTED+=($GW)
wait_http "http://127.0.0.1:$GW_PORT/health" 120
key_of() { sed -n 's/.*"key" *: *"\([^"]*\)".*/\1/p'; }
ADMIN=$(cd "$WORK/gw" && java -jar "$JAR" keys create --admin --name soak-admin --json 2>/dev/null | key_of)
(cd "$WORK/gw" && java -jar "$JAR" users create soak >/dev/null 2>&1) || true
KEY=$(cd "$WORK/gw" && java -jar "$JAR" keys create --user soak --name soak --requests-per-minute 100000000 --requests-per-hour 1000000000 --tokens-per-minute 1000000000 --max-concurrent 100000 --json 2>/dev/null | key_of)
[[ -n $ADMIN && -n $KEY ]] || { log "could not create the keys"; tail -20 "$WORK/gateway.log" >&2; exit 1; }
for _ in $(seq 1 60); do   # the running gateway picks the new keys up
  [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$GW_PORT/api/tags" -H "Authorization: Bearer $KEY") == 200 ]] && break
  sleep 0.5
done
# that call was a request too: the usage comparison starts from what is recorded before the load
sleep 3
usage_totals() { # -> "requests prompt completion estimated errors", summed over every row of /admin/api/usage
  curl -s "http://127.0.0.1:$GW_PORT/admin/api/usage?group_by=month" -H "Authorization: Bearer $ADMIN" \
    | java -cp "$JAR" "$ROOT/bench/UsageSum.java"
}
read -r U0_REQ U0_PROMPT U0_COMPLETION U0_EST U0_ERR < <(usage_totals)

CSV="$OUT_DIR/soak-$STAMP.csv"
PNG="$OUT_DIR/soak-$STAMP.png"
echo "elapsed_s,rss_mb,heap_after_gc_mb,fds,threads,upstream_connections" >"$CSV"
sample() { # elapsed
  local rss heap fds threads up
  rss=$(awk '/^VmRSS/ {printf "%.1f", $2/1024}' "/proc/$GW/status")
  if (( $1 >= NEXT_GC )); then
    jcmd "$GW" GC.run >/dev/null 2>&1 || true
    HEAP=$(jcmd "$GW" GC.heap_info 2>/dev/null | awk '/(heap|generation) +total/ {for (i=1;i<=NF;i++) if ($i=="used") {v=$(i+1); sub(/K,?$/,"",v); s+=v}} END {printf "%.1f", s/1024}')
    NEXT_GC=$(( $1 + GC_SECONDS ))
  fi
  heap=$HEAP
  fds=$(ls "/proc/$GW/fd" | wc -l)
  threads=$(ls "/proc/$GW/task" | wc -l)
  up=$(ss -Htnp state established "( dport = :$EMU )" 2>/dev/null | grep -c "pid=$GW," || true)
  echo "$1,$rss,$heap,$fds,$threads,$up" >>"$CSV"
}

log "soak: $SOAK_MINUTES min at $SOAK_RATE requests/s through 127.0.0.1:$GW_PORT (gateway pid $GW); samples in $CSV"
T0=$(date +%s)
sample 0
java -Xmx1g -cp "$JAR:$WORK/classes" SoakLoad --url "http://127.0.0.1:$GW_PORT" --key "$KEY" --rate "$SOAK_RATE" \
  --seconds $(( SOAK_MINUTES * 60 )) --max-in-flight 1000 >"$WORK/load.out" 2>"$WORK/load.err" &
LOAD=$!; STARTED+=($LOAD)
next=$SAMPLE_SECONDS
while kill -0 "$LOAD" 2>/dev/null; do
  now=$(( $(date +%s) - T0 ))
  if (( now >= next )); then
    sample "$now"; next=$(( next + SAMPLE_SECONDS ))
    (( now % 60 < SAMPLE_SECONDS )) && log "$(tail -1 "$CSV")  $(grep PROGRESS "$WORK/load.out" | tail -1 | cut -c1-160)"
  fi
  sleep 1
done
wait "$LOAD" || true
SENT=$(grep '^SENT' "$WORK/load.out" || true)
[[ -n $SENT ]] || { log "the load generator printed no totals"; tail -20 "$WORK/load.err" >&2; exit 1; }
log "$SENT"
sleep 5   # USAGE_FLUSH_INTERVAL is 1 s
read -r U1_REQ U1_PROMPT U1_COMPLETION U1_EST U1_ERR < <(usage_totals)
field() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<" $SENT"; }

# ------------------------------------------------------------------------------------------------ verdict
ELAPSED=$(( $(date +%s) - T0 ))
WARMUP=$(( SOAK_MINUTES * 60 / 5 )); (( WARMUP < 30 )) && WARMUP=30
verdict_series() { # column name rule
  awk -F, -v col="$1" -v name="$2" -v rule="$3" -v warm="$WARMUP" '
    NR > 1 && $1 >= warm && $1 <= '"$(( SOAK_MINUTES * 60 ))"' { v[++n] = $col }
    END {
      if (n < 3) { printf "| %s | %d samples after warm-up: too few | **FAILED** |\n", name, n; exit }
      for (i = 1; i <= n; i++) s[i] = v[i]
      asort(s); med = (n % 2) ? s[(n+1)/2] : (s[n/2] + s[n/2+1]) / 2; lo = s[1]; hi = s[n]
      third = int(n / 3); a = 0; b = 0
      for (i = 1; i <= third; i++) { a += v[i]; b += v[n - third + i] }
      a /= third; b /= third
      if (rule == "rss") { ok = (lo >= 0.9 * med && hi <= 1.1 * med); detail = sprintf("median %.1f, min %.1f, max %.1f (±10%%: %.1f-%.1f)", med, lo, hi, 0.9*med, 1.1*med) }
      else if (rule == "heap") { tol = (0.1 * med > 4) ? 0.1 * med : 4; ok = (lo >= med - tol && hi <= med + tol); detail = sprintf("median %.1f MB, min %.1f, max %.1f", med, lo, hi) }
      else if (rule == "trend") { tol = (0.05 * a > 10) ? 0.05 * a : 10; d = b - a; ok = (d <= tol && d >= -tol); detail = sprintf("mean of first third %.1f, of last third %.1f (%+.1f; allowed ±%.1f); min %d, max %d", a, b, d, tol, lo, hi) }
      else { ok = (hi - lo <= 2); detail = sprintf("min %d, max %d", lo, hi) }
      printf "| %s | %s | %s |\n", name, detail, ok ? "flat" : "**GROWS / NOT FLAT**"
    }' "$CSV"
}
EXACT_SENT=$(( $(field exact_prompt_tokens) + $(field exact_completion_tokens) ))
EXACT_REC=$(( (U1_PROMPT - U0_PROMPT) + (U1_COMPLETION - U0_COMPLETION) - (U1_EST - U0_EST) ))
REQ_REC=$(( U1_REQ - U0_REQ ))
# sent with a key the gateway knows: the requests sent upstream, and the malformed ones it answered 400
REQ_SENT=$(( $(field forwarded) + $(field refused_400) ))
VERDICT=$(
  verdict_series 2 "RSS (MB)" rss
  verdict_series 3 "heap after GC (MB)" heap
  verdict_series 4 "open descriptors" trend
  verdict_series 5 "threads" threads
  verdict_series 6 "upstream connections" trend
  echo "| usage: tokens with the upstream's counts | recorded $EXACT_REC (prompt+completion-estimated), read by the client $EXACT_SENT | $([[ $EXACT_REC == "$EXACT_SENT" ]] && echo equal || echo '**DIFFERENT**') |"
  echo "| usage: requests | recorded $REQ_REC (errors $(( U1_ERR - U0_ERR )), estimated tokens $(( U1_EST - U0_EST ))); sent with a key the gateway knows: $(field forwarded) forwarded + $(field refused_400) malformed (400); $(field refused_401) with an unknown key (401, not metered) | $([[ $REQ_REC == "$REQ_SENT" ]] && echo equal || echo '**DIFFERENT**') |"
)

gnuplot <<GNUPLOT 2>"$WORK/gnuplot.err" || log "gnuplot failed: $(cat "$WORK/gnuplot.err")"
set terminal pngcairo size 1400,900 font ",10" noenhanced
set output "$PNG"
set datafile separator ","
set multiplot layout 2,3 title "ollama-gateway soak $STAMP: $SOAK_MINUTES min at $SOAK_RATE req/s, ~1,000 under way (warm-up shaded)"
set xlabel "s"
set grid
set key off
set object 1 rectangle from 0, graph 0 to $WARMUP, graph 1 fillcolor rgb "#eeeeee" behind
set yrange [0:*]
set title "RSS (MB)";              plot "$CSV" using 1:2 every ::1 with linespoints pt 7 ps 0.4
set title "heap after GC (MB)";    plot "$CSV" using 1:3 every ::1 with linespoints pt 7 ps 0.4
set title "open descriptors";      plot "$CSV" using 1:4 every ::1 with linespoints pt 7 ps 0.4
set title "threads";               plot "$CSV" using 1:5 every ::1 with linespoints pt 7 ps 0.4
set title "upstream connections";  plot "$CSV" using 1:6 every ::1 with linespoints pt 7 ps 0.4
unset multiplot
GNUPLOT

{
  echo
  echo "## $(date -u '+%Y-%m-%d %H:%M') UTC — soak (bench/soak.sh, issue 27): $SOAK_MINUTES min$([[ $SOAK_MINUTES -lt 30 ]] && echo ' — SHORT')"
  echo
  echo "- commit \`$(git rev-parse --short HEAD 2>/dev/null || echo '?')\`; gateway \`java ${SOAK_JVM_FLAGS:-} -jar ${JAR#"$ROOT"/}\`; $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end; $(java -version 2>&1 | head -1)"
  echo "- $SOAK_RATE requests/s for $SOAK_MINUTES min, at most 1,000 under way; samples every ${SAMPLE_SECONDS} s: [\`${CSV#bench/}\`](${CSV#bench/}), drawn in [\`${PNG#bench/}\`](${PNG#bench/}); warm-up (not judged): first $WARMUP s"
  echo "- client: \`$SENT\`"
  echo
  echo "| series | after the warm-up | verdict |"
  echo "|---|---|---|"
  echo "$VERDICT"
  echo
  echo "![soak](${PNG#bench/})"
} | tee -a "$RESULTS"
grep -q -e 'NOT FLAT' -e 'DIFFERENT' -e FAILED <<<"$VERDICT" && exit 1 || exit 0
