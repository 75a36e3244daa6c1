#!/usr/bin/env bash
# run_netns_tests.sh: the stack against the real Linux kernel, through a TUN
# device inside a PRIVATE network namespace (ctest label `netns`).
#
# Each run creates namespace ip4ref-test-<pid> holding only `lo` and one TUN
# device: the kernel side has 192.0.2.1/24 on it, the stack (the driver,
# ip4ref_tun_stack) answers as 192.0.2.2. RFC 5737 TEST-NET-1 only; the
# namespace has no other interface and no default route, so nothing can leave
# it. The namespace is deleted on every exit (trap).
#
# Usage: run_netns_tests.sh --driver PATH --peer PATH [--python PY] CASE [ARGS]
#   ping MTU [ENGINE] [--threaded]  kernel pings payloads 56 1472 1473 4000
#                                   30000 65507 at link MTU MTU
#   udp MTU                         UDP both ways, shuffled stack fragments
#   burst                           burst larger than in_pool, nothing lost
#   bad                             malformed packets dropped with reasons
#   time-exceeded                   ICMP type 11 code 1 on reassembly timeout
#   tun-command TOOL                `TOOL tun` (ip4ref tun): --mtu, ping, --pcap, SIGINT
#   tun-command-sigterm TOOL        `TOOL tun` stops on SIGTERM: counters printed, exit 0
#   tun-command-permission TOOL     `TOOL tun` without CAP_NET_ADMIN: one line, exit 2
# Exit 0 pass, 1 fail, 77 skip (not root, no /dev/net/tun, no namespaces,
# engine not built).
set -euo pipefail

SKIP=77
driver="" peer="" python="python3"
while [[ $# -gt 0 && "$1" == --* ]]; do
  case "$1" in
    --driver) driver="$2"; shift 2 ;;
    --peer) peer="$2"; shift 2 ;;
    --python) python="$2"; shift 2 ;;
    *) echo "run_netns_tests.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[[ $# -ge 1 && -x "$driver" && -f "$peer" ]] || {
  echo "usage: run_netns_tests.sh --driver PATH --peer PATH [--python PY] CASE [ARGS]" >&2
  exit 2
}
case_name="$1"; shift

skip() { echo "SKIP: $*"; exit "$SKIP"; }

# `ip4ref tun` without permission to create the device: one line, exit 2.
# As root, run it as nobody (setpriv); as anyone else, run it as is.
if [[ "$case_name" == tun-command-permission ]]; then
  tool="$1" as=()
  if [[ "$(id -u)" == 0 ]]; then
    command -v setpriv >/dev/null || skip "setpriv (util-linux) is needed to drop root"
    as=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all)
  fi
  rc=0
  err="$("${as[@]}" "$tool" tun --dev ip4rtun9 --addr 192.0.2.2/24 2>&1 >/dev/null)" || rc=$?
  echo "exit $rc: $err"
  [[ "$rc" == 2 ]] || { echo "FAIL: expected exit 2"; exit 1; }
  [[ "$(wc -l <<<"$err")" == 1 ]] || { echo "FAIL: expected exactly one line"; exit 1; }
  grep -q '/dev/net/tun\|CAP_NET_ADMIN' <<<"$err" || { echo "FAIL: the line names neither"; exit 1; }
  exit 0
fi
[[ "$(id -u)" == 0 ]] || skip "netns tests need root (network namespaces, TUN devices)"
[[ -c /dev/net/tun ]] || skip "/dev/net/tun is missing (modprobe tun, or a container without it)"
command -v ip >/dev/null || skip "iproute2 'ip' is not installed"

ns="ip4ref-test-$$"
dev="ip4rtun0"
work="$(mktemp -d "${TMPDIR:-/tmp}/ip4ref-netns.XXXXXX")"
driver_pid=""

