# Shared by bench/compare.sh and bench/floor.sh, which source it: the chat request, and the interleaved wrk
# rounds that print req/s and CPU per request; with bench/common.sh (JVM flags, PIN's placement, free ports, ratios). Needs WORK
# (a temp dir) and TOKEN set first.

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# need_packages PACKAGE...: apt-get installs the missing ones (apt-get update only if that fails)
need_packages() {
  (($#)) || return 0
  apt-get install -y -qq "$@" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$@"; }
}

# JIT_WARMUP: s of chat load per target before the rounds; 40 with PIN=1 (bench/common.sh), as the JIT then
# shares the proxy's one core; 10 otherwise.
if [[ ${PIN:-0} == 1 ]]; then JIT_WARMUP=${JIT_WARMUP:-40}; else JIT_WARMUP=${JIT_WARMUP:-10}; fi

# The non-streamed chat request of every run, as a wrk script.
cat > "$WORK/chat.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"model":"llama3.2","stream":false,"messages":[{"role":"user","content":"hello there"}]}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $TOKEN"
LUA

# wrk_run PORT tags|chat SECONDS CONNECTIONS -> wrk's output
wrk_run() {
  local wrk=(timeout $(( $3 + 20 )) "${ON_LOAD_CPU[@]}" wrk -t2 -c"$4" -d"$3"s)
  if [[ $2 == chat ]]; then "${wrk[@]}" -s "$WORK/chat.lua" "http://127.0.0.1:$1/api/chat"
  else "${wrk[@]}" -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$1/api/tags"; fi
}

# cpu_ticks PID[,PID...]: utime+stime summed, in clock ticks
cpu_ticks() { local sum=0 p; for p in ${1//,/ }; do sum=$(( sum + $(awk '{print $14+$15}' "/proc/$p/stat") )); done; echo "$sum"; }

# per_request TICKS REQUESTS HZ: microseconds of CPU per request, one decimal
per_request() { awk -v t="$1" -v n="$2" -v hz="$3" 'BEGIN { printf "%.1f", (n > 0 ? t * 1000000 / hz / n : 0) }'; }

upstream_ticks() { if [[ -n ${UPSTREAM_PID:-} ]]; then cpu_ticks "$UPSTREAM_PID"; else echo 0; fi; }

# measure_rounds ROUNDS DURATION CONNECTIONS LABEL=PORT=PIDS...: a JIT warm-up of every target, then ROUNDS
# interleaved rounds of both requests, the order of the targets rotating by one each round; one line per run
# with req/s and the target's CPU time per request, and, when UPSTREAM_PID is set, the upstream's (the
# emulator's) CPU time per request too, and the ratio of the two.
# The emulator does the same work for every request, so its CPU per request measures how fast the machine is
# at that moment: the ratio moves less from run to run than either figure (the machine's speed changes by
# 20% and more within minutes here, and the two processes slow down together).
measure_rounds() {
  local rounds=$1 duration=$2 connections=$3 target label port pids round what c0 c1 e0 e1 out n rps bad upstream
  shift 3
  local hz; hz=$(getconf CLK_TCK)
  for target in "$@"; do
    port=$(cut -d= -f2 <<<"$target")
    wrk_run "$port" chat "$JIT_WARMUP" "$connections" >/dev/null; wrk_run "$port" tags 5 "$connections" >/dev/null
  done
  local targets=("$@") count=$# i
  for round in $(seq 1 "$rounds"); do
    # each round starts one target further on: whichever runs first in a round measured about 1 us per request
    # more than the last here (the same build three times over), and rotating spreads that over every target
    for i in $(seq 0 $((count - 1))); do
      target=${targets[$(( (i + round - 1) % count ))]}
      IFS== read -r label port pids <<<"$target"
      for what in tags chat; do
        e0=$(upstream_ticks)
        c0=$(cpu_ticks "$pids"); out=$(wrk_run "$port" "$what" "$duration" "$connections"); c1=$(cpu_ticks "$pids")
        e1=$(upstream_ticks)
        n=$(awk '/requests in/ {print $1}' <<<"$out"); rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
        bad=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
        upstream=""
        if [[ -n ${UPSTREAM_PID:-} ]]; then
          upstream="  emulator us/req $(per_request $((e1 - e0)) "$n" "$hz")"
          upstream+="  ratio $(ratio $((c1 - c0)) $((e1 - e0)))"
        fi
        [[ ${PIN:-0} == 1 ]] && upstream+="  core use $(ratio $((c1 - c0)) $((hz * duration)))"
        printf "round %s  %-18s %-5s req/s %9s  cpu us/req %5s%s%s\n" "$round" "$label" "$what" "$rps" \
          "$(per_request $((c1 - c0)) "$n" "$hz")" "$upstream" "${bad:+  non-2xx $bad}"
      done
    done
  done
}
