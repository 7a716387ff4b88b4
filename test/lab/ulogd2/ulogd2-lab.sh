#!/usr/bin/env bash
# whowas ulogd2 lab: Debian's ulogd2 (NFCT input, IP2STR, JSON output) on an nftables masquerading gateway in
# network namespaces; one inside client makes a few TCP connections (one to a closed port), UDP datagrams
# (one unanswered) and a TCP connection over IPv6. Writes into OUTDIR:
#   ulogd-events.json     ulogd2 with hash_enable=0 (a line per NEW and per DESTROY), TZ=Europe/Berlin
#   ulogd-default.json    ulogd2 with its default hash table (one line per flow, at DESTROY), TZ=UTC
#   outside.pcap.txt      `tcpdump -n -tt -l` on the outside host: what arrived there (SYNs, UDP)
#   responder.log         the outside services' own view (JSON lines: public src, sport, payload = conn id)
#   expected.json         what the client did: connections, public addresses, file names
#   run/                  configs, pid files, daemon stderr (kept for debugging)
# Usage: sudo bash test/lab/ulogd2/ulogd2-lab.sh OUTDIR      (see README.md beside this file)
# Traffic stays inside the namespaces created here (prefix wn-ul-); nothing is routed to the machine's network.
set -euo pipefail

OUT=${1:?usage: ulogd2-lab.sh OUTDIR}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LABDIR=$(cd "$HERE/.." && pwd)
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
RUN=$OUT/run
NODE=${NODE:-$(command -v node || true)}

CL=wn-ul-cl
GW=wn-ul-gw
OS=wn-ul-out
NSES=($CL $GW $OS)
CL4=10.66.0.2 GW_LAN4=10.66.0.1 GW_PUB4=203.0.113.66 OUT_LINK4=203.0.113.1 OUTSIDE4=198.51.100.66
CL6=fd66::2 GW_LAN6=fd66::1 GW_PUB6=2001:db8:66::1 OUT_LINK6=2001:db8:66::2 OUTSIDE6=2001:db8:660::7
CLOSED_PORT=8081
T_START=$(date +%s.%N)

log() { printf '%s ulogd2-lab: %s\n' "$(date +%T.%3N)" "$*" >&2; }
die() {
  log "FAILED: $*"
  exit 1
}

