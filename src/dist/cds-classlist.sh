#!/bin/sh
# Writes the list of classes the gateway loads to start and serve (a training run), for the distribution's
# class-data-sharing archive: the launcher turns it into lib/app.jsa on its first start (bin/ollama-gateway).
# The list holds class names only, so it is valid wherever the distribution is unpacked; the archive records
# the jar's absolute path, so it must be made where the jar finally is.
# Usage: src/dist/cds-classlist.sh JAVA JAR OUT.lst   (run by mvn -Pdist package)
set -eu

java="$1"
jar="$2"
out="$3"
work="$(mktemp -d "${TMPDIR:-/tmp}/gateway-cds.XXXXXX")"
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
  echo "cds-classlist: FAILED: $*" >&2
  for log in "$work"/*.log; do
    [ -f "$log" ] && { echo "--- $log" >&2; tail -n 20 "$log" >&2; }
  done
  exit 1
}

base=$(( 21000 + $$ % 20000 ))
emulator_port=$base
gateway_port=$(( base + 1 ))
token="cds-training-$$-0123456789"
cd "$work"
"$java" -jar "$jar" emulator --port "$emulator_port" > emulator.log 2>&1 &
emulator_pid=$!
env PORT="$gateway_port" HOST=127.0.0.1 PROXY_AUTH_TOKEN="$token" OLLAMA_URL="http://127.0.0.1:$emulator_port" \
  "$java" -XX:DumpLoadedClassList="$work/classes.lst" -jar "$jar" serve > gateway.log 2>&1 &
gateway_pid=$!

url="http://127.0.0.1:$gateway_port"
i=0
until curl -fsS -o /dev/null "$url/health" 2>/dev/null; do
  i=$((i + 1))
  [ "$i" -lt 240 ] || fail "the gateway did not answer /health within 60 s"
  kill -0 "$gateway_pid" 2>/dev/null || fail "the gateway exited"
  sleep 0.25
done
i=0
until curl -fsS -o /dev/null "$url/ready" 2>/dev/null; do
  i=$((i + 1))
  [ "$i" -lt 120 ] || fail "/ready did not answer 200"
  sleep 0.25
done
# what every gateway does in its first minutes: both APIs, streamed and not, an embedding, a refusal, metrics
auth="Authorization: Bearer $token"
for _ in 1 2 3; do
  curl -fsS -o /dev/null "$url/api/tags" -H "$auth"
  curl -fsS -o /dev/null "$url/api/chat" -H "$auth" -d '{"model":"llama3.2","messages":[{"role":"user","content":"hi"}]}'
  curl -fsS -o /dev/null "$url/api/chat" -H "$auth" \
    -d '{"model":"llama3.2","stream":false,"messages":[{"role":"user","content":"hi"}]}'
  curl -fsS -o /dev/null "$url/api/generate" -H "$auth" -d '{"model":"llama3.2","prompt":"hi"}'
  curl -fsS -o /dev/null "$url/api/embed" -H "$auth" -d '{"model":"llama3.2","input":"hi"}'
  curl -fsS -o /dev/null "$url/v1/chat/completions" -H "$auth" -H 'Content-Type: application/json' \
    -d '{"model":"llama3.2","stream":true,"messages":[{"role":"user","content":"hi"}]}'
  curl -fsS -o /dev/null "$url/v1/chat/completions" -H "$auth" -H 'Content-Type: application/json' \
    -d '{"model":"llama3.2","messages":[{"role":"user","content":"hi"}]}'
  curl -sS -o /dev/null "$url/api/chat" -d '{"model":"llama3.2"}' || true
  curl -fsS -o /dev/null "$url/metrics" -H "$auth" || true
done
kill -TERM "$gateway_pid"
wait "$gateway_pid" || true
gateway_pid=""
[ -s classes.lst ] || fail "no class list was written"
# the JDK's generated classes (lambda forms, proxies) cannot be archived from a list: keep named classes only
grep -v -e '^#' -e '\$\$Lambda' -e '^jdk/proxy' -e 'LambdaForm\$' classes.lst > "$out"
echo "cds-classlist: $(wc -l < "$out") classes in $out"
