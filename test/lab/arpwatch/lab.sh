#!/usr/bin/env bash
# whowas arpwatch lab: Debian's arpwatch on a bridge in a network namespace, hosts in other namespaces that ARP,
# one of which changes its MAC address several times; the kernel's IPv6 duplicate-address message as a bonus.
# Writes into OUTDIR:
#   syslog.log      arpwatch's syslog datagrams as received on a private /dev/log (one per line, "<PRI>stamp tag: msg")
#   kernel.log      `dmesg --time-format=iso` lines about our interfaces' IPv6 duplicate address (may be empty)
#   expected.json   what the scenario did: per step the event arpwatch must report, with ip, mac, old mac
#   run/            arp.dat, the syslog receiver, stderr of each program (kept for debugging)
# Usage: sudo bash test/lab/arpwatch/lab.sh OUTDIR
# Traffic stays inside the namespaces made here (prefix wa-); arpwatch's /dev/log is a socket in OUTDIR/run,
# bound over /dev only inside a private mount namespace, so the machine's own syslog is never touched.
set -euo pipefail

OUT=${1:?usage: lab.sh OUTDIR}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
RUN=$OUT/run
NSES=(wa-sw wa-h1 wa-h2 wa-h3)
ARPWATCH_TZ=Europe/Berlin
NET=10.79.0
BOGON_IP=10.80.0.9
MAC1A=02:79:00:00:01:0a
MAC1B=02:79:00:00:01:0b
MAC1C=02:79:00:00:01:0c
MAC2=02:79:00:00:02:0a
MAC3=02:79:00:00:03:0a
MAC3_CLAIMED=02:79:00:00:03:ee

log() { printf '%s arpwatch-lab: %s\n' "$(date +%T.%3N)" "$*" >&2; }
die() {
  log "FAILED: $*"
  exit 1
}

