# Sourced (POSIX sh) by cds-classlist.sh and check-dist.sh: what both do to run the gateway in front of its
# emulator from a temporary directory. Set `script` (the name in messages) before sourcing it. It gives:
#   $work                        a new temporary directory; on exit every process started with run_bg is stopped
#                                and the directory removed
#   $logs                        $work/logs, where run_bg writes each process's output
#   fail MESSAGE...              says what failed, with the end of every log, and exits 1
#   run_bg NAME COMMAND...       starts COMMAND in the background, output to $logs/NAME.log; its pid in $pid
#                                (COMMAND must be a program: a shell function would run in a subshell, whose
#                                pid $pid would then be)
#   wait_listening NAME PID S    waits up to S seconds for the log of NAME to say "listening on SCHEME://HOST:PORT"
#                                (the gateway's and the emulator's first line), and sets $port to that PORT
#   wait_http URL PID S          waits up to S seconds for URL to answer 2xx, failing early if PID exits
# Processes are given port 0 and say which port the system gave them: no guessing at free ports.

work="$(mktemp -d "${TMPDIR:-/tmp}/gateway-$script.XXXXXX")"
logs="$work/logs"
mkdir "$logs"
started=""
cleanup() {
  for started_pid in $started; do
    kill "$started_pid" 2>/dev/null || true
    wait "$started_pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
# a signal runs the EXIT trap too (sh runs it only on exit, which a signal's default action skips)
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
  echo "$script: FAILED: $*" >&2
  for log in "$logs"/*.log; do
    [ -f "$log" ] && { echo "--- $log" >&2; tail -n 40 "$log" >&2; }
  done
  exit 1
}

run_bg() {
  run_bg_name="$1"
  shift
  "$@" > "$logs/$run_bg_name.log" 2>&1 &
  pid=$!
  started="$pid $started"
}

wait_listening() {
  waited=0
  while :; do
    port="$(sed -n 's|.* listening on [a-z]*://[^ ]*:\([0-9][0-9]*\).*|\1|p' "$logs/$1.log" | head -n 1)"
    [ -z "$port" ] || return 0
    kill -0 "$2" 2>/dev/null || fail "$1 exited before it listened"
    waited=$((waited + 1))
    [ "$waited" -lt $(($3 * 4)) ] || fail "$1 did not listen within $3 s"
    sleep 0.25
  done
}

wait_http() {
  waited=0
  until curl -fsS -o /dev/null "$1" 2>/dev/null; do
    kill -0 "$2" 2>/dev/null || fail "the process serving $1 exited"
    waited=$((waited + 1))
    [ "$waited" -lt $(($3 * 4)) ] || fail "$1 did not answer 2xx within $3 s"
    sleep 0.25
  done
}
