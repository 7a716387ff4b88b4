#!/usr/bin/env bash
# whowas sshd lab: Debian's real OpenSSH server in a network namespace, two client namespaces logging in
# with keys (and one failed attempt with a wrong key). Writes into OUTDIR:
#   devlog.log      every datagram sshd (and PAM) sent to /dev/log, one per line, exactly as received
#                   ("<38>Nov 29 20:31:02 sshd[812]: Accepted publickey for …"), local time of LAB_TZ
#   expected.json   what the scenario did: users, client addresses, times (epoch seconds) around each login
#   run/            configs, keys, pid files, daemon stderr (kept for debugging)
# Usage: sudo bash test/lab/sshd/lab.sh OUTDIR
#
# Nothing on the machine is changed for good: the two users exist only inside a private mount namespace
# (copies of /etc/passwd, /etc/shadow, /etc/group and a minimal /etc/pam.d bind-mounted over the real ones),
# and /dev/log exists only there (a private /dev whose `log` is our datagram socket). Traffic stays between
# the namespaces created here (ws-sshd-srv, ws-sshd-c1, ws-sshd-c2).
set -euo pipefail

OUT=${1:?usage: lab.sh OUTDIR}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
RUN=$OUT/run
LAB_TZ=${LAB_TZ:-Asia/Kolkata} # +05:30, no DST: a wrong zone or a whole-hour assumption shows at once
SRV_IP=10.88.0.1
C1_IP=10.88.0.11
C2_IP=10.88.0.12
PORT=2222
NSES=(ws-sshd-srv ws-sshd-c1 ws-sshd-c2)
UID_ANNA=64201
UID_BEN=64202

log() { printf '%s sshd-lab: %s\n' "$(date +%T.%3N)" "$*" >&2; }
die() {
  log "FAILED: $*"
  exit 1
}

