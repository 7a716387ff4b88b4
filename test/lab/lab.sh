#!/usr/bin/env bash
# whowas NAT lab: real dnsmasq, dhclient, nftables masquerade, conntrack, freeradius and tcpdump in network
# namespaces, driven through a scripted scenario. Writes into OUTDIR:
#   dnsmasq.log            dnsmasq's own log (--log-dhcp --log-queries), local time Europe/Berlin
#   conntrack.log          `conntrack -E -o timestamp,extended` in the gateway (epoch stamps)
#   radacct/10.77.0.1/detail-YYYYMMDD   freeradius detail accounting (local time of RADIUS_TZ)
#   outside.pcap.txt       `tcpdump -n -tt -l` on the outside host: every SYN / UDP datagram it received
#   responder.log          the outside services' own view (JSON lines: public src, sport, payload = conn id)
#   expected.json          what the scenario did: clients, connections, zones, file names
#   run/                   configs, pid files, daemon stderr (kept for debugging)
# Usage: sudo bash test/lab/lab.sh OUTDIR        (see test/lab/README.md)
# Traffic stays inside the namespaces created here; nothing is routed to the machine's own network.
set -euo pipefail

OUT=${1:?usage: lab.sh OUTDIR}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
RUN=$OUT/run
NODE=${NODE:-$(command -v node || true)}

DNSMASQ_TZ=Europe/Berlin
RADIUS_TZ=${LAB_RADIUS_TZ:-America/New_York}
GW_LAN=10.77.0.1
GW_PUB=203.0.113.5
OUT_LINK=203.0.113.1
OUTSIDE=198.51.100.7
STATIC_IP=10.77.0.50
CLOSED_PORT=8081
RADIUS_SECRET=testing123
NSES=(ww-gw ww-out ww-c1 ww-c2 ww-c3 ww-c4)
T_START=$(date +%s.%N)

log() { printf '%s lab: %s\n' "$(date +%T.%3N)" "$*" >&2; }
die() {
  log "FAILED: $*"
  exit 1
}

