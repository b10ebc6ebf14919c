# Sourced by every bench script (run.sh, and compare.sh and floor.sh through lib.sh): what they must agree on.

# The gateway's JVM flags (GW_JVM_FLAGS overrides them in run.sh and compare.sh).
BENCH_JVM_FLAGS="-Xms32m -Xmx128m -XX:MetaspaceSize=64m -XX:+UseSerialGC -Xss512k -XX:MaxDirectMemorySize=128m"

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