cleanup() {
  if [[ -n "$driver_pid" ]] && kill -0 "$driver_pid" 2>/dev/null; then
    kill -CONT "$driver_pid" 2>/dev/null || true
    kill -KILL "$driver_pid" 2>/dev/null || true
    wait "$driver_pid" 2>/dev/null || true
  fi
  # Anything else this run started inside its own namespace (a peer killed
  # half-way) holds the namespace alive: end those processes, by pid.
  for pid in $(ip netns pids "$ns" 2>/dev/null); do
    kill -KILL "$pid" 2>/dev/null || true
  done
  ip -n "$ns" link del "$dev" 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

ip netns add "$ns" 2>/dev/null || skip "cannot create a network namespace (ip netns add failed)"
in_ns() { ip netns exec "$ns" "$@"; }
in_ns ip link set lo up
in_ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 || true
in_ns ip tuntap add dev "$dev" mode tun 2>/dev/null || skip "cannot create a TUN device in the namespace"
in_ns ip addr add 192.0.2.1/24 dev "$dev"
# Room in the device's queue for a 65507-octet ping at MTU 68 (1366
# fragments) and for the burst while the stack is stopped.
in_ns ip link set dev "$dev" txqueuelen 5000
in_ns ip link set dev "$dev" up

set_mtu() { in_ns ip link set dev "$dev" mtu "$1"; }

# Starts the driver attached to the device; waits for its "ready" line.
# `ip netns exec` execs the driver, so $! is the driver itself (a shell
# function here would put a subshell in between and signals would miss it).
start_driver() {
  ip netns exec "$ns" "$driver" --dev "$dev" --addr 192.0.2.2/24 "$@" \
    >"$work/driver.out" 2>"$work/driver.err" &
  driver_pid=$!
  for _ in $(seq 100); do
    grep -q '^ready ' "$work/driver.out" 2>/dev/null && { cat "$work/driver.out"; return 0; }
    kill -0 "$driver_pid" 2>/dev/null || break
    sleep 0.05
  done
  echo "FAIL: the driver did not start"; cat "$work/driver.err"; return 1
}

# SIGTERM, wait, keep the counters it printed.
stop_driver() {
  kill -TERM "$driver_pid"
  local rc=0
  wait "$driver_pid" || rc=$?
  driver_pid=""
  if [[ "$rc" != 0 ]]; then
    echo "FAIL: the driver exited with $rc"; cat "$work/driver.err"; return 1
  fi
  sed -n '/^ready /!p' "$work/driver.out" >"$work/counters"
}

counter() { awk -v n="$1" '$1 == n { print $2; found = 1 } END { if (!found) print 0 }' "$work/counters"; }

expect_counter() {  # NAME OP VALUE
  local value; value="$(counter "$1")"
  if ! [ "$value" "$2" "$3" ]; then
    echo "FAIL: counter $1 = $value, expected $2 $3"; cat "$work/counters"; return 1
  fi
  echo "ok: $1 = $value"
}

# The kernel's ping, every payload size, at the current MTU.
# -S: iputils ping sizes its send buffer for one packet, but the kernel
# charges every fragment's skb (~700 octets of truesize for a 48-octet
# fragment at MTU 68) to the socket and refuses with ENOBUFS past 2 x sndbuf
# (net/ipv4/ip_output.c __ip_append_data). The largest buffer the host allows
# (net.core.wmem_max, a global sysctl this test does not change) is asked for.
# A size the kernel still cannot send is a limit of the host, not of the
# stack: the case then ends in SKIP naming the sysctl.
kernel_limited=()
ping_sizes() {
  local failed=0 sndbuf
  sndbuf="$(cat /proc/sys/net/core/wmem_max)"
  for size in 56 1472 1473 4000 30000 65507; do
    local out
    if out="$(in_ns ping -n -s "$size" -c 1 -W 2 -M dont -S "$sndbuf" 192.0.2.2 2>&1)" &&
       grep -q ' 1 received' <<<"$out" && ! grep -qi 'wrong data\|truncated\|DUP' <<<"$out"; then
      echo "ok: ping -s $size at MTU $mtu: $(grep 'bytes from' <<<"$out")"
    elif grep -q 'No buffer space available' <<<"$out"; then
      echo "KERNEL LIMIT: ping -s $size at MTU $mtu: the kernel could not send it (ENOBUFS," \
           "net.core.wmem_max=$sndbuf; 4194304 is enough)"
      kernel_limited+=("$size")
    else
      echo "FAIL: ping -s $size at MTU $mtu"; echo "$out"; failed=1
    fi
  done
  return "$failed"
}

# After a passing case: SKIP if some sizes could not be sent by the kernel.
finish() {
  if [[ ${#kernel_limited[@]} -gt 0 ]]; then
    skip "every other check passed, but the kernel could not send ping sizes" \
         "${kernel_limited[*]} at MTU $mtu (raise net.core.wmem_max)"
  fi
  exit 0
}

case "$case_name" in
  ping)
    mtu="$1"; engine="${2:-ref}"; extra=("${@:3}")
    "$driver" --list-engines | grep -qx "$engine" || skip "engine '$engine' is not built"
    set_mtu "$mtu"
    start_driver --engine "$engine" "${extra[@]}"
    rc=0; ping_sizes || rc=1
    stop_driver
    expect_counter icmp_out_echo_replies -eq "$((6 - ${#kernel_limited[@]}))"
    expect_counter drop.not-for-us -eq 0  # nothing stray reached the stack
    [[ "$rc" == 0 ]] || exit 1
    finish
    ;;
  udp)
    mtu="$1"
    set_mtu "$mtu"
    start_driver --shuffle-seed 20240607
    in_ns "$python" "$peer" udp "$dev" --expect-shuffled
    stop_driver
    expect_counter udp_in_datagrams -eq 18
    expect_counter udp_out_datagrams -eq 18
    expect_counter out_shuffled -ge 1
    ;;
  burst)
    set_mtu 1500
    start_driver --in-pool 8
    in_ns "$python" "$peer" burst "$driver_pid" 300
    stop_driver
    expect_counter udp_in_datagrams -eq 300
    expect_counter udp_out_datagrams -eq 300
    expect_counter in_pool.backpressure -ge 1
    expect_counter in_pool.high_water -eq 8
    ;;
  bad)
    set_mtu 1500
    start_driver
    in_ns "$python" "$peer" bad "$dev"
    mtu=1500; ping_sizes  # still answering, every size
    stop_driver
    for reason in truncated bad-header-length bad-checksum bad-total-length not-for-us; do
      expect_counter "drop.$reason" -eq 1
    done
    expect_counter drop.bad-version -ge 1
    expect_counter icmp_out_echo_replies -eq "$((6 - ${#kernel_limited[@]}))"
    finish
    ;;
  time-exceeded)
    set_mtu 1500
    start_driver --timeout-ms 1000
    in_ns "$python" "$peer" time-exceeded "$dev"
    stop_driver
    expect_counter icmp_out_time_exceeded -eq 1
    expect_counter drop.timeout -eq 1
    ;;
  tun-command)
    # `ip4ref tun` itself: --mtu sets the device, ping answered, --pcap
    # records both directions, SIGINT prints the counters and exits 0.
    tool="$1"; mtu=576
    ip netns exec "$ns" "$tool" tun --dev "$dev" --addr 192.0.2.2/24 --mtu "$mtu" \
      --pcap "$work/tun.pcap" >"$work/tool.out" 2>"$work/tool.err" &
    driver_pid=$!
    for _ in $(seq 100); do
      grep -q 'Ctrl-C stops' "$work/tool.err" 2>/dev/null && break
      sleep 0.05
    done
    cat "$work/tool.err"
    [[ "$(in_ns cat "/sys/class/net/$dev/mtu")" == "$mtu" ]] || { echo "FAIL: --mtu not set"; exit 1; }
    rc=0; ping_sizes || rc=1
    kill -INT "$driver_pid"
    tool_rc=0; wait "$driver_pid" || tool_rc=$?
    driver_pid=""
    cat "$work/tool.err"
    [[ "$tool_rc" == 0 ]] || { echo "FAIL: ip4ref tun exited with $tool_rc after SIGINT"; exit 1; }
    cp "$work/tool.out" "$work/counters"
    expect_counter icmp_out_echo_replies -eq "$((6 - ${#kernel_limited[@]}))"
    # Every packet read and written is in the capture: 24-octet file header,
    # then a 16-octet record header per packet.
    records="$("$python" -c '
