# Shared by the lab scripts (sourced): namespace and process helpers. A script sets NSES=(its namespaces)
# and RUN (its folder of *.pid files) before calling cleanup_lab.

ns_exists() { ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$1"; }

kill_pidfile() { # FILE [SIGNAL]
  local f=$1 sig=${2:-TERM} p
  [[ -s $f ]] || return 0
  p=$(<"$f")
  [[ $p =~ ^[0-9]+$ ]] || return 0
  kill -"$sig" "$p" 2>/dev/null || true
}

wait_pid_gone() { # PID TENTHS
  local p=$1 n=${2:-30}
  while ((n-- > 0)) && kill -0 "$p" 2>/dev/null; do sleep 0.1; done
  ! kill -0 "$p" 2>/dev/null
}

# Kill what we started (pid files in $RUN), then whatever still runs inside our namespaces (a crashed
# earlier run leaves no pid files we could find): TERM, up to 2 s, then KILL; then delete the namespaces
# and their /etc/netns folders.
cleanup_lab() {
  local ns p f left
  if [[ -d ${RUN:-/nonexistent} ]]; then
    for f in "$RUN"/*.pid; do [[ -e $f ]] && kill_pidfile "$f"; done
  fi
  for ns in "${NSES[@]}"; do
    if ns_exists "$ns"; then
      for p in $(ip netns pids "$ns" 2>/dev/null); do kill -TERM "$p" 2>/dev/null || true; done
    fi
  done
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    left=0
    for ns in "${NSES[@]}"; do
      ns_exists "$ns" && [[ -n $(ip netns pids "$ns" 2>/dev/null) ]] && left=1
    done
    ((left == 0)) && break
    sleep 0.2
  done
  for ns in "${NSES[@]}"; do
    if ns_exists "$ns"; then
      for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
      ip netns del "$ns" 2>/dev/null || true
    fi
    rm -rf "/etc/netns/$ns"
  done
  rmdir /etc/netns 2>/dev/null || true
}

# Poll a command until it succeeds: wait_for SECONDS DESCRIPTION CMD... (the caller defines die).
wait_for() {
  local secs=$1 what=$2
  shift 2
  local deadline=$(($(date +%s%N) + secs * 1000000000))
  until "$@" >/dev/null 2>&1; do
    (($(date +%s%N) < deadline)) || die "timed out after ${secs}s waiting for: $what"
    sleep 0.05
  done
}

# Start a long-running program inside a namespace with its real pid in $RUN/NAME.pid:
# bgrun NS NAME STDOUT-FILE CMD...
bgrun() {
  local ns=$1 name=$2 stdout=$3
  shift 3
  ip netns exec "$ns" sh -c 'echo $$ > "$0"; exec "$@"' "$RUN/$name.pid" "$@" \
    >"$stdout" 2>"$RUN/$name.err" </dev/null 9>&- &
  wait_for 5 "$name to start" test -s "$RUN/$name.pid"
}

alive() { [[ -s $RUN/$1.pid ]] && kill -0 "$(<"$RUN/$1.pid")" 2>/dev/null; }
