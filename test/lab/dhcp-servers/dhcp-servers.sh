#!/usr/bin/env bash
# whowas DHCP servers lab: Debian's real ISC dhcpd (-4 and -6) and Kea (kea-dhcp4, kea-dhcp6) in network
# namespaces, serving dhclient clients with known MACs and host names (see README.md). Writes into OUTDIR:
#   dhcpd.syslog       dhcpd -4's syslog() datagrams, one per line (TZ=$ISC_TZ), captured on /dev/log
#   dhcpd.stderr       the same messages as `dhcpd -d` prints them on stderr (no time stamps)
#   dhcpd6.syslog      dhcpd -6's syslog() datagrams
#   kea-dhcp4.log      Kea's own log file (TZ=$KEA_TZ; default pattern: local time with milliseconds)
#   kea-dhcp4.syslog   Kea's "syslog" output, captured the same way as dhcpd's
#   kea-dhcp6.log      kea-dhcp6's own log file
#   kea-dhcp6.syslog   kea-dhcp6's "syslog" output with Debian's default pattern "%-5p %m"
#   kea-leases4.csv, kea-leases6.csv   Kea's memfile lease files
#   expected.json      what the scenario did: per server its zone, files and clients (mac, hostname, ip, release)
#   run/               configs, pid files, daemon stderr (kept for debugging)
# Usage: sudo bash test/lab/dhcp-servers/dhcp-servers.sh OUTDIR
#
# DHCPv4 scenario, run for both servers at the same time (pool of two addresses each):
#   c1 and c2 get leases (c2 asks for an 8 s lease and is then killed without releasing, so it expires);
#   c3 finds the pool full ("no free leases"); c1 restarts (INIT-REBOOT: DHCPREQUEST/DHCPACK of the same
#   address); c1 releases (dhclient -r); c3 gets the address c1 released; the lab waits for Kea to reclaim
#   c2's expired lease. DHCPv6: a DUID-LL client and a DUID-LLT client lease, the DUID-LL one releases.
# Traffic stays inside the namespaces created here (prefix wd-); nothing is routed anywhere.
set -euo pipefail

OUT=${1:?usage: dhcp-servers.sh OUTDIR}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
RUN=$OUT/run
NODE=${NODE:-$(command -v node || true)}

ISC_TZ=${LAB_ISC_TZ:-Asia/Kolkata}
KEA_TZ=${LAB_KEA_TZ:-America/Los_Angeles}
NSES=(wd-isc wd-i1 wd-i2 wd-i3 wd-kea wd-k1 wd-k2 wd-k3 wd-isc6 wd-i6a wd-i6b wd-kea6 wd-k6a wd-k6b)
T_START=$(date +%s.%N)

log() { printf '%s dhcp-lab: %s\n' "$(date +%T.%3N)" "$*" >&2; }
die() {
  log "FAILED: $*"
  exit 1
}

