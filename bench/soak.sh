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
# Every 10 s, without touching the gateway (no jcmd, no forced collection: a forced full collection lets G1 shrink
# its heap, which RSS shows and the load then undoes, so the measurement itself moved RSS by more than 10%):
#   rss_mb             VmRSS (/proc/PID/status)
#   heap_after_gc_mb   the smallest heap after the JVM's own collections in those 10 s: the after-size of every
#                      "Pause Young" and "Pause Full" line of the gateway's GC log (Remark and Cleanup are left out,
#                      they run with a full eden); empty when no collection ended in the window. Under G1 it
#                      saw-tooths: the 7 s streams' objects outlive a few young collections and die in the old
#                      generation, which only a concurrent cycle and its mixed collections empty, every few minutes
#                      (and they leave up to 5% of the heap as garbage, G1HeapWastePercent); so it is drawn, not judged.
#   live_after_marking_mb  what G1's last concurrent marking in those 10 s found live ("next-live" of its
#                      Post-Marking summary, gc+liveness=trace): the live heap, measured by the collector without
#                      a forced collection, what a leak makes climb. One value per concurrent cycle (every few
#                      minutes under this load), empty otherwise: judged.
#   fds, threads       /proc/PID/fd, /proc/PID/task
#   upstream_connections  established connections to the upstream (ss)
#   gcs, gc_pause_ms, heap_committed_mb  the window's collections (every pause), their pause time, and the heap's
#                      committed size after the last one (what RSS follows)
# Written to bench/soak/soak-DATE.csv and drawn (gnuplot, installed from Debian when missing) as
# bench/soak/soak-DATE.png; the verdict is printed and appended to bench/RESULTS.md (RESULTS) with both, and with a
# summary of the GC log (collections by kind, longest pause, anything that should not happen: full collections,
# evacuation failures, humongous allocations). KEEP_LOGS=1 keeps the GC log, the gateway's and the client's.
#
# Verdict, on the samples after the warm-up (the first fifth of the run, at least 30 s); each line says its rule:
#   RSS              every sample within ±10% of their median
#   heap after GC    no upward trend of live_after_marking_mb (with fewer than 3 such samples after the warm-up,
#                    of heap_after_gc_mb instead, as the row says): the mean of its last third at most 10% of the
#                    median (or 4 MB, whichever is more) above the mean of its first third, and the least-squares
#                    line through all of them rising by no more than that over the judged time
#   descriptors, upstream connections   the mean of the last third within 5% (or 10) of the mean of the first:
#                    they follow the number of requests under way, so they move; a leak makes them climb
#   threads          max - min <= 2
#   usage            once the load has stopped and usage is written: the gateway's recorded tokens that are not
#                    estimates (prompt + completion - estimated, GET /admin/api/usage) equal the counts the client
#                    read from every answer that carried them, and the requests recorded equal the requests the
#                    client sent with a key the gateway knows (forwarded, and the malformed ones it answered 400).
# The client's unexpected outcomes (an answer other than the one its kind of request calls for: SoakLoad.java) are
# listed by what happened, with examples; they do not change the verdict.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SOAK_MINUTES=${SOAK_MINUTES:-30}
SOAK_RATE=${SOAK_RATE:-300}
SAMPLE_SECONDS=${SAMPLE_SECONDS:-10}
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
command -v ss >/dev/null && command -v curl >/dev/null || { echo "soak.sh needs ss and curl" >&2; exit 2; }
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
GCLOG=$WORK/gc.log
# logging only: every collection with its sizes, and the live heap each concurrent marking found (gc+liveness: a
# line per region and a summary, twice a cycle), in one file (filecount=0: never rotated, the sampler reads it on)
GC_FLAGS="-Xlog:gc*,gc+liveness=trace:file=$GCLOG:utctime,uptime,level,tags:filecount=0"
# shellcheck disable=SC2086
( cd "$WORK/gw" && exec env HOST=127.0.0.1 PORT="$GW_PORT" OLLAMA_URL="http://127.0.0.1:$EMU" AUTH_FAILURE_LIMIT=0 \
    UPSTREAM_MAX_CONNECTIONS=1200 java ${SOAK_JVM_FLAGS:-} $GC_FLAGS -jar "$JAR" serve >"$WORK/gateway.log" 2>&1 ) &
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
echo "elapsed_s,rss_mb,heap_after_gc_mb,fds,threads,upstream_connections,gcs,gc_pause_ms,heap_committed_mb,live_after_marking_mb" >"$CSV"
GC_OFF=0       # bytes of the GC log read so far
GC_MARKING=0   # 1 between a "Post-Marking" liveness header and its summary (which may come in the next window)
# -> "OFFSET,MARKING,HEAP_AFTER_MIN,GCS,PAUSE_MS,COMMITTED,LIVE" for the whole lines written since byte GC_OFF (a
# half-written last line is left for the next window). Sizes are printed in K, M or G: all in MB here.
gc_window() {
  tail -c +$(( GC_OFF + 1 )) "$GCLOG" 2>/dev/null | LC_ALL=C awk -v off="$GC_OFF" -v marking="$GC_MARKING" '
    function mb(n, u) { return u == "K" ? n / 1024 : u == "G" ? n * 1024 : n }
    RT == "" { exit }
    { off += length($0) + 1 }
    /### PHASE / { marking = index($0, "### PHASE Post-Marking") > 0 }
    /### SUMMARY / && marking && match($0, /next-live: *([0-9.]+) MB/, l) { live = l[1]; marking = 0 }
    match($0, /\] GC\([0-9]+\) Pause ([A-Z][a-z]+).* [0-9.]+[KMG]->([0-9.]+)([KMG])\(([0-9.]+)([KMG])\) ([0-9.]+)ms$/, m) {
      gcs++; pause += m[6]; committed = mb(m[4], m[5])
      if (m[1] == "Young" || m[1] == "Full") { after = mb(m[2], m[3]); if (!seen++ || after < low) low = after }
    }
    END {
      printf "%d,%d,%s,%d,%.1f,%s,%s\n", off, marking, seen ? sprintf("%.1f", low) : "", gcs, pause,
        committed == "" ? "" : sprintf("%.0f", committed), live
    }'
}
sample() { # elapsed
  local rss fds threads up gc
  rss=$(awk '/^VmRSS/ {printf "%.1f", $2/1024}' "/proc/$GW/status")
  gc=$(gc_window); GC_OFF=${gc%%,*}; gc=${gc#*,}; GC_MARKING=${gc%%,*}; gc=${gc#*,}
  fds=$(ls "/proc/$GW/fd" | wc -l)
  threads=$(ls "/proc/$GW/task" | wc -l)
  up=$(ss -Htnp state established "( dport = :$EMU )" 2>/dev/null | grep -c "pid=$GW," || true)
  IFS=, read -r heap gcs pause committed live <<<"$gc"
  echo "$1,$rss,$heap,$fds,$threads,$up,$gcs,$pause,$committed,$live" >>"$CSV"
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
    # the next window boundary after now: after a stall (a machine that stopped for a while) one sample, not a burst
    sample "$now"; next=$(( (now / SAMPLE_SECONDS + 1) * SAMPLE_SECONDS ))
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
END_S=$(( SOAK_MINUTES * 60 ))
# verdict_series COLUMN NAME RULE [FALLBACK]: one table row, "| name | what was measured, against which rule |
# verdict |", on the non-empty samples of COLUMN after the warm-up (of FALLBACK when COLUMN has fewer than 3). For
# the heap it also writes the least-squares line (intercept slope from to) to $WORK/heap.fit for the PNG.
verdict_series() {
  awk -F, -v col="$1" -v name="$2" -v rule="$3" -v spare="${4:-0}" -v warm="$WARMUP" -v end="$END_S" \
      -v fit="$WORK/heap.fit" '
    NR == 1 { for (i = 1; i <= NF; i++) title[i] = $i }
    NR > 1 && $1 >= warm && $1 <= end && $col != "" { t[++n] = $1; v[n] = $col }
    NR > 1 && $1 >= warm && $1 <= end && spare && $spare != "" { t2[++n2] = $1; v2[n2] = $spare }
    END {
      used = title[col]; note = ""
      if (n < 3 && spare) {
        note = sprintf(" (%s has %d samples after the warm-up, too few)", title[col], n)
        n = n2; used = title[spare]; col = spare; for (i = 1; i <= n; i++) { t[i] = t2[i]; v[i] = v2[i] }
      }
      if (n < 3) { printf "| %s | %d samples after the warm-up: too few to judge | **FAILED** |\n", name, n; exit }
      for (i = 1; i <= n; i++) s[i] = v[i]
      asort(s); med = (n % 2) ? s[(n+1)/2] : (s[n/2] + s[n/2+1]) / 2; lo = s[1]; hi = s[n]
      third = int(n / 3); a = 0; b = 0
      for (i = 1; i <= third; i++) { a += v[i]; b += v[n - third + i] }
      a /= third; b /= third
      if (rule == "rss") {
        out = 0; list = ""
        for (i = 1; i <= n; i++) if (v[i] < 0.9 * med || v[i] > 1.1 * med) { if (++out <= 5) list = list sprintf("%s%.1f at %d s", out > 1 ? ", " : "", v[i], t[i]) }
        ok = out == 0
        detail = sprintf("rule: every sample within ±10%% of the median, %.1f-%.1f; median %.1f, min %.1f, max %.1f; %d of %d samples outside%s", 0.9 * med, 1.1 * med, med, lo, hi, out, n, out ? " (" list (out > 5 ? ", ..." : "") ")" : "")
        bad = "**NOT FLAT**"
      } else if (rule == "heap") {
        tol = (0.1 * med > 4) ? 0.1 * med : 4
        st = 0; sv = 0; for (i = 1; i <= n; i++) { st += t[i]; sv += v[i] } ; st /= n; sv /= n
        num = 0; den = 0; for (i = 1; i <= n; i++) { num += (t[i] - st) * (v[i] - sv); den += (t[i] - st) ^ 2 }
        slope = den ? num / den : 0; span = t[n] - t[1]; rise = slope * span
        printf "%.4f %.8f %d %d\n", sv - slope * st, slope, t[1], t[n] > fit
        ok = (b - a <= tol) && (rise <= tol)
        detail = sprintf("rule: %s%s without an upward trend, neither between the first and last thirds of its samples nor along their least-squares line, beyond %.1f MB (10%% of the median, at least 4 MB); thirds %.1f and %.1f (%+.1f); line %+.2f MB/h, %+.1f MB over the %.1f judged minutes; %d samples, median %.1f, min %.1f, max %.1f", used, note, tol, a, b, b - a, slope * 3600, rise, span / 60, n, med, lo, hi)
        bad = "**GROWS**"
      } else if (rule == "trend") {
        tol = (0.05 * a > 10) ? 0.05 * a : 10; d = b - a; ok = (d <= tol && d >= -tol)
        detail = sprintf("rule: mean of the last third within ±%.1f (5%%, at least 10) of the first third'"'"'s (they follow the requests under way); first %.1f, last %.1f (%+.1f); min %d, max %d", tol, a, b, d, lo, hi)
        bad = "**NOT FLAT**"
      } else {
        ok = (hi - lo <= 2); detail = sprintf("rule: max - min at most 2; min %d, max %d", lo, hi); bad = "**NOT FLAT**"
      }
      printf "| %s | %s | %s |\n", name, detail, ok ? "flat" : bad
    }' "$CSV"
}
# gc_summary: one line on the GC log: collections by kind and cause, pause time, committed heap, and what should not
# happen in a steady proxy (full collections, evacuation failures, collections for humongous allocations)
gc_summary() {
  awk -v run="$ELAPSED" -v from="$(date -u -d "@$T0" +%Y-%m-%dT%H:%M:%S)" '
    function mb(n, u) { return u == "K" ? n / 1024 : u == "G" ? n * 1024 : n }
    /\] GC\([0-9]+\) Pause / && match($0, /[0-9.]+[KMG]->[0-9.]+[KMG]\(([0-9.]+)([KMG])\) ([0-9.]+)ms$/, m) {
      n++; pause += m[3]; c = mb(m[1], m[2]); if (!cmin || c < cmin) cmin = c; if (c > cmax) cmax = c
      if (m[3] > longest) { longest = m[3]; when = match($0, /\[([0-9.]+)s\]/, u) ? u[1] : "?" }
      match($0, /Pause (Young \((Normal|Concurrent Start|Prepare Mixed|Mixed)\)|[A-Z][a-z]+)/, kind); kinds[kind[1]]++
      if (kind[1] == "Full" && substr($0, 2, 19) >= from) loaded++
      if (match($0, /Pause [A-Za-z]+( \((Normal|Concurrent Start|Prepare Mixed|Mixed)\))? \((.*)\) [0-9.]+[KMG]->/, r)) causes[r[3]]++
    }
    /To-space exhausted|Evacuation Failure/ { exhausted++ }
    /### PHASE / { marking = index($0, "### PHASE Post-Marking") > 0 }
    /### SUMMARY / && marking && match($0, /next-live: *([0-9.]+) MB/, l) {
      marking = 0; if (!marks++ || l[1] < lmin) lmin = l[1]; if (l[1] > lmax) lmax = l[1]
    }
    END {
      if (!n) { print "no collection in the GC log"; exit }
      PROCINFO["sorted_in"] = "@val_num_desc"
      for (k in kinds) ks = ks (ks ? ", " : "") kinds[k] " " k
      for (k in causes) cs = cs (cs ? ", " : "") causes[k] " " k
      printf "%d pauses (%s; causes: %s); %.1f s paused in all (%.2f%% of %d s), the longest %.1f ms at %s s of the JVM'"'"'s uptime; heap committed %.0f-%.0f MB; %d concurrent markings, finding %.1f-%.1f MB live; full collections %d (%d once the load had begun), evacuation failures %d, collections for humongous allocations %d\n", n, ks, cs, pause / 1000, pause / 10 / run, run, longest, when, cmin, cmax, marks, lmin, lmax, kinds["Full"] + 0, loaded + 0, exhausted + 0, causes["G1 Humongous Allocation"] + 0
    }' "$GCLOG"
}
EXACT_SENT=$(( $(field exact_prompt_tokens) + $(field exact_completion_tokens) ))
EXACT_REC=$(( (U1_PROMPT - U0_PROMPT) + (U1_COMPLETION - U0_COMPLETION) - (U1_EST - U0_EST) ))
REQ_REC=$(( U1_REQ - U0_REQ ))
# sent with a key the gateway knows: the requests sent upstream, and the malformed ones it answered 400
REQ_SENT=$(( $(field forwarded) + $(field refused_400) ))
VERDICT=$(
  verdict_series 2 "RSS (MB)" rss
  verdict_series 10 "heap after GC (MB)" heap 3
  verdict_series 4 "open descriptors" trend
  verdict_series 5 "threads" threads
  verdict_series 6 "upstream connections" trend
  echo "| usage: tokens with the upstream's counts | rule: equal; recorded $EXACT_REC (prompt+completion-estimated), read by the client $EXACT_SENT | $([[ $EXACT_REC == "$EXACT_SENT" ]] && echo equal || echo '**DIFFERENT**') |"
  echo "| usage: requests | rule: equal; recorded $REQ_REC (errors $(( U1_ERR - U0_ERR )), estimated tokens $(( U1_EST - U0_EST ))); sent with a key the gateway knows: $(field forwarded) forwarded + $(field refused_400) malformed (400); $(field refused_401) with an unknown key (401, not metered) | $([[ $REQ_REC == "$REQ_SENT" ]] && echo equal || echo '**DIFFERENT**') |"
)
GC_SUMMARY=$(gc_summary)
# "count× what (first example)" for each kind of unexpected outcome the client printed
UNEXPECTED=$(awk '/^UNEXPECTED/ { sub(/^UNEXPECTED count=/, ""); c = $1; sub(/^[0-9]+ what=/, ""); w = $0; getline e
    sub(/^ *example /, "", e); printf "%s  - %s× %s, e.g. `%s`", sep, c, w, e; sep = "\n" }' "$WORK/load.out")
[[ -f $WORK/heap.fit ]] && read -r FIT_A FIT_B FIT_FROM FIT_TO <"$WORK/heap.fit" \
  || { FIT_A=0; FIT_B=0; FIT_FROM=0; FIT_TO=0; }

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
set title "heap (MB): least after GC per 10 s (grey), live after marking (red), judged line"
fit_line(x) = (x >= $FIT_FROM && x <= $FIT_TO) ? $FIT_A + $FIT_B * x : 1/0
set samples 500
plot "$CSV" using 1:3 every ::1 with points pt 7 ps 0.4 lc rgb "#999999", \
     "$CSV" using 1:10 every ::1 with points pt 7 ps 0.9 lc rgb "#cc0000", \
     fit_line(x) with lines lw 2 lc rgb "#0060c0"
set title "open descriptors";      plot "$CSV" using 1:4 every ::1 with linespoints pt 7 ps 0.4
set title "threads";               plot "$CSV" using 1:5 every ::1 with linespoints pt 7 ps 0.4
set title "upstream connections";  plot "$CSV" using 1:6 every ::1 with linespoints pt 7 ps 0.4
set title "heap committed (MB), after each window's last collection"
plot "$CSV" using 1:9 every ::1 with linespoints pt 7 ps 0.4
unset multiplot
GNUPLOT

{
  echo
  echo "## $(date -u '+%Y-%m-%d %H:%M') UTC — soak (bench/soak.sh, issue 27): $SOAK_MINUTES min$([[ $SOAK_MINUTES -lt 30 ]] && echo ' — SHORT')"
  echo
  echo "- commit \`$(git rev-parse --short HEAD 2>/dev/null || echo '?')\`; gateway \`java ${SOAK_JVM_FLAGS:+$SOAK_JVM_FLAGS }-Xlog:gc*,gc+liveness=trace:file=gc.log -jar ${JAR#"$ROOT"/}\` (the GC log is the only flag the soak adds); $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end; $(java -version 2>&1 | head -1)"
  echo "- $SOAK_RATE requests/s for $SOAK_MINUTES min, at most 1,000 under way; samples every ${SAMPLE_SECONDS} s, nothing forced (heap after GC from the gateway's own collections): [\`${CSV#bench/}\`](${CSV#bench/}), drawn in [\`${PNG#bench/}\`](${PNG#bench/}); warm-up (not judged): first $WARMUP s"
  echo "- client: \`$SENT\`"
  if [[ -n $UNEXPECTED ]]; then
    echo "- unexpected outcomes, by what the client saw (t: when sent, s into the run; took: until it ended):"
    echo "$UNEXPECTED"
  else
    echo "- unexpected outcomes: none"
  fi
  echo "- GC log: $GC_SUMMARY"
  echo
  echo "| series | after the warm-up | verdict |"
  echo "|---|---|---|"
  echo "$VERDICT"
  echo
  echo "![soak](${PNG#bench/})"
} | tee -a "$RESULTS"
grep -q -e 'NOT FLAT' -e GROWS -e 'DIFFERENT' -e FAILED <<<"$VERDICT" && exit 1 || exit 0
