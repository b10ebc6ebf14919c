#!/bin/sh
# Tests the distribution archive as a user gets it: unpacks it in a temporary directory and runs the gateway
# from it with no other Java reachable (a PATH of a few shell tools, no JAVA_HOME): the bundled emulator as
# upstream, then /health, /ready, a proxied chat, the keys CLI, and a clean stop on SIGTERM.
# Usage: src/dist/check-dist.sh target/ollama-gateway-VERSION-linux-x64.tar.gz   (run by mvn -Pdist verify)
set -eu

archive="$1"
script=check-dist
. "$(dirname "$0")/common.sh"

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
mkdir "$work/path"
for tool in sh dirname readlink mv rm; do
  ln -s "$(command -v "$tool")" "$work/path/$tool"
done
if PATH="$work/path" command -v java >/dev/null 2>&1; then
  fail "java is reachable on the test PATH"
fi
isolated() {
  env -i PATH="$work/path" HOME="$logs" LANG=C.UTF-8 "$@"
}
# (what runs in the background below calls env -i itself: run_bg needs a program, see common.sh)
token="dist-check-$$"

# the working directory of every command below (its store is ./data), beside the logs
cd "$logs"
isolated "$home/bin/ollama-gateway" --version > version.log 2>&1 || fail "--version"
grep -q "ollama-gateway" version.log || fail "--version printed no version"
# the first start made the class-data-sharing archive from the list shipped in lib/, and the JVM uses it
[ -f "$home/lib/classes.lst" ] || fail "no lib/classes.lst in $archive"
[ -f "$home/lib/app.jsa" ] || fail "the first start made no lib/app.jsa"
isolated JAVA_OPTS="-Xshare:on" "$home/bin/ollama-gateway" --version > cds.log 2>&1 \
  || fail "the JVM cannot use lib/app.jsa: $(cat cds.log)"

run_bg emulator env -i PATH="$work/path" HOME="$logs" LANG=C.UTF-8 \
  "$home/bin/ollama-gateway" emulator --host 127.0.0.1 --port 0
emulator_pid=$pid
wait_listening emulator "$emulator_pid" 60
run_bg gateway env -i PATH="$work/path" HOME="$logs" LANG=C.UTF-8 PORT=0 HOST=127.0.0.1 \
  PROXY_AUTH_TOKEN="$token" OLLAMA_URL="http://127.0.0.1:$port" "$home/bin/ollama-gateway"
gateway_pid=$pid
wait_listening gateway "$gateway_pid" 60
url="http://127.0.0.1:$port"
wait_http "$url/health" "$gateway_pid" 60

# the gateway runs on the bundled runtime, not on some other Java
exe="$(readlink "/proc/$gateway_pid/exe" 2>/dev/null || true)"
case "$exe" in
  "$home"/runtime/bin/java) ;;
  "") ;; # no /proc: the PATH check above stands
  *) fail "the gateway runs on $exe, not on the bundled runtime" ;;
esac
# and the native libraries are the ones shipped in lib/, not copies unpacked from the jar into /tmp
if [ -n "$exe" ]; then
  for library in "$home"/lib/*.so; do
    grep -q "$library" "/proc/$gateway_pid/maps" || fail "the gateway did not load $library but" \
      "$(grep -o '/[^ ]*\.so[^ ]*' "/proc/$gateway_pid/maps" | grep -e sqlite -e netty | sort -u)"
  done
fi

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
[ "$status" -eq 0 ] || fail "the gateway exited with $status after SIGTERM"
grep -q "stopped" gateway.log || fail "no 'stopped' line after SIGTERM"

echo "check-dist: OK: $(basename "$archive") runs on its own runtime ($(sed -n 1p version.log))"