[[ $(id -u) -eq 0 ]] || die "must run as root (network namespaces)"
missing=()
for tool in ip nft dnsmasq dhclient conntrack freeradius radclient tcpdump socat stdbuf flock sysctl; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
[[ -n $NODE ]] || missing+=(node)
((${#missing[@]} == 0)) || die "missing tools: ${missing[*]} (apt-get install dnsmasq-base conntrack freeradius freeradius-utils nftables isc-dhcp-client tcpdump iproute2 socat)"

# One lab at a time on a machine: the namespace names are fixed. Every long-running child gets `9>&-` so
# that daemons left behind by a killed run do not keep holding the lock.
exec 9>/run/ww-lab.lock
flock -w 180 9 || die "another lab run holds /run/ww-lab.lock"

. "$HERE/netns.sh"
cleanup() { cleanup_lab; }

on_exit() {
  local rc=$?
  cleanup
  if ((rc != 0)); then
    log "exit $rc; daemon stderr files are in $RUN"
  fi
  exit "$rc"
}

cleanup # leftovers of an earlier crashed run
trap on_exit EXIT
trap 'exit 130' INT TERM

rm -rf "$RUN" "$OUT/radacct"
rm -f "$OUT"/{dnsmasq.log,conntrack.log,outside.pcap.txt,responder.log,expected.json}
mkdir -p "$RUN" "$OUT/radacct"
chmod 755 "$OUT" "$RUN" "$OUT/radacct"


# ---------------------------------------------------------------------------------------------------------
log "building namespaces ${NSES[*]}"
for ns in "${NSES[@]}"; do
  ip netns add "$ns"
  mkdir -p "/etc/netns/$ns"
  if [[ $ns == ww-c* ]]; then echo "nameserver $GW_LAN" >"/etc/netns/$ns/resolv.conf"; else echo "nameserver 127.0.0.1" >"/etc/netns/$ns/resolv.conf"; fi
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip -n "$ns" link set lo up
done

# Gateway: LAN bridge, WAN link to the outside namespace, forwarding, masquerade.
ip -n ww-gw link add br-lan type bridge
ip -n ww-gw addr add "$GW_LAN/24" dev br-lan
ip -n ww-gw link set br-lan up
ip -n ww-gw link add wan type veth peer name eth0 netns ww-out
ip -n ww-gw addr add "$GW_PUB/24" dev wan
ip -n ww-gw link set wan up
ip -n ww-out addr add "$OUT_LINK/24" dev eth0
ip -n ww-out addr add "$OUTSIDE/32" dev eth0
ip -n ww-out link set eth0 up
ip -n ww-gw route add 198.51.100.0/24 via "$OUT_LINK" dev wan
ip netns exec ww-gw sysctl -qw net.ipv4.ip_forward=1
ip netns exec ww-gw nft -f - <<'EOF'
table ip ww_nat {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "wan" masquerade
  }
}
EOF

declare -A CMAC CHOST CUSER CIP
CUSER=([1]=alice [2]=bob [3]=carol)
for i in 1 2 3 4; do
  ip -n "ww-c$i" link add eth0 type veth peer name "lan$i" netns ww-gw
  CMAC[$i]=02:77:00:00:00:0$i
  ip -n "ww-c$i" link set eth0 address "${CMAC[$i]}"
  ip -n ww-gw link set "lan$i" master br-lan
  ip -n ww-gw link set "lan$i" up
  ip -n "ww-c$i" link set eth0 up
done
# c4: static address, no DHCP, no RADIUS.
ip -n ww-c4 addr add "$STATIC_IP/24" dev eth0
ip -n ww-c4 route add default via "$GW_LAN"
CIP[4]=$STATIC_IP
CHOST[4]=
CUSER[4]=

# ---------------------------------------------------------------------------------------------------------
log "starting outside host services and capture"
bgrun ww-out tcpdump "$OUT/outside.pcap.txt" \
  tcpdump -n -tt -l -i eth0 "dst host $OUTSIDE and ((tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn) or udp)"
wait_for 10 "tcpdump listening" grep -q 'listening on' "$RUN/tcpdump.err"
bgrun ww-out responder /dev/null "$NODE" "$HERE/responder.mjs" --host "$OUTSIDE" --tcp 443,80 --udp 5000 \
  --log "$OUT/responder.log" --ready "$RUN/responder.ready"
wait_for 10 "responder listening" test -s "$RUN/responder.ready"
if ip netns exec ww-out ss -Hltn "sport = :$CLOSED_PORT" | grep -q .; then die "port $CLOSED_PORT must stay closed"; fi

log "starting conntrack -E in ww-gw"
bgrun ww-gw conntrack "$OUT/conntrack.log" stdbuf -oL conntrack -E -o timestamp,extended
# Prove the event stream is live before any traffic that matters: loopback UDP probes until one shows up.
probe_conntrack() {
  ip netns exec ww-gw socat -u - UDP4-SENDTO:127.0.0.1:9 <<<"probe" >/dev/null 2>&1 || true
  sleep 0.2
  grep -q 'dport=9 ' "$OUT/conntrack.log"
}
wait_for 10 "conntrack event stream" probe_conntrack
alive conntrack || die "conntrack died: $(cat "$RUN/conntrack.err")"

log "starting dnsmasq (TZ=$DNSMASQ_TZ)"
bgrun ww-gw dnsmasq /dev/null env TZ="$DNSMASQ_TZ" dnsmasq --keep-in-foreground --conf-file=/dev/null \
  --interface=br-lan --bind-interfaces --no-resolv --no-hosts --no-poll \
  --domain=lab.test --host-record="out.lab.test,$OUTSIDE" \
  --dhcp-range=10.77.0.100,10.77.0.150,255.255.255.0,2m \
  --dhcp-option=option:router,"$GW_LAN" --dhcp-option=option:dns-server,"$GW_LAN" \
  --dhcp-leasefile="$RUN/dnsmasq.leases" --pid-file="$RUN/dnsmasq.own-pid" \
  --log-dhcp --log-queries --log-facility="$OUT/dnsmasq.log"
wait_for 10 "dnsmasq DHCP socket" sh -c "ip netns exec ww-gw ss -Hlun 'sport = :67' | grep -q ."
wait_for 10 "dnsmasq log file" grep -q 'DHCP, IP range' "$OUT/dnsmasq.log"

log "starting freeradius (TZ=$RADIUS_TZ) with a private config"
RADDB=$RUN/raddb
cp -a /etc/freeradius/3.0 "$RADDB"
rm -f "$RADDB/mods-enabled/eap" "$RADDB"/sites-enabled/*
sed -i -e "s|^raddbdir = .*|raddbdir = $RADDB|" \
  -e "s|^logdir = .*|logdir = $RUN/radlog|" \
  -e "s|^radacctdir = .*|radacctdir = $OUT/radacct|" \
  -e "s|^run_dir = .*|run_dir = $RUN/radrun|" \
  -e 's#^\([[:space:]]*\)\(user\|group\) = freerad#\1\#\2 = freerad#' \
  "$RADDB/radiusd.conf"
mkdir -p "$RUN/radlog" "$RUN/radrun"
cat >>"$RADDB/clients.conf" <<EOF

client ww-gw-nas {
	ipaddr = $GW_LAN
	secret = $RADIUS_SECRET
	require_message_authenticator = no
	nas_type = other
	shortname = ww-gw
}
EOF
cat >"$RADDB/sites-enabled/ww-lab" <<'EOF'
# Accounting-only server for the whowas NAT lab.
server ww-lab {
	listen {
		type = acct
		ipaddr = *
		port = 1813
	}
	preacct {
		preprocess
		acct_unique
	}
	accounting {
		detail
		ok
	}
}
EOF
ip netns exec ww-gw env TZ="$RADIUS_TZ" freeradius -C -d "$RADDB" >"$RUN/freeradius-check.out" 2>&1 ||
  die "freeradius config check failed: $(tail -5 "$RUN/freeradius-check.out")"
bgrun ww-gw freeradius /dev/null env TZ="$RADIUS_TZ" freeradius -f -d "$RADDB" -l "$RUN/radlog/radius.log"
wait_for 15 "freeradius on udp/1813" sh -c "ip netns exec ww-gw ss -Hlun 'sport = :1813' | grep -q ."

# ---------------------------------------------------------------------------------------------------------
# Helpers for the scenario.

dhcp_up() { # IDX [REQUESTED-IP]
  local i=$1 req=${2:-} conf=$RUN/dhclient-c$1.conf
  {
    echo "send host-name \"pc-$i\";"
    [[ -n $req ]] && echo "send dhcp-requested-address $req;"
    echo "request subnet-mask, broadcast-address, routers, domain-name, domain-name-servers, host-name;"
    echo "timeout 20;"
    echo "initial-interval 1;"
  } >"$conf"
  timeout 30 ip netns exec "ww-c$i" dhclient -4 -1 -v -cf "$conf" -pf "$RUN/dhclient-c$i.pid" \
    -lf "$RUN/dhclient-c$i.leases" eth0 </dev/null >>"$RUN/dhclient-c$i.out" 2>&1 9>&- ||
    die "dhclient in ww-c$i got no lease: $(tail -5 "$RUN/dhclient-c$i.out")"
  wait_for 10 "address on ww-c$i" sh -c "ip -n ww-c$i -4 -o addr show dev eth0 | grep -q inet"
  CIP[$i]=$(ip -n "ww-c$i" -4 -o addr show dev eth0 | awk '{print $4}' | cut -d/ -f1 | head -1)
  CHOST[$i]=pc-$i
  wait_for 10 "DHCPACK for ww-c$i in dnsmasq.log" grep -q "DHCPACK(br-lan) ${CIP[$i]} ${CMAC[$i]} pc-$i" "$OUT/dnsmasq.log"
  log "ww-c$i (${CMAC[$i]}, pc-$i) has ${CIP[$i]}"
}

dhcp_release() { # IDX
  local i=$1
  timeout 20 ip netns exec "ww-c$i" dhclient -4 -r -v -cf "$RUN/dhclient-c$i.conf" -pf "$RUN/dhclient-c$i.pid" \
    -lf "$RUN/dhclient-c$i.leases" eth0 </dev/null >>"$RUN/dhclient-c$i.out" 2>&1 ||
    die "dhclient -r in ww-c$i failed: $(tail -5 "$RUN/dhclient-c$i.out")"
  wait_for 10 "DHCPRELEASE for ww-c$i" grep -q "DHCPRELEASE(br-lan) ${CIP[$i]} ${CMAC[$i]}" "$OUT/dnsmasq.log"
  if ip -n "ww-c$i" -4 -o addr show dev eth0 | grep -q inet; then die "ww-c$i kept its address after release"; fi
  log "ww-c$i released ${CIP[$i]}"
}

declare -A SESSION SESSION_START
radius_acct() { # IDX start|stop
  local i=$1 what=$2 now mac_dash attrs
  now=$(date +%s)
  mac_dash=$(tr 'a-f:' 'A-F-' <<<"${CMAC[$i]}")
  if [[ $what == start ]]; then
    SESSION[$i]=$(printf '%08X' $(((now & 0xFFFFFFF) * 16 + i)))
    SESSION_START[$i]=$now
  fi
  attrs="Acct-Status-Type = ${what^}
User-Name = \"${CUSER[$i]}\"
Calling-Station-Id = \"$mac_dash\"
Called-Station-Id = \"02-77-00-00-00-FE:ww-lab\"
Framed-IP-Address = ${CIP[$i]}
NAS-IP-Address = $GW_LAN
NAS-Identifier = \"ww-gw\"
NAS-Port = $i
NAS-Port-Type = Ethernet
Acct-Session-Id = \"${SESSION[$i]}\"
Event-Timestamp = $now
Acct-Delay-Time = 0"
  if [[ $what == stop ]]; then
    attrs+="
Acct-Session-Time = $((now - SESSION_START[$i]))
Acct-Input-Octets = 4711
Acct-Output-Octets = 815
Acct-Terminate-Cause = User-Request"
  fi
  ip netns exec ww-gw radclient -q -r 3 -t 2 "$GW_LAN:1813" acct "$RADIUS_SECRET" <<<"$attrs" >>"$RUN/radclient.out" 2>&1 ||
    die "radclient $what for ww-c$i got no answer: $(tail -3 "$RUN/radclient.out")"
  wait_for 10 "RADIUS $what of ${SESSION[$i]} in the detail file" \
    sh -c "cat '$OUT'/radacct/*/detail-* | grep -q 'Acct-Session-Id = \"${SESSION[$i]}\"'"
  log "RADIUS ${what^} ${CUSER[$i]} ${CIP[$i]} ${SESSION[$i]}"
}

json_str() { if [[ -z $1 ]]; then printf 'null'; else printf '"%s"' "$1"; fi; }

# conn ID STEP IDX DSTPORT LOCALPORT PROTO HOLD-MS [background]
# Records the expectation, then runs the client; "background" returns at once (reap with wait_conns).
CONN_PIDS=()
conn() {
  local id=$1 step=$2 i=$3 dport=$4 lport=$5 proto=$6 hold=$7 bg=${8:-} closed=false static=false
  [[ $dport == "$CLOSED_PORT" ]] && closed=true
  [[ $i == 4 ]] && static=true
  printf '{"id":"%s","step":"%s","client":{"name":"c%s","ns":"ww-c%s","mac":"%s","hostname":%s,"user":%s,"ip":"%s","static":%s},"insideIp":"%s","insidePort":%s,"dstIp":"%s","dstPort":%s,"proto":"%s","closed":%s}\n' \
    "$id" "$step" "$i" "$i" "${CMAC[$i]}" "$(json_str "${CHOST[$i]:-}")" "$(json_str "${CUSER[$i]:-}")" "${CIP[$i]}" "$static" \
    "${CIP[$i]}" "$lport" "$OUTSIDE" "$dport" "$proto" "$closed" >>"$RUN/expected.ndjson"
  local cmd=(ip netns exec "ww-c$i" "$NODE" "$HERE/client.mjs" --id "$id" --port "$dport" --local-port "$lport"
    --proto "$proto" --hold "$hold" --resolve out.lab.test --dns "$GW_LAN" --out "$RUN/results.ndjson"
    --ready "$RUN/ready-$id")
  if [[ $bg == background ]]; then
    "${cmd[@]}" >/dev/null 2>>"$RUN/clients.err" &
    CONN_PIDS+=($!)
  else
    "${cmd[@]}" >/dev/null 2>>"$RUN/clients.err" || die "client $id failed: $(tail -3 "$RUN/clients.err")"
  fi
}
wait_conns() {
  local p
  for p in "${CONN_PIDS[@]}"; do wait "$p" || die "a background client failed: $(tail -3 "$RUN/clients.err")"; done
  CONN_PIDS=()
}

# ---------------------------------------------------------------------------------------------------------
log "scenario a: c1 gets X, connects, leaves; c2 gets the same X and connects"
dhcp_up 1
radius_acct 1 start
sleep 1.1
conn a1 a 1 443 41001 tcp 300
sleep 1.1
dhcp_release 1
radius_acct 1 stop
X=${CIP[1]}
sleep 1.1
dhcp_up 2 "$X"
[[ ${CIP[2]} == "$X" ]] || die "ww-c2 got ${CIP[2]}, not the released $X"
radius_acct 2 start
dhcp_up 3
radius_acct 3 start
sleep 1.1
conn a2 a 2 443 41002 tcp 300

log "scenario b: c2 and c3 from the same inside port"
sleep 0.5
# b1: same destination 198.51.100.7:443 within one second: masquerade must move the second one's port.
conn b1-c2 b 2 443 40010 tcp 1500 background
wait_for 5 "b1-c2 connected" test -s "$RUN/ready-b1-c2"
conn b1-c3 b 3 443 40010 tcp 300 background
wait_conns
# b2: different destination ports (443, 80): both keep public port 40020 at the same time.
sleep 0.5
conn b2-c2 b 2 443 40020 tcp 1200 background
wait_for 5 "b2-c2 connected" test -s "$RUN/ready-b2-c2"
conn b2-c3 b 3 80 40020 tcp 600 background
wait_conns

log "scenario c: static c4 (no lease) connects"
sleep 0.5
conn c4 c 4 443 41004 tcp 300

log "scenario d: c3 tries the closed port $CLOSED_PORT; c3 sends one UDP datagram"
sleep 0.5
conn d3 d 3 "$CLOSED_PORT" 41005 tcp 0
sleep 0.3
conn u3 u 3 5000 41006 udp 0

# ---------------------------------------------------------------------------------------------------------
log "waiting for every connection in every log"
N_CONN=$(wc -l <"$RUN/expected.ndjson")
wait_for 10 "all client results" sh -c "[ \$(wc -l <'$RUN/results.ndjson') -ge $N_CONN ]"
# One line per connection: id, inside ip, inside port, dst port, proto, wanted result, the client's result.
checked=0
while IFS=$'\t' read -r id ip sport dport proto want got; do
  checked=$((checked + 1))
  wait_for 15 "conntrack NEW for $id ($proto $ip:$sport -> $OUTSIDE:$dport)" \
    grep -qE "\[NEW\] .*$proto .*src=$ip dst=$OUTSIDE sport=$sport dport=$dport " "$OUT/conntrack.log"
  [[ $got == "$want" ]] || die "connection $id: expected $want, the client says $got"
done < <("$NODE" -e '
  const fs = require("fs");
  const rd = (f) => fs.readFileSync(f, "utf8").trim().split("\n").map((l) => JSON.parse(l));
  const res = new Map(rd(process.argv[2]).map((r) => [r.id, r.result]));
  for (const e of rd(process.argv[1])) {
    const want = e.closed ? "refused" : "answered";
    console.log([e.id, e.insideIp, e.insidePort, e.dstPort, e.proto, want, res.get(e.id) ?? "none"].join("\t"));
  }' "$RUN/expected.ndjson" "$RUN/results.ndjson")
((checked == N_CONN)) || die "checked $checked of $N_CONN connections (unreadable expected.ndjson/results.ndjson?)"
wait_for 10 "$N_CONN packets in outside.pcap.txt" sh -c "[ \$(grep -c ' > $OUTSIDE\\.' '$OUT/outside.pcap.txt') -ge $N_CONN ]"
wait_for 10 "$((N_CONN - 1)) peers in responder.log (all but the closed port)" sh -c "[ \$(wc -l <'$OUT/responder.log') -ge $((N_CONN - 1)) ]"

log "stopping daemons"
T_END=$(date +%s.%N)
p=$(<"$RUN/tcpdump.pid")
kill -INT "$p" 2>/dev/null || true # SIGINT: tcpdump flushes and prints its counters
wait_pid_gone "$p" 30 || kill -KILL "$p" 2>/dev/null || true
STOP=(conntrack dnsmasq freeradius responder dhclient-c2 dhclient-c3)
for name in "${STOP[@]}"; do kill_pidfile "$RUN/$name.pid" TERM; done
for name in "${STOP[@]}"; do
  [[ -s $RUN/$name.pid ]] || continue
  p=$(<"$RUN/$name.pid")
  wait_pid_gone "$p" 50 || { log "$name ignored SIGTERM; killing it"; kill -KILL "$p" 2>/dev/null || true; }
  log "stopped $name"
done

DETAIL_FILES=$(cd "$OUT" && find radacct -type f -name 'detail-*' | sort | tr '\n' ' ')
"$NODE" - "$OUT" "$RUN" "$T_START" "$T_END" "$DNSMASQ_TZ" "$RADIUS_TZ" "$DETAIL_FILES" <<'EOF'
const fs = require('fs');
const [out, run, t0, t1, dnsTz, radTz, details] = process.argv.slice(2);
const rd = (f) => fs.readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
const results = new Map(rd(`${run}/results.ndjson`).map((r) => [r.id, r]));
const connections = rd(`${run}/expected.ndjson`).map((e) => {
  const r = results.get(e.id) ?? {};
  return { ...e, result: r.result, startedAt: r.startedAt, connectedAt: r.connectedAt, finishedAt: r.finishedAt };
});
const expected = {
  version: 1,
  producedBy: 'test/lab/lab.sh',
  startedAt: Number(t0),
  finishedAt: Number(t1),
  gateway: { lan: '10.77.0.1', public: '203.0.113.5' },
  outsideHost: '198.51.100.7',
  closedPort: 8081,
  zones: { dnsmasq: dnsTz, freeradius: radTz, conntrack: 'epoch' },
  files: {
    dnsmasq: 'dnsmasq.log',
    conntrack: 'conntrack.log',
    outside: 'outside.pcap.txt',
    responder: 'responder.log',
    radius: details.trim().split(/\s+/).filter(Boolean),
  },
  connections,
};
fs.writeFileSync(`${out}/expected.json`, JSON.stringify(expected, null, 2) + '\n');
EOF
log "done in $(awk -v a="$T_START" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')s: $N_CONN connections, outputs in $OUT"
