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
script=cds-classlist
. "$(dirname "$0")/common.sh"

token="cds-training-$$-0123456789"
cd "$work"
run_bg emulator "$java" -jar "$jar" emulator --host 127.0.0.1 --port 0
emulator_pid=$pid
wait_listening emulator "$emulator_pid" 60
# a fresh working directory: the store is created and migrated, so Flyway's classes are listed too (a first
# start loads them; later starts skip Flyway when the store is current)
run_bg gateway env PORT=0 HOST=127.0.0.1 PROXY_AUTH_TOKEN="$token" OLLAMA_URL="http://127.0.0.1:$port" \
  "$java" -XX:DumpLoadedClassList="$work/classes.lst" -jar "$jar" serve
gateway_pid=$pid
wait_listening gateway "$gateway_pid" 60
url="http://127.0.0.1:$port"
wait_http "$url/health" "$gateway_pid" 60
wait_http "$url/ready" "$gateway_pid" 30
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
[ -s classes.lst ] || fail "no class list was written"
# the JDK's generated classes (lambda forms, proxies) cannot be archived from a list: keep named classes only
grep -v -e '^#' -e '\$\$Lambda' -e '^jdk/proxy' -e 'LambdaForm\$' classes.lst > "$out"
echo "cds-classlist: $(wc -l < "$out") classes in $out"
