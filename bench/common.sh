# Sourced by every bench script (run.sh, and compare.sh and floor.sh through lib.sh): what they must agree on.

# The gateway's JVM flags (GW_JVM_FLAGS overrides them in run.sh and compare.sh).
BENCH_JVM_FLAGS="-Xms128m -Xmx128m -XX:MetaspaceSize=64m -XX:+UseSerialGC -Xss512k -XX:MaxDirectMemorySize=128m"

# PIN=1: every proxy under test runs on CPU 1, the load (wrk, the Java load clients) and the emulator on CPU 0,
# as if the proxy had a machine of its own (by default all of them share both cores). nginx gets one worker
# process then (NGINX_WORKERS; "auto" otherwise, which counts the machine's CPUs, not the ones it may use); the
# gateway's default of one event loop per CPU it may use gives it one.
if [[ ${PIN:-0} == 1 ]]; then
  (( $(nproc) >= 2 )) || { echo "PIN=1 needs 2 CPUs" >&2; exit 2; }
  ON_PROXY_CPU=(taskset -c 1); ON_LOAD_CPU=(taskset -c 0); NGINX_WORKERS=1
else
  ON_PROXY_CPU=(); ON_LOAD_CPU=(); NGINX_WORKERS=auto
fi

# A free 127.0.0.1 port below the kernel's ephemeral range (where client connections of earlier runs still hold
# local ports) and not used by any TCP socket in any state: random tries, each checked with ss, at most 50.
free_port() {
  local p low
  low=$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  (( low > 21000 )) || low=32768
  for _ in $(seq 1 50); do
    p=$(( 20000 + RANDOM % (low - 20000) ))
    if ! ss -Htan "sport = :$p" | grep -q .; then echo "$p"; return 0; fi
  done
  echo "no free port" >&2; return 1
}

# ratio A B: A / B with two decimals, "?" when B is 0
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b+0==0) print "?"; else printf "%.2f", a/b }'; }

# wait_http PORT|URL [SECONDS]: until something answers there (any status; default 60 s). A bare port means
# GET /api/version on 127.0.0.1 (the emulator, or a proxy in front of it). Returns 1 when nothing answered.
wait_http() {
  local url=$1 limit=${2:-60}
  [[ $url == http* ]] || url="http://127.0.0.1:$url/api/version"
  for _ in $(seq 1 $(( limit * 10 ))); do
    if curl -s -o /dev/null -m 1 "$url"; then return 0; fi
    sleep 0.1
  done
  echo "no answer from $url after ${limit}s" >&2; return 1
}

# nginx_conf DIR PORT UPSTREAM_PORT [WORKERS]: writes DIR/nginx.conf, nginx as a plain reverse proxy on
# 127.0.0.1:PORT in front of 127.0.0.1:UPSTREAM_PORT (a kept-alive upstream pool, nothing buffered, no access
# log); every script runs the same nginx. WORKERS defaults to auto (one per CPU of the machine).
# keepalive_requests: nginx closes a kept-alive connection after 1,000 requests by default, and the gateway
# never does; at a constant rate the clients' reconnections put nginx's p99 at 25-48 ms, against 4.5-13 with
# the limit raised in five rounds of six (bench/RESULTS.md, 2026-12-04 05:02).
nginx_conf() {
  local dir=$1 port=$2 up=$3 workers=${4:-auto}
  mkdir -p "$dir/tmp"
  cat >"$dir/nginx.conf" <<NGINX
worker_processes $workers;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  upstream emulator {
    server 127.0.0.1:$up;
    keepalive 1024;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:$port;
    location / {
      proxy_pass http://emulator;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_read_timeout 300s;
    }
  }
}
NGINX
}
