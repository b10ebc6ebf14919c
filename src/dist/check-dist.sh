#!/bin/sh
# Tests the distribution archive as a user gets it: unpacks it in a temporary directory and runs the gateway
# from it with no other Java reachable (a PATH of a few shell tools, no JAVA_HOME): the bundled emulator as
# upstream, then /health, /ready, a proxied chat, the keys CLI, and a clean stop on SIGTERM.
# Usage: src/dist/check-dist.sh target/ollama-gateway-VERSION-linux-x64.tar.gz   (run by mvn -Pdist verify)
set -eu

archive="$1"
work="$(mktemp -d "${TMPDIR:-/tmp}/gateway-dist.XXXXXX")"
emulator_pid=""
gateway_pid=""
cleanup() {
  for pid in $gateway_pid $emulator_pid; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "check-dist: FAILED: $*" >&2
  for log in "$work"/run/*.log; do
    [ -f "$log" ] && { echo "--- $log" >&2; tail -n 40 "$log" >&2; }
  done
  exit 1
}

tar -xzf "$archive" -C "$work"
home="$(echo "$work"/ollama-gateway-*)"
[ -x "$home/bin/ollama-gateway" ] || fail "no executable bin/ollama-gateway in $archive"
[ -x "$home/runtime/bin/java" ] || fail "no bundled runtime in $archive"
[ -f "$home/config/config.example.yaml" ] && [ -f "$home/.env.example" ] || fail "default config missing"

# the systemd unit, with its /opt/ollama-gateway paths pointed at this unpacked copy so that the commands it
# names are checked too; any remark (an unknown key, a bad value) is a failure
if command -v systemd-analyze >/dev/null 2>&1; then
  [ -f "$home/deploy/ollama-gateway.service" ] || fail "no deploy/ollama-gateway.service in $archive"
  mkdir "$work/unit"
  sed "s|/opt/ollama-gateway|$home|g" "$home/deploy/ollama-gateway.service" > "$work/unit/ollama-gateway.service"
  remarks="$(systemd-analyze verify --man=no "$work/unit/ollama-gateway.service" 2>&1)" \
    || fail "systemd-analyze verify: $remarks"
  [ -z "$remarks" ] || fail "systemd-analyze verify: $remarks"
  echo "check-dist: systemd-analyze verify: deploy/ollama-gateway.service OK"
else
  echo "check-dist: systemd-analyze not installed: the systemd unit is not checked"
fi

# the only tools the launcher may use; java is not among them
mkdir "$work/path" "$work/run"
for tool in sh dirname readlink mv rm; do
  ln -s "$(command -v "$tool")" "$work/path/$tool"
done
if PATH="$work/path" command -v java >/dev/null 2>&1; then
  fail "java is reachable on the test PATH"
fi
isolated() {
  env -i PATH="$work/path" HOME="$work/run" LANG=C.UTF-8 "$@"
}
# (background jobs below call env -i directly: a function would run in a subshell, and $! be that shell's pid)

# ports unlikely to be taken; a taken one shows up as a failed start below
base=$(( 20000 + $$ % 20000 ))
emulator_port=$base
gateway_port=$(( base + 1 ))
token="dist-check-$$"

cd "$work/run"
isolated "$home/bin/ollama-gateway" --version > version.log 2>&1 || fail "--version"
grep -q "ollama-gateway" version.log || fail "--version printed no version"
# the first start made the class-data-sharing archive from the list shipped in lib/, and the JVM uses it
[ -f "$home/lib/classes.lst" ] || fail "no lib/classes.lst in $archive"
[ -f "$home/lib/app.jsa" ] || fail "the first start made no lib/app.jsa"
env -i PATH="$work/path" HOME="$work/run" JAVA_OPTS="-Xshare:on" "$home/bin/ollama-gateway" --version > cds.log 2>&1 \
  || fail "the JVM cannot use lib/app.jsa: $(cat cds.log)"

env -i PATH="$work/path" HOME="$work/run" "$home/bin/ollama-gateway" emulator --port "$emulator_port" \
  > emulator.log 2>&1 &
emulator_pid=$!
env -i PATH="$work/path" HOME="$work/run" PORT="$gateway_port" HOST=127.0.0.1 PROXY_AUTH_TOKEN="$token" \
  OLLAMA_URL="http://127.0.0.1:$emulator_port" "$home/bin/ollama-gateway" > gateway.log 2>&1 &
gateway_pid=$!

url="http://127.0.0.1:$gateway_port"
i=0
until curl -fsS -o /dev/null "$url/health" 2>/dev/null; do
  i=$((i + 1))
  [ "$i" -lt 120 ] || fail "the gateway did not answer /health within 60 s"
  kill -0 "$gateway_pid" 2>/dev/null || fail "the gateway exited"
  sleep 0.5
done

# the gateway runs on the bundled runtime, not on some other Java
exe="$(readlink "/proc/$gateway_pid/exe" 2>/dev/null || true)"
case "$exe" in
  "$home"/runtime/bin/java) ;;
  "") ;; # no /proc: the PATH check above stands
  *) fail "the gateway runs on $exe, not on the bundled runtime" ;;
esac

i=0
until curl -fsS -o ready.json "$url/ready" 2>/dev/null; do
  i=$((i + 1))
  [ "$i" -lt 40 ] || fail "/ready did not answer 200: $(cat ready.json 2>/dev/null)"
  sleep 0.5
done
grep -q '"status":"ready"' ready.json || fail "/ready: $(cat ready.json)"

curl -fsS "$url/api/chat" -H "Authorization: Bearer $token" \
  -d '{"model":"llama3.2","messages":[{"role":"user","content":"hi"}]}' > chat.ndjson || fail "proxied chat"
grep -q '"done":true' chat.ndjson || fail "the chat stream did not finish: $(tail -n 2 chat.ndjson)"

isolated "$home/bin/ollama-gateway" keys create --admin --name dist-check --json > key.json 2> key.err \
  || fail "keys create: $(cat key.err)"
key="$(sed -n 's/.*"key" *: *"\(sk-[A-Za-z0-9]*\)".*/\1/p' key.json)"
[ -n "$key" ] || fail "keys create printed no key: $(cat key.json)"
i=0
until [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/api/tags" -H "Authorization: Bearer $key")" = 200 ]; do
  i=$((i + 1))
  [ "$i" -lt 80 ] || fail "the key made with the CLI was not accepted"
  sleep 0.5
done

kill -TERM "$gateway_pid"
status=0
wait "$gateway_pid" || status=$?
gateway_pid=""
[ "$status" -eq 0 ] || fail "the gateway exited with $status after SIGTERM"
grep -q "stopped" gateway.log || fail "no 'stopped' line after SIGTERM"

echo "check-dist: OK: $(basename "$archive") runs on its own runtime ($(sed -n 1p version.log))"