import struct, sys
data = open(sys.argv[1], "rb").read()
at, n = 24, 0
while at + 16 <= len(data):
    at += 16 + struct.unpack("<I", data[at + 8:at + 12])[0]
    n += 1
print(n)' "$work/tun.pcap")"
    expected="$(( $(counter in_receives) + $(counter out_transmits) ))"
    [[ "$records" == "$expected" ]] ||
      { echo "FAIL: pcap has $records records, counters say $expected packets"; exit 1; }
    echo "ok: pcap holds all $records packets"
    [[ "$rc" == 0 ]] || exit 1
    finish
    ;;
  tun-command-sigterm)
    # SIGTERM stops `ip4ref tun` as SIGINT does: counters on stdout, exit 0.
    tool="$1"
    ip netns exec "$ns" "$tool" tun --dev "$dev" --addr 192.0.2.2/24 \
      >"$work/tool.out" 2>"$work/tool.err" &
    driver_pid=$!
    for _ in $(seq 100); do
      grep -q 'Ctrl-C stops' "$work/tool.err" 2>/dev/null && break
      sleep 0.05
    done
    out="$(in_ns ping -n -c 2 -i 0.2 -W 2 192.0.2.2 2>&1)" || { echo "FAIL: ping"; echo "$out"; exit 1; }
    kill -TERM "$driver_pid"
    tool_rc=0; wait "$driver_pid" || tool_rc=$?
    driver_pid=""
    cat "$work/tool.err"
    [[ "$tool_rc" == 0 ]] || { echo "FAIL: ip4ref tun exited with $tool_rc after SIGTERM"; exit 1; }
    cp "$work/tool.out" "$work/counters"
    expect_counter icmp_out_echo_replies -eq 2
    expect_counter in_receives -ge 2
    ;;
  *)
    echo "run_netns_tests.sh: unknown case '$case_name'" >&2; exit 2 ;;
esac