[[ $(id -u) -eq 0 ]] || die "must run as root (network and mount namespaces)"
missing=()
for tool in ip unshare nsenter mount perl ssh ssh-keygen flock su script; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
[[ -x /usr/sbin/sshd ]] || missing+=(/usr/sbin/sshd)
((${#missing[@]} == 0)) || die "missing tools: ${missing[*]} (apt-get install openssh-server openssh-client iproute2 util-linux bsdutils login perl)"

exec 9>/run/ws-sshd-lab.lock
flock -w 60 9 || die "another sshd lab run holds /run/ws-sshd-lab.lock"

. "$(dirname "${BASH_SOURCE[0]}")/../netns.sh"
cleanup() { cleanup_lab; }

on_exit() {
  local rc=$?
  cleanup
  ((rc == 0)) || log "exit $rc; configs and daemon stderr are in $RUN"
  exit "$rc"
}

cleanup # leftovers of an earlier crashed run
trap on_exit EXIT
trap 'exit 130' INT TERM

rm -rf "$RUN"
rm -f "$OUT/devlog.log" "$OUT/expected.json"
mkdir -p "$RUN/home/anna/.ssh" "$RUN/home/ben/.ssh" "$RUN/pam.d" "$RUN/keys"
chmod 755 "$OUT" "$RUN" "$RUN/home"

# --- namespaces: the server on a bridge, one veth per client ------------------------------------------------
log "building namespaces ${NSES[*]}"
for ns in "${NSES[@]}"; do
  ip netns add "$ns"
  ip -n "$ns" link set lo up
done
ip -n ws-sshd-srv link add ws-br type bridge
ip -n ws-sshd-srv addr add "$SRV_IP/24" dev ws-br
ip -n ws-sshd-srv link set ws-br up
i=0
for ip in "$C1_IP" "$C2_IP"; do
  i=$((i + 1))
  ip -n "ws-sshd-c$i" link add eth0 type veth peer name "ws-lan$i" netns ws-sshd-srv
  ip -n ws-sshd-srv link set "ws-lan$i" master ws-br
  ip -n ws-sshd-srv link set "ws-lan$i" up
  ip -n "ws-sshd-c$i" addr add "$ip/24" dev eth0
  ip -n "ws-sshd-c$i" link set eth0 up
done

# --- keys, users, PAM, sshd config ------------------------------------------------------------------------
ssh-keygen -q -t ed25519 -N '' -C ws-lab-host -f "$RUN/keys/host_ed25519"
for u in anna ben wrong; do ssh-keygen -q -t ed25519 -N '' -C "ws-lab-$u" -f "$RUN/keys/$u"; done
cp "$RUN/keys/anna.pub" "$RUN/home/anna/.ssh/authorized_keys"
cp "$RUN/keys/ben.pub" "$RUN/home/ben/.ssh/authorized_keys"
chown -R "$UID_ANNA:$UID_ANNA" "$RUN/home/anna"
chown -R "$UID_BEN:$UID_BEN" "$RUN/home/ben"
chmod 700 "$RUN/home/anna/.ssh" "$RUN/home/ben/.ssh"

cp /etc/passwd "$RUN/passwd"
cp /etc/group "$RUN/group"
cp /etc/shadow "$RUN/shadow"
printf 'anna:x:%d:%d:Anna Lab:%s:/bin/sh\nben:x:%d:%d:Ben Lab:%s:/bin/sh\n' \
  "$UID_ANNA" "$UID_ANNA" "$RUN/home/anna" "$UID_BEN" "$UID_BEN" "$RUN/home/ben" >>"$RUN/passwd"
printf 'anna:x:%d:\nben:x:%d:\n' "$UID_ANNA" "$UID_BEN" >>"$RUN/group"
printf 'anna:*:20000:0:99999:7:::\nben:*:20000:0:99999:7:::\n' >>"$RUN/shadow"
chmod 640 "$RUN/shadow"
# Debian's /etc/pam.d/sshd pulls in pam_loginuid, pam_systemd, motd …, which a container lacks: the same
# pam_unix session lines a Debian host writes, without the rest.
for svc in sshd login; do
  printf 'auth     required pam_unix.so\naccount  required pam_unix.so\nsession  required pam_unix.so\n' >"$RUN/pam.d/$svc"
done
printf 'auth     sufficient pam_rootok.so\naccount  required pam_unix.so\nsession  required pam_unix.so\n' >"$RUN/pam.d/su"
cp "$RUN/pam.d/su" "$RUN/pam.d/sudo"
printf 'root ALL=(ALL:ALL) ALL\nanna ALL=(ALL:ALL) NOPASSWD: ALL\n' >"$RUN/sudoers" # used only if sudo is installed
chmod 440 "$RUN/sudoers"
printf 'auth required pam_deny.so\naccount required pam_deny.so\nsession required pam_deny.so\n' >"$RUN/pam.d/other"

cat >"$RUN/sshd_config" <<EOF
Port $PORT
ListenAddress $SRV_IP
HostKey $RUN/keys/host_ed25519
PidFile $RUN/sshd.daemon.pid
UsePAM yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
AuthorizedKeysFile .ssh/authorized_keys
StrictModes no
LogLevel VERBOSE
SyslogFacility AUTH
PrintMotd no
UseDNS no
EOF
mkdir -p /run/sshd && chmod 755 /run/sshd # privilege separation directory the Debian package creates

# --- the server: private mount namespace with its own /etc files and a /dev whose `log` is our socket --------
# The receiver writes each datagram as one line (glibc syslog() sends no trailing newline).
perl -MIO::Socket::UNIX -MSocket -e '
  my ($path, $out, $pidf) = @ARGV;
  unlink $path;
  my $s = IO::Socket::UNIX->new(Type => SOCK_DGRAM, Local => $path) or die "socket $path: $!";
  chmod 0666, $path;
  open(my $fh, ">>", $out) or die "$out: $!"; $fh->autoflush(1);
  open(my $p, ">", $pidf) or die; print $p "$$\n"; close $p;
  my $buf;
  while (defined $s->recv($buf, 65536)) { $buf =~ s/\n+\z//; print $fh "$buf\n"; }
' "$RUN/devlog.sock" "$OUT/devlog.log" "$RUN/devlog.pid" 2>"$RUN/devlog.err" </dev/null 9>&- &
wait_for 5 "the /dev/log receiver" test -S "$RUN/devlog.sock"

cat >"$RUN/server.sh" <<'EOF'
#!/bin/sh
# Runs inside `unshare --mount`: nothing mounted here is seen outside.
set -e
RUN=$1
mount --make-rprivate /
mount --bind "$RUN/passwd" /etc/passwd
mount --bind "$RUN/group" /etc/group
mount --bind "$RUN/shadow" /etc/shadow
mount --bind "$RUN/pam.d" /etc/pam.d
[ -e /etc/sudoers ] && mount --bind "$RUN/sudoers" /etc/sudoers
mkdir -p "$RUN/dev"
mount -t tmpfs -o mode=755 ws-lab-dev "$RUN/dev"
for d in null zero full random urandom tty; do
  touch "$RUN/dev/$d"
  mount --bind "/dev/$d" "$RUN/dev/$d"
done
ln -s pts/ptmx "$RUN/dev/ptmx" # as in containers: the ptmx of the devpts mounted beside it
mkdir "$RUN/dev/pts"
mount --bind /dev/pts "$RUN/dev/pts"
ln -s "$RUN/devlog.sock" "$RUN/dev/log"
mount --move "$RUN/dev" /dev
echo $$ >"$RUN/sshd.pid"
exec /usr/sbin/sshd -D -f "$RUN/sshd_config"
EOF
chmod 755 "$RUN/server.sh"
log "starting sshd (TZ=$LAB_TZ) on $SRV_IP:$PORT"
TZ=$LAB_TZ ip netns exec ws-sshd-srv unshare --mount sh "$RUN/server.sh" "$RUN" \
  >"$RUN/sshd.out" 2>"$RUN/sshd.err" </dev/null 9>&- &
wait_for 10 "sshd to listen" sh -c "ip netns exec ws-sshd-srv ss -ltn | grep -q '$SRV_IP:$PORT'"

# --- scenario ---------------------------------------------------------------------------------------------
now() { date +%s.%N | cut -c1-14; } # epoch with centiseconds
client() { # NS USER KEY REMOTE-COMMAND
  ip netns exec "$1" ssh -F /dev/null -T -p "$PORT" -i "$3" -l "$2" \
    -o BatchMode=yes -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
    -o LogLevel=ERROR -o ConnectTimeout=5 "$SRV_IP" "$4" 9>&-
}

session() { # NAME NS IP USER KEY SECONDS: one login that stays for SECONDS, with times around it
  local name=$1 ns=$2 ip=$3 user=$4 key=$5 secs=$6 t0 t1 rc=0 out
  t0=$(now)
  out=$(client "$ns" "$user" "$RUN/keys/$key" "id -un; sleep $secs") || rc=$?
  t1=$(now)
  printf '{"name":"%s","ns":"%s","ip":"%s","user":"%s","key":"%s","ok":%s,"start":%s,"end":%s,"said":"%s"}' \
    "$name" "$ns" "$ip" "$user" "$key" "$([[ $rc -eq 0 ]] && echo true || echo false)" "$t0" "$t1" "$out" \
    >"$RUN/session-$name.json"
}

log "c1: anna logs in for 3 s; meanwhile c2: a wrong key for anna, then ben for 1 s"
session anna-1 ws-sshd-c1 "$C1_IP" anna anna 3 &
s1=$!
sleep 0.5
session anna-wrongkey ws-sshd-c2 "$C2_IP" anna wrong 0 || true
session ben-1 ws-sshd-c2 "$C2_IP" ben ben 1
wait "$s1"
log "c2: ben logs in again for 1 s (after anna left)"
session ben-2 ws-sshd-c2 "$C2_IP" ben ben 1
log "on the server: su to anna, and a console-style login of ben (login -f on a pty)"
srv_pid=$(<"$RUN/sshd.pid")
on_server() { TZ=$LAB_TZ nsenter --target "$srv_pid" --mount --net "$@" 9>&-; }
t0=$(now)
on_server su anna -s /bin/sh -c true
t1=$(now)
printf '{"name":"su-anna","user":"anna","by":"root","start":%s,"end":%s}' "$t0" "$t1" >"$RUN/local-su-anna.json"
if command -v sudo >/dev/null 2>&1; then # optional: sudo is not in every image
  t0=$(now)
  on_server su anna -s /bin/sh -c 'sudo -n true'
  t1=$(now)
  printf ',{"name":"sudo-anna","user":"anna","as":"root","start":%s,"end":%s}' "$t0" "$t1" >"$RUN/local-sudo-anna.json"
fi
t0=$(now)
echo exit | on_server script -qec "login -f ben" /dev/null >"$RUN/login.out" 2>&1 || true
t1=$(now)
printf '{"name":"login-ben","user":"ben","start":%s,"end":%s}' "$t0" "$t1" >"$RUN/local-login-ben.json"
sleep 0.5 # let the last log lines arrive

for f in "$RUN"/session-*.json; do grep -q '"ok":true' "$f" || [[ $f == *wrongkey* ]] || die "login failed: $(cat "$f")"; done
grep -q '"ok":false' "$RUN/session-anna-wrongkey.json" || die "the wrong key was accepted"

{
  printf '{"tz":"%s","server":"%s","port":%d,"host":"ws-sshd-srv","sessions":[' "$LAB_TZ" "$SRV_IP" "$PORT"
  first=1
  for n in anna-1 anna-wrongkey ben-1 ben-2; do
    ((first)) || printf ','
    first=0
    cat "$RUN/session-$n.json"
  done
  printf '],"local":[%s,%s%s]' "$(cat "$RUN/local-su-anna.json")" "$(cat "$RUN/local-login-ben.json")" \
    "$(cat "$RUN/local-sudo-anna.json" 2>/dev/null || true)"
  printf ',"files":{"devlog":"devlog.log"}}\n'
} >"$OUT/expected.json"

lines=$(wc -l <"$OUT/devlog.log")
((lines > 5)) || die "sshd wrote only $lines log lines (see $RUN/sshd.err)"
log "done: $lines log lines in $OUT/devlog.log"
