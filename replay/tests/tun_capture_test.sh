#!/usr/bin/env bash
# tun_capture_test.sh: what tcpdump captures on a TUN device, replayed by
# `ip4ref replay` (ctest label `netns`, issue 6).
#
# In a private network namespace holding only `lo` and the TUN device
# ip4rcap0 (kernel side 192.0.2.1/24, MTU 576; RFC 5737 TEST-NET-1 only, no
# other interface, no route out), `ip4ref tun` runs the reference stack as
# 192.0.2.2. While two tcpdumps capture (`-i ip4rcap0`: LINKTYPE_RAW, and
# `-i any`: LINUX_SLL2, or LINUX_SLL on older tcpdumps), the kernel pings the
# stack with 4000-octet payloads: the kernel fragments every request, the
# stack fragments every reply. Then, for each capture:
#   - ip4ref replay rebuilds exactly the 2 x COUNT datagrams, drops nothing,
#     leaves nothing in progress;
#   - the rebuilt octets are what was sent: every datagram is 20 + 8 + 4000
#     octets of ICMP with a valid checksum, COUNT echo requests and COUNT
#     replies, each reply carrying its request's identifier, sequence and
#     data (ping itself also checks the data it gets back);
#   - with tshark installed: tshark's reassembly (-o ip.defragment:TRUE)
#     finds the same datagrams (ICMP type, sequence, reassembled length);
# and `ip4ref diff` finds both captures' rebuilt datagrams identical.
#
# Usage: tun_capture_test.sh IP4REF
# Exit 0 pass, 1 fail, 77 skip (not root, no /dev/net/tun, no namespaces,
# no tcpdump / ping / ip / python3). The namespace is deleted on every exit.
set -uo pipefail

SKIP=77
tool="$1"
count=3
size=4000
mtu=576

skip() { echo "SKIP: $*"; exit "$SKIP"; }
fail() { echo "FAIL: $*"; exit 1; }
[[ "$(id -u)" == 0 ]] || skip "needs root (network namespaces, TUN devices, tcpdump)"
[[ -c /dev/net/tun ]] || skip "/dev/net/tun is missing (modprobe tun, or a container without it)"
for t in ip tcpdump ping python3; do
  command -v "$t" >/dev/null || skip "$t is not installed (ci/deps --optional)"
done

ns="ip4ref-cap-$$"
dev="ip4rcap0"
work="$(mktemp -d "${TMPDIR:-/tmp}/ip4ref-tun-capture.XXXXXX")"
pids=()

cleanup() {
  for pid in "${pids[@]}"; do
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  for pid in $(ip netns pids "$ns" 2>/dev/null); do  # anything this run left inside
    kill -KILL "$pid" 2>/dev/null || true
  done
  ip -n "$ns" link del "$dev" 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
  [[ -n "${KEEP:-}" ]] || rm -rf "$work"; [[ -n "${KEEP:-}" ]] && echo "kept $work"
}
trap cleanup EXIT

ip netns add "$ns" 2>/dev/null || skip "cannot create a network namespace (ip netns add failed)"
in_ns() { ip netns exec "$ns" "$@"; }
in_ns ip link set lo up
in_ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 || true
in_ns ip tuntap add dev "$dev" mode tun 2>/dev/null || skip "cannot create a TUN device in the namespace"
in_ns ip addr add 192.0.2.1/24 dev "$dev"

# The stack (ip4ref tun sets the MTU and brings the device up).
ip netns exec "$ns" "$tool" tun --dev "$dev" --addr 192.0.2.2/24 --mtu "$mtu" \
  >"$work/tun.out" 2>"$work/tun.err" &
tun_pid=$!
pids+=("$tun_pid")
for _ in $(seq 100); do
  grep -q 'Ctrl-C stops' "$work/tun.err" 2>/dev/null && break
  kill -0 "$tun_pid" 2>/dev/null || { cat "$work/tun.err"; fail "ip4ref tun did not start"; }
  sleep 0.05
done

# Two captures; each tcpdump says "listening on" once its socket is ready.
start_tcpdump() {  # NAME INTERFACE
  ip netns exec "$ns" tcpdump -n -U --immediate-mode -B 16384 -s 0 -i "$2" -w "$work/$1.pcap" 2>"$work/$1.err" &
  local pid=$!
  pids+=("$pid")
  for _ in $(seq 100); do
    grep -q 'listening on' "$work/$1.err" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  cat "$work/$1.err"
  fail "tcpdump -i $2 did not start"
}
start_tcpdump tun "$dev"
start_tcpdump any any
tcpdump_pids=("${pids[@]:1}")

in_ns ping -n -c "$count" -i 0.2 -s "$size" -M dont -W 2 192.0.2.2 >"$work/ping.out" 2>&1
ping_rc=$?
cat "$work/ping.out"
sleep 0.5  # the last reply reaches both capture sockets (immediate mode: no block timeout)
for pid in "${tcpdump_pids[@]}"; do
  kill -INT "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