[[ $(id -u) -eq 0 ]] || die "must run as root (network namespaces)"
missing=()
for tool in ip dhcpd kea-dhcp4 kea-dhcp6 dhclient unshare perl flock timeout; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
[[ -n $NODE ]] || missing+=(node)
((${#missing[@]} == 0)) || die "missing tools: ${missing[*]} (apt-get install isc-dhcp-server kea-dhcp4-server kea-dhcp6-server isc-dhcp-client iproute2 util-linux perl-base)"

# One run at a time (the namespace names are fixed). Long-running children get `9>&-` so that daemons
# left behind by a killed run do not hold the lock.
exec 9>/run/wd-dhcp-lab.lock
flock -w 120 9 || die "another run holds /run/wd-dhcp-lab.lock"

kill_pidfile() { # FILE [SIGNAL]
  local f=$1 sig=${2:-TERM} p
  [[ -s $f ]] || return 0
  p=$(head -1 "$f")
  [[ $p =~ ^[0-9]+$ ]] || return 0
  kill -"$sig" "$p" 2>/dev/null || true
}

# Kill what we started (pid files), then whatever still runs in our namespaces, then delete them. `ip` is
# called once per namespace at most: on a busy machine each call costs a noticeable fraction of a second.
cleanup() {
  local ns p all alive mine=() pids=()
  if [[ -d ${RUN:-/nonexistent} ]]; then
    for f in "$RUN"/*.pid; do [[ -e $f ]] && kill_pidfile "$f"; done
  fi
  all=" $(ip netns list 2>/dev/null | awk '{print $1}' | tr '\n' ' ') "
  for ns in "${NSES[@]}"; do [[ $all == *" $ns "* ]] && mine+=("$ns"); done
  for ns in "${mine[@]}"; do pids+=($(ip netns pids "$ns" 2>/dev/null)); done
  if ((${#pids[@]})); then
    kill -TERM "${pids[@]}" 2>/dev/null || true
    for _ in $(seq 20); do
      alive=0
      for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1 && break; done
      ((alive)) || break
      sleep 0.1
    done
    kill -KILL "${pids[@]}" 2>/dev/null || true
  fi
  for ns in "${mine[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  for ns in "${NSES[@]}"; do rm -rf "/etc/netns/$ns"; done
  rmdir /etc/netns 2>/dev/null || true
}

on_exit() {
  local rc=$?
  cleanup
  ((rc != 0)) && log "exit $rc; daemon stderr files are in $RUN"
  exit "$rc"
}

cleanup # leftovers of an earlier crashed run
trap on_exit EXIT
trap 'exit 130' INT TERM

rm -rf "$RUN"
rm -f "$OUT"/{dhcpd.syslog,dhcpd.stderr,kea-dhcp4.log,kea-dhcp4.syslog,kea-leases4.csv,dhcpd6.syslog,kea-dhcp6.log,kea-dhcp6.syslog,kea-leases6.csv,expected.json}
mkdir -p "$RUN"
chmod 755 "$OUT" "$RUN"

wait_for() { # SECONDS DESCRIPTION CMD...
  local secs=$1 what=$2
  shift 2
  local deadline=$(($(date +%s%N) + secs * 1000000000))
  until "$@" >/dev/null 2>&1; do
    (($(date +%s%N) < deadline)) || die "timed out after ${secs}s waiting for: $what"
    sleep 0.1
  done
}

# ---------------------------------------------------------------------------------------------------------
log "building namespaces ${NSES[*]}"
declare -A NET NET6 MAC
NET[isc]=10.78.1
NET[kea]=10.78.2
NET6[isc]=fd78:1
NET6[kea]=fd78:2
for i in 1 2 3; do
  MAC[wd-i$i]=02:78:01:00:00:0$i
  MAC[wd-k$i]=02:78:02:00:00:0$i
done
MAC[wd-i6a]=02:78:01:00:06:01
MAC[wd-i6b]=02:78:01:00:06:02
MAC[wd-k6a]=02:78:02:00:06:01
MAC[wd-k6b]=02:78:02:00:06:02

# build SERVER-NS "ADDR/LEN" V6(0|1) CLIENT…: the server's bridge br0 and one veth per client (eth0, its MAC).
# DHCPv4 namespaces have IPv6 off; DHCPv6 ones skip duplicate address detection (link-local usable at once).
build() {
  local s=$1 addr=$2 v6=$3 c n=0
  shift 3
  for ns in "$s" "$@"; do
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    if ((v6)); then
      ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
    else
      ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    fi
  done
  ip -n "$s" link add br0 type bridge
  ip -n "$s" addr add "$addr" dev br0
  ip -n "$s" link set br0 up
  for c in "$@"; do
    n=$((n + 1))
    mkdir -p "/etc/netns/$c"
    echo "nameserver ${addr%/*}" >"/etc/netns/$c/resolv.conf"
    ip -n "$c" link add eth0 address "${MAC[$c]}" type veth peer name "lan$n" netns "$s"
    ip -n "$s" link set "lan$n" master br0 up
    ip -n "$c" link set eth0 up
  done
}
build wd-isc "${NET[isc]}.1/24" 0 wd-i1 wd-i2 wd-i3 &
B1=$!
build wd-kea "${NET[kea]}.1/24" 0 wd-k1 wd-k2 wd-k3 &
B2=$!
build wd-isc6 "${NET6[isc]}::1/64" 1 wd-i6a wd-i6b &
B3=$!
build wd-kea6 "${NET6[kea]}::1/64" 1 wd-k6a wd-k6b &
B4=$!
for b in $B1 $B2 $B3 $B4; do wait "$b" || die "building the namespaces failed"; done

# A daemon in namespace NS with its own /dev/log: a private mount namespace gets a small tmpfs /dev
# (null, zero, random, urandom bound in from the real one) where syslog-sink.pl listens on /dev/log.
# with_syslog NS NAME SYSLOG-FILE CMD...   (the daemon's pid lands in $RUN/NAME.pid, the sink's in NAME-sink.pid)
with_syslog() {
  local ns=$1 name=$2 sys=$3
  shift 3
  ip netns exec "$ns" unshare --mount --propagation private sh -c '
    set -e
    run=$1 name=$2 sink=$3 sys=$4
    shift 4
    mkdir -p "$run/$name-olddev"
    mount --rbind /dev "$run/$name-olddev"
    mount -t tmpfs -o mode=755,size=1m wd-dev /dev
    for n in null zero random urandom; do : >"/dev/$n"; mount --bind "$run/$name-olddev/$n" "/dev/$n"; done
    umount -l "$run/$name-olddev"
    perl "$sink" /dev/log "$sys" "$run/$name-sink.ready" 9>&- &
    echo $! >"$run/$name-sink.pid"
    i=0
    while [ ! -s "$run/$name-sink.ready" ]; do i=$((i + 1)); [ $i -lt 50 ] || exit 3; sleep 0.1; done
    echo $$ >"$run/$name.pid"
    exec "$@"
  ' with_syslog "$RUN" "$name" "$HERE/syslog-sink.pl" "$sys" "$@" >"$RUN/$name.out" 2>"$RUN/$name.err" </dev/null 9>&- &
  wait_for 10 "$name to start" test -s "$RUN/$name.pid"
}

alive() { [[ -s $RUN/$1.pid ]] && kill -0 "$(head -1 "$RUN/$1.pid")" 2>/dev/null; }

# ---------------------------------------------------------------------------------------------------------
log "writing the servers' configurations"
cat >"$RUN/dhcpd.conf" <<EOF
# whowas DHCP lab: a pool of two addresses, so the third client finds it full.
authoritative;
ping-check false;
default-lease-time 600;
min-lease-time 5;
max-lease-time 7200;
log-facility daemon;
subnet ${NET[isc]}.0 netmask 255.255.255.0 {
  range ${NET[isc]}.10 ${NET[isc]}.11;
  option routers ${NET[isc]}.1;
}
EOF
: >"$RUN/dhcpd.leases"

cat >"$RUN/kea-dhcp4.conf" <<EOF
{
  "Dhcp4": {
    "interfaces-config": { "interfaces": [ "br0" ], "dhcp-socket-type": "raw" },
    "lease-database": { "type": "memfile", "persist": true, "name": "$OUT/kea-leases4.csv", "lfc-interval": 0 },
    "expired-leases-processing": {
      "reclaim-timer-wait-time": 1, "flush-reclaimed-timer-wait-time": 25, "hold-reclaimed-time": 3600,
      "max-reclaim-leases": 100, "max-reclaim-time": 250, "unwarned-reclaim-cycles": 5
    },
    "valid-lifetime": 600, "min-valid-lifetime": 5, "max-valid-lifetime": 7200,
    "subnet4": [ {
      "id": 1, "subnet": "${NET[kea]}.0/24",
      "pools": [ { "pool": "${NET[kea]}.10 - ${NET[kea]}.11" } ],
      "option-data": [ { "name": "routers", "data": "${NET[kea]}.1" } ]
    } ],
    "loggers": [ {
      "name": "kea-dhcp4",
      "output_options": [ { "output": "$OUT/kea-dhcp4.log" }, { "output": "syslog" } ],
      "severity": "INFO"
    } ]
  }
}
EOF
KEA_ENV=(env TZ="$KEA_TZ" KEA_PIDFILE_DIR="$RUN" KEA_LOCKFILE_DIR="$RUN")
ip netns exec wd-kea "${KEA_ENV[@]}" kea-dhcp4 -t "$RUN/kea-dhcp4.conf" >"$RUN/kea-check.out" 2>&1 ||
  die "kea-dhcp4 config check failed: $(tail -5 "$RUN/kea-check.out")"

cat >"$RUN/dhcpd6.conf" <<EOF
authoritative;
default-lease-time 600;
max-lease-time 7200;
log-facility daemon;
subnet6 ${NET6[isc]}::/64 {
  range6 ${NET6[isc]}::100 ${NET6[isc]}::1ff;
}
EOF
: >"$RUN/dhcpd6.leases"
cat >"$RUN/kea-dhcp6.conf" <<EOF
{
  "Dhcp6": {
    "interfaces-config": { "interfaces": [ "br0" ] },
    "lease-database": { "type": "memfile", "persist": true, "name": "$OUT/kea-leases6.csv", "lfc-interval": 0 },
    "server-id": { "type": "EN", "enterprise-id": 2495, "identifier": "776477647764", "persist": false },
    "valid-lifetime": 600, "preferred-lifetime": 300,
    "subnet6": [ { "id": 1, "subnet": "${NET6[kea]}::/64", "interface": "br0",
      "pools": [ { "pool": "${NET6[kea]}::100 - ${NET6[kea]}::1ff" } ] } ],
    "loggers": [ { "name": "kea-dhcp6", "severity": "INFO", "output_options": [ { "output": "$OUT/kea-dhcp6.log" },
      { "output": "syslog", "pattern": "%-5p %m\\n" } ] } ]
  }
}
EOF
ip netns exec wd-kea6 "${KEA_ENV[@]}" kea-dhcp6 -t "$RUN/kea-dhcp6.conf" >"$RUN/kea6-check.out" 2>&1 ||
  die "kea-dhcp6 config check failed: $(tail -5 "$RUN/kea6-check.out")"

log "starting dhcpd -4 and dhcpd -6 (TZ=$ISC_TZ), kea-dhcp4 and kea-dhcp6 (TZ=$KEA_TZ)"
with_syslog wd-isc dhcpd "$OUT/dhcpd.syslog" env TZ="$ISC_TZ" dhcpd -4 -f -d -cf "$RUN/dhcpd.conf" \
  -lf "$RUN/dhcpd.leases" -pf "$RUN/dhcpd.own-pid" br0
with_syslog wd-kea kea "$OUT/kea-dhcp4.syslog" "${KEA_ENV[@]}" kea-dhcp4 -c "$RUN/kea-dhcp4.conf"
with_syslog wd-isc6 dhcpd6 "$OUT/dhcpd6.syslog" env TZ="$ISC_TZ" dhcpd -6 -f -d -cf "$RUN/dhcpd6.conf" \
  -lf "$RUN/dhcpd6.leases" -pf "$RUN/dhcpd6.own-pid" br0
with_syslog wd-kea6 kea6 "$OUT/kea-dhcp6.syslog" "${KEA_ENV[@]}" kea-dhcp6 -c "$RUN/kea-dhcp6.conf"
wait_for 10 "dhcpd listening" grep -q "Server starting service" "$OUT/dhcpd.syslog"
wait_for 15 "kea-dhcp4 started" grep -q 'DHCP4_STARTED' "$OUT/kea-dhcp4.log"
wait_for 10 "dhcpd -6 listening" grep -q 'Server starting service' "$OUT/dhcpd6.syslog"
wait_for 15 "kea-dhcp6 started" grep -q 'DHCP6_STARTED' "$OUT/kea-dhcp6.log"

# ---------------------------------------------------------------------------------------------------------
# dhclient helpers. CLIENT is wd-i1 … wd-k3; its host name is pc-i1 … pc-k3.
declare -A IP
conf() { # CLIENT [LEASE-SECONDS] [REQUESTED-ADDRESS]
  local c=$1 secs=${2:-} req=${3:-}
  {
    echo "send host-name \"pc-${c#wd-}\";"
    [[ -n $secs ]] && echo "send dhcp-lease-time $secs;"
    [[ -n $req ]] && echo "send dhcp-requested-address $req;"
    echo "request subnet-mask, broadcast-address, routers, domain-name-servers;"
    echo "timeout 4;"
    echo "retry 60;"
    echo "initial-interval 1;"
  } >"$RUN/dhclient-$c.conf"
}
dhclient_run() { # CLIENT ARGS...
  local c=$1
  shift
  timeout 20 ip netns exec "$c" dhclient -4 -v -cf "$RUN/dhclient-$c.conf" -pf "$RUN/dhclient-$c.pid" \
    -lf "$RUN/dhclient-$c.leases" "$@" eth0 </dev/null >>"$RUN/dhclient-$c.out" 2>&1 9>&-
}
addr_of() { ip -n "$1" -4 -o addr show dev eth0 | awk '{print $4}' | cut -d/ -f1 | head -1; }

up() { # CLIENT [LEASE-SECONDS]
  local c=$1
  [[ -e $RUN/dhclient-$c.conf ]] || conf "$@"
  dhclient_run "$c" -1 || die "dhclient in $c got no lease: $(tail -5 "$RUN/dhclient-$c.out")"
  wait_for 10 "address on $c" sh -c "ip -n $c -4 -o addr show dev eth0 | grep -q inet"
  IP[$c]=$(addr_of "$c")
  log "$c (${MAC[$c]}, pc-${c#wd-}) has ${IP[$c]}"
}
stop_keep() { # CLIENT: stop dhclient without releasing (the lease stays, and expires)
  # SIGKILL: no dhclient-script, no DHCPRELEASE (dhclient -x restarts a client in INIT-REBOOT here).
  kill_pidfile "$RUN/dhclient-$1.pid" KILL
  rm -f "$RUN/dhclient-$1.pid"
  ip -n "$1" -4 addr flush dev eth0
}
release() { # CLIENT
  dhclient_run "$1" -r || die "dhclient -r in $1 failed: $(tail -5 "$RUN/dhclient-$1.out")"
  if ip -n "$1" -4 -o addr show dev eth0 | grep -q inet; then die "$1 kept its address after release"; fi
  log "$1 released ${IP[$1]}"
}
pool_full() { # CLIENT: one DHCP attempt that must fail
  conf "$1"
  if dhclient_run "$1" -1; then die "$1 got a lease from a full pool"; fi
  ip -n "$1" -4 -o addr show dev eth0 | grep -q inet && die "$1 has an address although the pool is full"
  log "$1 found the pool full"
}

scenario() { # isc|kea
  local s=${1:0:1}
  up "wd-${s}1"
  conf "wd-${s}2" 8
  up "wd-${s}2"
  stop_keep "wd-${s}2"
  pool_full "wd-${s}3"
  # c1 restarts: dhclient asks for its recorded address again (INIT-REBOOT).
  stop_keep "wd-${s}1"
  local before=${IP[wd-${s}1]}
  up "wd-${s}1"
  [[ ${IP[wd-${s}1]} == "$before" ]] || die "wd-${s}1 got ${IP[wd-${s}1]} after restart, not $before"
  sleep 1.1 # whole-second stamps (dhcpd): keep the release after the re-ACK
  release "wd-${s}1"
  sleep 1.1
  conf "wd-${s}3" "" "$before"
  up "wd-${s}3"
  [[ ${IP[wd-${s}3]} == "$before" ]] || die "wd-${s}3 got ${IP[wd-${s}3]}, not the released $before"
}

# DHCPv6 clients: "a" with -D LL, "b" with dhclient's default DUID-LLT; both lease, then "a" releases.
dhclient6_run() { # CLIENT ARGS...
  local c=$1
  shift
  timeout 20 ip netns exec "$c" dhclient -6 -v -cf /dev/null -pf "$RUN/dhclient-$c.pid" \
    -lf "$RUN/dhclient-$c.leases" "$@" eth0 </dev/null >>"$RUN/dhclient-$c.out" 2>&1 9>&-
}
addr6_of() { ip -n "$1" -6 -o addr show dev eth0 scope global | awk '{print $4}' | cut -d/ -f1 | head -1; }
scenario6() { # isc|kea
  local s=${1:0:1} c
  for c in "wd-${s}6a" "wd-${s}6b"; do
    if [[ $c == *a ]]; then dhclient6_run "$c" -1 -D LL; else dhclient6_run "$c" -1; fi ||
      die "dhclient -6 in $c got no lease: $(tail -5 "$RUN/dhclient-$c.out")"
    wait_for 10 "IPv6 address on $c" sh -c "ip -n $c -6 -o addr show dev eth0 scope global | grep -q inet6"
    log "$c (${MAC[$c]}) has $(addr6_of "$c")"
  done
  sleep 1.1
  c=wd-${s}6a
  dhclient6_run "$c" -r -D LL || die "dhclient -6 -r in $c failed: $(tail -5 "$RUN/dhclient-$c.out")"
  log "$c released"
}

log "scenario on both servers"
scenario6 isc >"$RUN/scenario-isc6.out" 2>&1 &
P_ISC6=$!
scenario6 kea >"$RUN/scenario-kea6.out" 2>&1 &
P_KEA6=$!
scenario isc >"$RUN/scenario-isc.out" 2>&1 &
P_ISC=$!
scenario kea >"$RUN/scenario-kea.out" 2>&1 &
P_KEA=$!
rc=0
wait $P_ISC || rc=$?
cat "$RUN/scenario-isc.out" >&2
((rc == 0)) || die "ISC scenario failed"
wait $P_KEA || rc=$?
cat "$RUN/scenario-kea.out" >&2
((rc == 0)) || die "Kea scenario failed"

for p6 in isc6:$P_ISC6 kea6:$P_KEA6; do
  wait "${p6#*:}" || rc=$?
  cat "$RUN/scenario-${p6%%:*}.out" >&2
  ((rc == 0)) || die "${p6%%:*} scenario failed"
done

# The subshells' IP[] is gone: read each client's address back from its dhclient lease file (last lease).
for c in wd-i1 wd-i2 wd-i3 wd-k1 wd-k2 wd-k3; do
  IP[$c]=$(awk '/fixed-address/ {gsub(";", "", $2); a=$2} END {print a}' "$RUN/dhclient-$c.leases")
  [[ -n ${IP[$c]} ]] || die "no lease recorded for $c"
done
for c in wd-i6a wd-i6b wd-k6a wd-k6b; do
  IP[$c]=$(awk '$1 == "iaaddr" {a=$2} END {print a}' "$RUN/dhclient-$c.leases")
  [[ -n ${IP[$c]} ]] || die "no DHCPv6 lease recorded for $c"
done

log "waiting for the logs"
wait_for 10 "dhcpd DHCPRELEASE" grep -q "DHCPRELEASE of ${IP[wd-i1]} from ${MAC[wd-i1]}" "$OUT/dhcpd.syslog"
wait_for 10 "dhcpd ACK for wd-i3" grep -q "DHCPACK on ${IP[wd-i3]} to ${MAC[wd-i3]}" "$OUT/dhcpd.syslog"
wait_for 10 "Kea DHCP4_RELEASE" grep -q "DHCP4_RELEASE .*${MAC[wd-k1]}" "$OUT/kea-dhcp4.log"
wait_for 10 "dhcpd -6 release" grep -q "releases address ${IP[wd-i6a]}" "$OUT/dhcpd6.syslog"
wait_for 10 "Kea DHCP6_RELEASE_NA" grep -q "DHCP6_RELEASE_NA .*${IP[wd-k6a]}" "$OUT/kea-dhcp6.log"
# c2's 8 s lease: Kea reclaims it (state 2 in the lease file) once it has expired.
wait_for 25 "Kea reclaiming wd-k2's expired lease" sh -c "grep -q '^${IP[wd-k2]},${MAC[wd-k2]},.*,2,' '$OUT/kea-leases4.csv'"

log "stopping daemons"
T_END=$(date +%s.%N)
for name in dhcpd kea dhcpd6 kea6; do kill_pidfile "$RUN/$name.pid" TERM; done
for name in dhcpd kea dhcpd6 kea6; do
  p=$(head -1 "$RUN/$name.pid")
  for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null || true
done
sleep 0.2 # the sinks write the daemons' last messages
for name in dhcpd kea dhcpd6 kea6; do kill_pidfile "$RUN/$name-sink.pid" TERM; done
cp "$RUN/dhcpd.err" "$OUT/dhcpd.stderr"

json_client6() { # CLIENT RELEASED DUID-KIND
  printf '{"name":"%s","mac":"%s","ip":"%s","released":%s,"duid":"%s"}' "$1" "${MAC[$1]}" "${IP[$1]}" "$2" "$3"
}
json_client() { # CLIENT RELEASED(true|false) NOTE
  printf '{"name":"%s","mac":"%s","hostname":"pc-%s","ip":"%s","released":%s,"note":"%s"}' \
    "$1" "${MAC[$1]}" "${1#wd-}" "${IP[$1]}" "$2" "$3"
}
{
  printf '{"version":1,"producedBy":"test/lab/dhcp-servers/dhcp-servers.sh","startedAt":%s,"finishedAt":%s,\n' "$T_START" "$T_END"
  printf ' "packages":{"isc-dhcp-server":"%s","kea-dhcp4-server":"%s","kea-dhcp6-server":"%s","isc-dhcp-client":"%s"},\n' \
    "$(dpkg-query -W -f='${Version}' isc-dhcp-server 2>/dev/null)" "$(dpkg-query -W -f='${Version}' kea-dhcp4-server 2>/dev/null)" \
    "$(dpkg-query -W -f='${Version}' kea-dhcp6-server 2>/dev/null)" "$(dpkg-query -W -f='${Version}' isc-dhcp-client 2>/dev/null)"
  printf ' "servers":{\n'
  printf '  "isc":{"zone":"%s","files":{"syslog":"dhcpd.syslog","stderr":"dhcpd.stderr"},"clients":[\n   %s,\n   %s,\n   %s]},\n' "$ISC_TZ" \
    "$(json_client wd-i1 true 'leased, restarted (INIT-REBOOT), released')" \
    "$(json_client wd-i2 false '8 s lease, left to expire')" \
    "$(json_client wd-i3 false 'pool full first, then the address wd-i1 released')"
  printf '  "kea":{"zone":"%s","files":{"log":"kea-dhcp4.log","syslog":"kea-dhcp4.syslog","leases":"kea-leases4.csv"},"clients":[\n   %s,\n   %s,\n   %s]},\n' "$KEA_TZ" \
    "$(json_client wd-k1 true 'leased, restarted (INIT-REBOOT), released')" \
    "$(json_client wd-k2 false '8 s lease, left to expire (reclaimed)')" \
    "$(json_client wd-k3 false 'pool full first, then the address wd-k1 released')"
  printf '  "isc6":{"zone":"%s","files":{"syslog":"dhcpd6.syslog"},"clients":[\n   %s,\n   %s]},\n' "$ISC_TZ" \
    "$(json_client6 wd-i6a true LL)" "$(json_client6 wd-i6b false LLT)"
  printf '  "kea6":{"zone":"%s","files":{"log":"kea-dhcp6.log","syslog":"kea-dhcp6.syslog","leases":"kea-leases6.csv"},"clients":[\n   %s,\n   %s]}\n }}\n' "$KEA_TZ" \
    "$(json_client6 wd-k6a true LL)" "$(json_client6 wd-k6b false LLT)"
} >"$OUT/expected.json"
"$NODE" -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$OUT/expected.json" || die "expected.json is not JSON"
log "done in $(awk -v a="$T_START" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')s, outputs in $OUT"