[[ $(id -u) -eq 0 ]] || die "must run as root (network namespaces)"
missing=()
for tool in ip arpwatch python3 unshare flock timeout dmesg; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
((${#missing[@]} == 0)) || die "missing tools: ${missing[*]} (apt-get install arpwatch python3 iproute2 util-linux)"
# Debian's interpreter when there is one: version-manager shims (pyenv) cost seconds per start.
PY=/usr/bin/python3
[[ -x $PY ]] || PY=$(command -v python3)

exec 9>/run/wa-lab.lock
flock -w 120 9 || die "another arpwatch lab run holds /run/wa-lab.lock"

. "$(dirname "${BASH_SOURCE[0]}")/../netns.sh"
cleanup() { cleanup_lab; }

on_exit() {
  local rc=$?
  cleanup
  ((rc == 0)) || log "exit $rc; outputs in $OUT"
  exit "$rc"
}
cleanup
trap on_exit EXIT
trap 'exit 130' INT TERM

rm -rf "$RUN"
rm -f "$OUT"/{syslog.log,kernel.log,expected.json}
mkdir -p "$RUN/dev"

# --- a syslog receiver on a private socket: one datagram per line, as it arrived ------------------------
cat >"$RUN/syslogd.py" <<'EOF'
import os, socket, sys
path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o666)
with open(out, 'ab', buffering=0) as f:
    while True:
        d = s.recv(65536)
        f.write(d.rstrip(b'\n').replace(b'\n', b' ') + b'\n')
EOF
"$PY" "$RUN/syslogd.py" "$RUN/dev/log" "$OUT/syslog.log" 2>"$RUN/syslogd.err" 9>&- &
echo $! >"$RUN/syslogd.pid"
wait_for 5 "syslog receiver socket" test -S "$RUN/dev/log"
for n in null zero urandom random; do touch "$RUN/dev/$n"; done

# --- the network: a bridge in wa-sw, three hosts on veth ports ------------------------------------------
log "building namespaces ${NSES[*]}"
for ns in "${NSES[@]}"; do
  ip netns add "$ns"
  ip -n "$ns" link set lo up
done
ip -n wa-sw link add wa-br type bridge
ip -n wa-sw link set wa-br address 02:79:00:00:00:01
ip -n wa-sw addr add "$NET.1/24" dev wa-br
ip -n wa-sw link set wa-br up
for i in 1 2 3; do
  ip -n "wa-h$i" link add "wa-e$i" type veth peer name "wa-p$i" netns wa-sw
  ip -n wa-sw link set "wa-p$i" master wa-br
  ip -n wa-sw link set "wa-p$i" up
done
ip -n wa-h1 link set wa-e1 address "$MAC1A"
ip -n wa-h2 link set wa-e2 address "$MAC2"
ip -n wa-h3 link set wa-e3 address "$MAC3"
ip -n wa-h1 addr add "$NET.11/24" dev wa-e1
ip -n wa-h2 addr add "$NET.12/24" dev wa-e2
ip -n wa-h2 addr add fd79::12/64 dev wa-e2
ip -n wa-h3 addr add "$BOGON_IP/24" dev wa-e3
for i in 1 2 3; do ip -n "wa-h$i" link set "wa-e$i" up; done
# The bridge itself never ARPs in this scenario: only the hosts' packets reach arpwatch.
ip netns exec wa-sw sysctl -qw net.ipv6.conf.wa-br.disable_ipv6=1

# --- arpwatch, daemon mode as Debian runs it, with a prepared database ---------------------------------
# h2's pairing was last seen 200 days ago: its first ARP must give "new activity" (arpwatch's 6-month rule).
OLD=$(($(date +%s) - 200 * 86400))
printf '%s\t%s\t%s\t\twa-br\n' "$MAC2" "$NET.12" "$OLD" >"$RUN/arp.dat"
log "starting arpwatch (TZ=$ARPWATCH_TZ) on wa-br"
unshare -m --propagation private sh -c '
  set -e
  for n in null zero urandom random; do mount --bind /dev/$n "$1/dev/$n"; done
  mount --rbind "$1/dev" /dev
  exec ip netns exec wa-sw env TZ="$2" arpwatch -Q -i wa-br -f "$1/arp.dat"
' sh "$RUN" "$ARPWATCH_TZ" >"$RUN/arpwatch.out" 2>"$RUN/arpwatch.err" </dev/null 9>&-
wait_for 10 "arpwatch listening" grep -q 'listening on wa-br' "$OUT/syslog.log"
[[ -n $(ip netns pids wa-sw) ]] || die "arpwatch is not running: $(cat "$RUN/arpwatch.err")"
sleep 0.5

# --- the scenario ----------------------------------------------------------------------------------------
STEPS=()
step() { # EVENT IP MAC [OLD_MAC]
  STEPS+=("{\"event\":\"$1\",\"ip\":\"$2\",\"mac\":\"$3\",\"old\":\"${4:-}\",\"at\":$(date +%s)}")
}
flush_all() { for ns in wa-h1 wa-h2 wa-h3; do ip -n "$ns" neigh flush all 2>/dev/null || true; done; }
# A TCP connection attempt makes the kernel ARP for the peer; the closed port answers with a RST at once.
arp_from() { # NS TARGET [SECONDS]
  ip netns exec "$1" timeout "${3:-2}" bash -c "exec 3<>/dev/tcp/$2/9" >/dev/null 2>&1 || true
}
wait_event() { # TEXT
  wait_for 5 "arpwatch to log '$1'" grep -qF -- "$1" "$OUT/syslog.log"
}
set_mac() { # MAC
  ip -n wa-h1 link set wa-e1 address "$1"
  flush_all
}

log "h1 talks to h2: new station (h1), new activity (h2's old pairing)"
arp_from wa-h1 "$NET.12"
step 'new station' "$NET.11" "$MAC1A"
step 'new activity' "$NET.12" "$MAC2"
wait_event "new station $NET.11"
wait_event "new activity $NET.12"

log "h1 changes its MAC: changed ethernet address"
set_mac "$MAC1B"
arp_from wa-h1 "$NET.12"
step 'changed ethernet address' "$NET.11" "$MAC1B" "$MAC1A"
wait_event "changed ethernet address $NET.11"

log "h1 goes back to its first MAC: flip flop"
set_mac "$MAC1A"
arp_from wa-h1 "$NET.12"
step 'flip flop' "$NET.11" "$MAC1A" "$MAC1B"
wait_event "flip flop $NET.11"

log "h1 takes a third MAC, then the second again: changed ethernet address, reused old ethernet address"
set_mac "$MAC1C"
arp_from wa-h1 "$NET.12"
step 'changed ethernet address' "$NET.11" "$MAC1C" "$MAC1A"
wait_for 5 "second 'changed ethernet address'" sh -c "[ \$(grep -c 'changed ethernet address $NET.11' '$OUT/syslog.log') -ge 2 ]"
set_mac "$MAC1B"
arp_from wa-h1 "$NET.12"
step 'reused old ethernet address' "$NET.11" "$MAC1B" "$MAC1C"
wait_event "reused old ethernet address $NET.11"

log "h3 lives in another subnet on the same wire: bogon"
arp_from wa-h3 10.80.0.1 0.5 # nobody answers: the first ARP request is all arpwatch needs
step 'bogon' "$BOGON_IP" "$MAC3"
wait_event "bogon $BOGON_IP"

log "h3 sends hand-made ARP frames: ethernet mismatch, ethernet broadcast"
ip netns exec wa-h3 "$PY" - "$MAC3" "$MAC3_CLAIMED" "$NET.33" "$NET.34" <<'EOF'
import socket, sys
def mac(s): return bytes(int(x, 16) for x in s.split(':'))
src, claimed, ip_mismatch, ip_zero = sys.argv[1:5]
def arp(eth_src, sha, spa, tpa):
    eth = b'\xff' * 6 + mac(eth_src) + b'\x08\x06'
    body = b'\x00\x01\x08\x00\x06\x04\x00\x01' + mac(sha) + socket.inet_aton(spa) + b'\x00' * 6 + socket.inet_aton(tpa)
    return eth + body + b'\x00' * 18
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(('wa-e3', 0))
# The frame comes from one MAC, the ARP packet claims another: "ethernet mismatch".
s.send(arp(src, claimed, ip_mismatch, '10.79.0.99'))
# The ARP sender hardware address is all zeros: "ethernet broadcast".
s.send(arp(src, '00:00:00:00:00:00', ip_zero, '10.79.0.99'))
EOF
step 'ethernet mismatch' "$NET.33" "$MAC3" "$MAC3_CLAIMED"
step 'ethernet broadcast' "$NET.34" "$MAC3" "00:00:00:00:00:00"
wait_event "ethernet mismatch $NET.33"
wait_event "ethernet broadcast $NET.34"

# --- the kernel's own neighbour message: IPv6 duplicate address detection on h3 ---------------------------
log "h3 claims h2's IPv6 address: the kernel logs a duplicate address"
KSTART=$(date +%s)
wait_for 5 "h2's IPv6 address to leave tentative state" sh -c "! ip -n wa-h2 -6 addr show dev wa-e2 | grep -q tentative"
ip -n wa-h3 addr add fd79::12/64 dev wa-e3
dad_failed() { ip -n wa-h3 -6 addr show dev wa-e3 | grep -q dadfailed; }
for _ in $(seq 1 40); do dad_failed && break; sleep 0.1; done
sleep 0.3
dmesg --time-format=iso 2>/dev/null | grep -F ' wa-e3: IPv6 duplicate address ' | while IFS= read -r l; do
    # Only lines stamped during this run (dmesg keeps earlier runs' lines too).
  t=$(date -d "$(printf '%s' "${l%% *}" | tr ',' '.')" +%s 2>/dev/null || echo 0)
  ((t >= KSTART - 1)) && printf '%s\n' "$l"
done >"$OUT/kernel.log" || true

sleep 0.5
log "stopping arpwatch"
for p in $(ip netns pids wa-sw); do kill -TERM "$p" 2>/dev/null || true; done
wait_for 5 "arpwatch to exit" sh -c '[ -z "$(ip netns pids wa-sw)" ]'

{
  printf '{\n  "zone": "%s",\n  "iface": "wa-br",\n  "kernelMac": "%s",\n  "kernelIp": "fd79::12",\n  "kernelIface": "wa-e3",\n  "steps": [\n' \
    "$ARPWATCH_TZ" "$MAC2"
  n=${#STEPS[@]}
  for ((i = 0; i < n; i++)); do
    printf '    %s%s\n' "${STEPS[$i]}" "$([[ $((i + 1)) -lt $n ]] && echo ,)"
  done
  printf '  ]\n}\n'
} >"$OUT/expected.json"
log "done: $(wc -l <"$OUT/syslog.log") syslog lines, $(wc -l <"$OUT/kernel.log") kernel lines"