done
kill -INT "$tun_pid"; wait "$tun_pid" 2>/dev/null
pids=()
grep -h 'captured\|dropped by kernel' "$work/tun.err" "$work/any.err"  # a capture that lost packets explains a failure below
[[ "$ping_rc" == 0 ]] && grep -q " $count received" "$work/ping.out" &&
  ! grep -qi 'wrong data\|truncated\|DUP' "$work/ping.out" ||
  fail "ping -s $size at MTU $mtu did not get $count clean replies"

# rebuilt.pcap -> checks of the octets (see the header comment).
check_octets() {  # REBUILT.pcap
  python3 - "$1" "$count" "$size" <<'PY'
import struct, sys
path, count, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
data = open(path, "rb").read()
magic = struct.unpack("<I", data[:4])[0]
assert magic in (0xa1b2c3d4, 0xa1b23c4d), f"{path}: not a little-endian pcap"
at, datagrams = 24, []
while at + 16 <= len(data):
    cap = struct.unpack("<I", data[at + 8:at + 12])[0]
    datagrams.append(data[at + 16:at + 16 + cap])
    at += 16 + cap
def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s
requests, replies = {}, {}
for d in datagrams:
    ihl = (d[0] & 15) * 4
    total, frag, proto = struct.unpack("!H", d[2:4])[0], struct.unpack("!H", d[6:8])[0], d[9]
    assert total == len(d) == ihl + 8 + size, f"datagram of {len(d)} octets (total length {total})"
    assert frag & 0x3fff == 0, "MF or offset left set"
    assert proto == 1 and csum(d[:ihl]) == 0xffff, "not ICMP or bad header checksum"
    icmp = d[ihl:]
    assert csum(icmp) == 0xffff, "bad ICMP checksum: octets differ from what was sent"
    kind, ident, seq = icmp[0], icmp[4:6], icmp[6:8]
    {8: requests, 0: replies}[kind][(ident, seq)] = icmp[8:]
assert len(requests) == count and len(replies) == count, \
    f"{len(requests)} requests and {len(replies)} replies, wanted {count} each"
for key, body in requests.items():
    assert replies.get(key) == body, "a reply does not carry its request's data"
print(f"ok: {path}: {len(datagrams)} datagrams of {ihl + 8 + size} octets, "
      f"{count} requests and their {count} replies, checksums and data match")
PY
}

json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@"; }

for name in tun any; do
  cap="$work/$name.pcap"
  "$tool" replay "$cap" --json --out "$work/$name-rebuilt.pcap" --only-reassembled \
    >"$work/$name.json" || fail "ip4ref replay $name.pcap exited with $?"
  link="$(json "$work/$name.json" 'd["link_type"]')"
  rebuilt="$(json "$work/$name.json" 'd["datagrams_rebuilt"]')"
  echo "ip4ref replay $name.pcap (tcpdump -i $([[ $name == tun ]] && echo "$dev" || echo any)):" \
       "link type $link, $(json "$work/$name.json" 'd["packets"]') packets," \
       "$rebuilt datagrams rebuilt"
  case "$name:$link" in
    tun:RAW | any:LINUX_SLL2 | any:LINUX_SLL) ;;
    *) fail "$name.pcap has link type $link" ;;
  esac
  [[ "$rebuilt" == "$((2 * count))" ]] || fail "$name.pcap: $rebuilt datagrams rebuilt, wanted $((2 * count))"
  [[ "$(json "$work/$name.json" 'd["dropped"]')" == "{}" ]] || fail "$name.pcap: drops: $(json "$work/$name.json" 'd["dropped"]')"
  [[ "$(json "$work/$name.json" 'd["discarded"]')" == "{}" ]] || fail "$name.pcap: discards"
  [[ "$(json "$work/$name.json" 'd["in_progress"]')" == 0 ]] || fail "$name.pcap: datagrams left in progress"
  check_octets "$work/$name-rebuilt.pcap" || fail "$name.pcap: rebuilt octets"
  if command -v tshark >/dev/null; then
    # One line per reassembled ICMP message: type, sequence, IP payload length.
    tshark -r "$cap" -o ip.defragment:TRUE -Y 'icmp' -T fields -e icmp.type -e icmp.seq \
      -e ip.reassembled.length 2>/dev/null | sort >"$work/$name.tshark"
    python3 - "$work/$name-rebuilt.pcap" <<'PY' | sort >"$work/$name.ours"
import struct, sys
data = open(sys.argv[1], "rb").read()
at = 24
while at + 16 <= len(data):
    cap = struct.unpack("<I", data[at + 8:at + 12])[0]
    d = data[at + 16:at + 16 + cap]
    icmp = d[(d[0] & 15) * 4:]
    print(f"{icmp[0]}\t{struct.unpack('!H', icmp[6:8])[0]}\t{len(icmp)}")
    at += 16 + cap
PY
    diff "$work/$name.tshark" "$work/$name.ours" ||
      fail "$name.pcap: tshark's reassembly (left) differs from ip4ref's (right)"
    echo "ok: tshark -o ip.defragment:TRUE reassembles the same $(wc -l <"$work/$name.tshark") messages"
  else
    echo "note: tshark is not installed; its reassembly was not compared"
  fi
done
"$tool" diff "$work/tun-rebuilt.pcap" "$work/any-rebuilt.pcap" ||
  fail "the two captures' rebuilt datagrams differ"
echo "ok: both captures rebuild the same datagrams"