[[ $(id -u) -eq 0 ]] || die "must run as root (network namespaces)"
missing=()
for tool in ip nft ulogd conntrack tcpdump flock sysctl; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
[[ -n $NODE ]] || missing+=(node)
PLUGDIR=$(dirname "$(ls /usr/lib/*/ulogd/ulogd_output_JSON.so /usr/lib/ulogd/ulogd_output_JSON.so 2>/dev/null | head -1)" 2>/dev/null || true)
[[ -n $PLUGDIR && -e $PLUGDIR/ulogd_inpflow_NFCT.so ]] || missing+=(ulogd_output_JSON.so)
((${#missing[@]} == 0)) || die "missing: ${missing[*]} (apt-get install ulogd2 ulogd2-json conntrack nftables tcpdump iproute2)"

# One run at a time: the namespace names are fixed. Long-running children get `9>&-` so daemons left by a
# killed run do not keep holding the lock.
exec 9>/run/wn-ulogd2-lab.lock
flock -w 120 9 || die "another run holds /run/wn-ulogd2-lab.lock"

. "$HERE/../netns.sh"
cleanup() { cleanup_lab; }

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
rm -f "$OUT"/{ulogd-events.json,ulogd-default.json,outside.pcap.txt,responder.log,expected.json}
mkdir -p "$RUN"


# ---------------------------------------------------------------------------------------------------------
log "building namespaces ${NSES[*]}"
for ns in "${NSES[@]}"; do
  ip netns add "$ns"
  ip -n "$ns" link set lo up
done
ip -n $GW link add lan type veth peer name eth0 netns $CL
ip -n $GW link add wan type veth peer name eth0 netns $OS
ip -n $GW addr add $GW_LAN4/24 dev lan
ip -n $GW addr add $GW_LAN6/64 dev lan nodad
ip -n $GW addr add $GW_PUB4/24 dev wan
ip -n $GW addr add $GW_PUB6/64 dev wan nodad
ip -n $GW link set lan up
ip -n $GW link set wan up
ip -n $CL addr add $CL4/24 dev eth0
ip -n $CL addr add $CL6/64 dev eth0 nodad
ip -n $CL link set eth0 up
ip -n $CL route add default via $GW_LAN4
ip -n $CL -6 route add default via $GW_LAN6
ip -n $OS addr add $OUT_LINK4/24 dev eth0
ip -n $OS addr add $OUTSIDE4/32 dev eth0
ip -n $OS addr add $OUT_LINK6/64 dev eth0 nodad
ip -n $OS addr add $OUTSIDE6/128 dev eth0 nodad
ip -n $OS link set eth0 up
ip -n $GW route add 198.51.100.0/24 via $OUT_LINK4 dev wan
ip -n $GW -6 route add 2001:db8:660::/48 via $OUT_LINK6 dev wan
ip netns exec $GW sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
# Per-flow packet counters: with them ulogd's DESTROY lines tell an unanswered flow (no reply packet).
ip netns exec $GW sysctl -qw net.netfilter.nf_conntrack_acct=1
# Masquerade with a port range, so public ports differ from inside ports and the test sees which one is which.
ip netns exec $GW nft -f - <<'EOF'
table inet wn_ul_nat {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "wan" meta l4proto { tcp, udp } masquerade to :61000-61999
    oifname "wan" masquerade
  }
}
EOF

# ---------------------------------------------------------------------------------------------------------
log "starting the outside host's capture and services"
bgrun $OS tcpdump "$OUT/outside.pcap.txt" \
  tcpdump -n -tt -l -i eth0 "(dst host $OUTSIDE4 or dst host $OUTSIDE6) and (tcp or udp)"
wait_for 10 "tcpdump listening" grep -q 'listening on' "$RUN/tcpdump.err"
bgrun $OS responder4 /dev/null "$NODE" "$LABDIR/responder.mjs" --host $OUTSIDE4 --tcp 443,80 --udp 5000 \
  --log "$OUT/responder.log" --ready "$RUN/responder4.ready"
bgrun $OS responder6 /dev/null "$NODE" "$LABDIR/responder.mjs" --host $OUTSIDE6 --tcp 443 \
  --log "$OUT/responder.log" --ready "$RUN/responder6.ready"
wait_for 10 "responders listening" sh -c "test -s '$RUN/responder4.ready' && test -s '$RUN/responder6.ready'"

log "starting two ulogd2 instances in $GW"
ulogd_conf() { # NAME JSONFILE HASH
  cat <<EOF
[global]
logfile="$RUN/$1.log"
loglevel=3
plugin="$PLUGDIR/ulogd_inpflow_NFCT.so"
plugin="$PLUGDIR/ulogd_filter_IP2STR.so"
plugin="$PLUGDIR/ulogd_output_JSON.so"
stack=ct1:NFCT,ip2str1:IP2STR,json1:JSON

[ct1]
$([[ $3 == 0 ]] && printf 'hash_enable=0\nevent_mask=0x00000005\n')
netlink_socket_buffer_size=4194304
netlink_socket_buffer_maxsize=8388608

[json1]
sync=1
file="$2"
EOF
}
ulogd_conf ulogd-events "$OUT/ulogd-events.json" 0 >"$RUN/ulogd-events.conf"
ulogd_conf ulogd-default "$OUT/ulogd-default.json" 1 >"$RUN/ulogd-default.conf"
bgrun $GW ulogd-events /dev/null env TZ=Europe/Berlin ulogd -c "$RUN/ulogd-events.conf"
bgrun $GW ulogd-default /dev/null env TZ=UTC ulogd -c "$RUN/ulogd-default.conf"
for u in ulogd-events ulogd-default; do
  wait_for 10 "$u main loop" grep -q 'entering main loop' "$RUN/$u.log"
  alive $u || die "$u died: $(tail -5 "$RUN/$u.log")"
done
# Prove the event stream is live before traffic that matters: loopback UDP probes until one is logged.
probe() {
  ip netns exec $GW "$NODE" -e 'const s=require("dgram").createSocket("udp4");s.send("probe",9,"127.0.0.1",()=>s.close())' || true
  sleep 0.2
  grep -q '"orig.l4.dport": 9,' "$OUT/ulogd-events.json"
}
wait_for 10 "ulogd event stream" probe

# ---------------------------------------------------------------------------------------------------------
# conn ID PROTO DSTIP DSTPORT LOCALPORT EXPECT [extra client args]
conn() {
  local id=$1 proto=$2 dst=$3 dport=$4 lport=$5 expect=$6 inside=$CL4 pub=$GW_PUB4
  shift 6
  [[ $dst == *:* ]] && inside=$CL6 pub=$GW_PUB6
  printf '{"id":"%s","proto":"%s","insideIp":"%s","insidePort":%s,"publicIp":"%s","dstIp":"%s","dstPort":%s,"expect":"%s"}\n' \
    "$id" "$proto" "$inside" "$lport" "$pub" "$dst" "$dport" "$expect" >>"$RUN/expected.ndjson"
  ip netns exec $CL "$NODE" "$LABDIR/client.mjs" --id "$id" --host "$dst" --port "$dport" --local-port "$lport" \
    --proto "$proto" --out "$RUN/results.ndjson" "$@" >/dev/null 2>>"$RUN/clients.err" 9>&- ||
    die "client $id failed: $(tail -3 "$RUN/clients.err")"
}

log "client connections"
conn t1 tcp $OUTSIDE4 443 40101 answered --hold 200
conn t2 tcp $OUTSIDE4 80 40102 answered --hold 100
conn t3 tcp $OUTSIDE4 $CLOSED_PORT 40103 refused --hold 0
conn u1 udp $OUTSIDE4 5000 40104 answered
conn u2 udp $OUTSIDE4 5001 40105 timeout --timeout 400
conn v6 tcp $OUTSIDE6 443 40106 answered --hold 100

log "waiting for every connection in the logs"
N_CONN=$(wc -l <"$RUN/expected.ndjson")
wait_for 10 "all client results" sh -c "[ \$(wc -l <'$RUN/results.ndjson') -ge $N_CONN ]"
while IFS=$'\t' read -r id lport want got; do
  [[ $got == "$want" ]] || die "connection $id: expected $want, the client says $got"
  wait_for 10 "NEW of $id in ulogd-events.json" grep -q "\"orig.l4.sport\": $lport, .*\"ct.event\": 1," "$OUT/ulogd-events.json"
done < <("$NODE" -e '
  const fs = require("fs");
  const rd = (f) => fs.readFileSync(f, "utf8").trim().split("\n").map((l) => JSON.parse(l));
  const res = new Map(rd(process.argv[2]).map((r) => [r.id, r.result]));
  for (const e of rd(process.argv[1])) console.log([e.id, e.insidePort, e.expect, res.get(e.id) ?? "none"].join("\t"));
' "$RUN/expected.ndjson" "$RUN/results.ndjson")
wait_for 10 "$N_CONN packets in outside.pcap.txt" sh -c "[ \$(grep -cE 'Flags \\[S\\],|UDP' '$OUT/outside.pcap.txt') -ge $N_CONN ]"

# End every flow now (instead of waiting minutes for conntrack timeouts): DESTROY events for all of them.
log "flushing the conntrack table"
ip netns exec $GW conntrack -F >>"$RUN/conntrack-flush.out" 2>&1 || die "conntrack -F failed: $(cat "$RUN/conntrack-flush.out")"
for lport in 40101 40102 40103 40104 40105 40106; do
  for f in ulogd-events ulogd-default; do
    wait_for 10 "DESTROY of port $lport in $f.json" grep -q "\"orig.l4.sport\": $lport, .*\"ct.event\": 4," "$OUT/$f.json"
  done
done

log "stopping daemons"
T_END=$(date +%s.%N)
p=$(<"$RUN/tcpdump.pid")
kill -INT "$p" 2>/dev/null || true # SIGINT: tcpdump flushes
wait_pid_gone "$p" 30 || kill -KILL "$p" 2>/dev/null || true
for name in ulogd-events ulogd-default responder4 responder6; do kill_pidfile "$RUN/$name.pid" TERM; done
for name in ulogd-events ulogd-default responder4 responder6; do
  p=$(<"$RUN/$name.pid")
  wait_pid_gone "$p" 50 || { log "$name ignored SIGTERM; killing it"; kill -KILL "$p" 2>/dev/null || true; }
done

"$NODE" - "$OUT" "$RUN" "$T_START" "$T_END" "$(ulogd -V 2>&1 | head -1)" <<'EOF'
const fs = require('fs');
const [out, run, t0, t1, version] = process.argv.slice(2);
const rd = (f) => fs.readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
const results = new Map(rd(`${run}/results.ndjson`).map((r) => [r.id, r]));
const connections = rd(`${run}/expected.ndjson`).map((e) => ({ ...e, result: results.get(e.id)?.result }));
const expected = {
  version: 1,
  producedBy: 'test/lab/ulogd2/ulogd2-lab.sh',
  ulogd: version,
  startedAt: Number(t0),
  finishedAt: Number(t1),
  gateway: { public4: '203.0.113.66', public6: '2001:db8:66::1' },
  files: {
    events: { file: 'ulogd-events.json', tz: 'Europe/Berlin', hash: false },
    default: { file: 'ulogd-default.json', tz: 'UTC', hash: true },
    outside: 'outside.pcap.txt',
    responder: 'responder.log',
  },
  connections,
};
fs.writeFileSync(`${out}/expected.json`, JSON.stringify(expected, null, 2) + '\n');
EOF
log "done in $(awk -v a="$T_START" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')s: $N_CONN connections, outputs in $OUT"
