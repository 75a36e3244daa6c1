#!/usr/bin/env bash
# stack_command_test.sh: end-to-end tests of `ip4ref stack` (ctest label `tool`):
# the stack driven offline by a capture written here (python3), its output
# capture checked packet by packet.
# Usage: stack_command_test.sh CASE IP4REF   (CASE: ping | bad_capture | bad_options)
# Exit 0 pass, 1 fail, 77 skip (python3 missing).
set -uo pipefail

case_name="$1"
IP4REF="$2"
T="$(mktemp -d "${TMPDIR:-/tmp}/ip4ref-stack-test.XXXXXX")"
trap 'rm -rf "$T"' EXIT
PY="$(command -v /usr/bin/python3 || command -v python3 || true)"
[[ -n "$PY" ]] || { echo "SKIP: python3 is needed to write and read the captures"; exit 77; }

fail() { echo "FAIL [$case_name]: $*" >&2; exit 1; }

# run RC CMD...: stdout in $T/out, stderr in $T/err; checks the exit code.
run() {
  local want="$1"; shift
  "$@" >"$T/out" 2>"$T/err"
  local rc=$?
  if [[ "$rc" != "$want" ]]; then
    echo "--- stdout"; cat "$T/out"; echo "--- stderr"; cat "$T/err"
    fail "exit $rc, wanted $want: $*"
  fi
}

# counter NAME: its value in $T/out ("name value" lines), or "none".
counter() { awk -v n="$1" '$1 == n { print $2; found = 1 } END { if (!found) print "none" }' "$T/out"; }
eq() { [[ "$1" == "$2" ]] || fail "$3: got '$1', wanted '$2'"; }

# A LINKTYPE_RAW pcap (microsecond stamps) from 192.0.2.1 to the stack at
# 192.0.2.2 (RFC 5737): ping 1 (56 octets) at t=100 s; ping 2 (4000 octets,
# 3 fragments at MTU 1500, sent last fragment first) at t=101..103 s; only
# the first fragment of ping 3 (3000 octets) at t=104 s.
write_input() {
  "$PY" - "$1" <<'PYEOF'
import struct, sys

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f"!{len(b)//2}H", b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def ip(payload, ident, offset, more):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident,
                    (0x2000 if more else 0) | offset // 8, 64, 1, 0,
                    bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2]))
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload

def echo(seq, n):
    data = bytes((i * 7 + seq) & 0xff for i in range(n))
    m = struct.pack("!BBHHH", 8, 0, 0, 0x7777, seq) + data
    return m[:2] + struct.pack("!H", csum(m)) + m[4:]

def fragments(msg, ident, per=1480):
    out = []
    for off in range(0, len(msg), per):
        out.append(ip(msg[off:off + per], ident, off, off + per < len(msg)))
    return out

recs = [(100.0, ip(echo(1, 56), 1, 0, False))]
f2 = fragments(echo(2, 4000), 2)
recs += [(101.0 + i, p) for i, p in enumerate(reversed(f2))]
recs += [(104.0, fragments(echo(3, 3000), 3)[0])]
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101))
    for t, p in recs:
        f.write(struct.pack("<IIII", int(t), int(round((t % 1) * 1e6)), len(p), len(p)))
        f.write(p)
PYEOF
}

# Reads a LINKTYPE_IPV4 nanosecond pcap; prints one line per packet:
# "SECONDS.NANOS checksum-ok|checksum-bad OFFSET MF ICMPTYPE|- LEN".
read_output() {
  "$PY" - "$1" <<'PYEOF'
import struct, sys
b = open(sys.argv[1], "rb").read()
magic, _, _, _, _, _, link = struct.unpack("<IHHiIII", b[:24])
assert magic == 0xa1b23c4d and link == 228, (hex(magic), link)
at = 24
def csum(h):
    s = sum(struct.unpack(f"!{len(h)//2}H", h))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s
while at < len(b):
    sec, ns, cap, wire = struct.unpack("<IIII", b[at:at + 16]); at += 16
    p = b[at:at + cap]; at += cap
    hl = (p[0] & 15) * 4
    ff = struct.unpack("!H", p[6:8])[0]
    off = (ff & 0x1fff) * 8
    ok = "checksum-ok" if csum(p[:hl]) == 0xffff else "checksum-bad"
    t = p[hl] if off == 0 else "-"
    print(f"{sec}.{ns:09d} {ok} {off} {1 if ff & 0x2000 else 0} {t} {len(p)}")
PYEOF
}

case "$case_name" in
  ping)
    write_input "$T/in.pcap"
    run 0 "$IP4REF" stack --in "$T/in.pcap" --out "$T/o.pcap" --addr 192.0.2.2/24
    eq "$(counter pcap.packets_read)" 5 "packets read"
    eq "$(counter pcap.packets_written)" 5 "packets written (1 + 3 reply fragments + time exceeded)"
    eq "$(counter in_receives)" 5 "in_receives"
    read_output "$T/o.pcap" >"$T/packets" || fail "output capture unreadable"
    cat "$T/packets"
    expected="100.000000000 checksum-ok 0 0 0 84
103.000000000 checksum-ok 0 1 0 1500
103.000000000 checksum-ok 1480 1 - 1500
103.000000000 checksum-ok 2960 0 - 1068
134.000000000 checksum-ok 0 0 11 56"
    eq "$(cat "$T/packets")" "$expected" "output packets (time, checksum, offset, MF, ICMP type, length)"
    # The same through the fast variant: the same octets.
    run 0 "$IP4REF" stack --in "$T/in.pcap" --out "$T/f.pcap" --addr 192.0.2.2/24 \
      --engine fast --fragmenter fast
    cmp "$T/o.pcap" "$T/f.pcap" || fail "ref and fast stacks wrote different captures"
    # --no-finish-timers: the clock stops at 104 s, ping 3 never times out.
    run 0 "$IP4REF" stack --in "$T/in.pcap" --out "$T/n.pcap" --addr 192.0.2.2/24 --no-finish-timers
    eq "$(counter pcap.packets_written)" 4 "packets written without finishing timers"
    # On a link with MTU 576 the four fragments over 576 octets do not fit: each
    # is cut to the MTU (counted over-mtu), and the stack drops it for its
    # total length; only ping 1 is answered.
    run 0 "$IP4REF" stack --in "$T/in.pcap" --out "$T/m.pcap" --addr 192.0.2.2/24 --mtu 576
    eq "$(counter pcap.over-mtu)" 4 "pcap.over-mtu at MTU 576"
    eq "$(counter drop.bad-total-length)" 4 "dropped for their total length"
    eq "$(counter out_transmits)" 1 "out_transmits at MTU 576"
    if command -v tshark >/dev/null; then
      replies=$(tshark -r "$T/o.pcap" -o ip.defragment:TRUE -Y 'icmp.type == 0' 2>/dev/null | wc -l)
      eq "$replies" 2 "echo replies tshark sees"
    fi
    ;;
  bad_capture)
    write_input "$T/in.pcap"
    # Cut inside the third record (ping 2's last fragment, 1068 octets).
    head -c $((24 + 16 + 84 + 16 + 1068 + 16 + 200)) "$T/in.pcap" >"$T/cut.pcap"
    run 2 "$IP4REF" stack --in "$T/cut.pcap" --out "$T/o.pcap" --addr 192.0.2.2/24
    tail -n1 "$T/err" | grep -qF "$T/cut.pcap: packet 3 at byte offset $((24 + 16 + 84 + 16 + 1068)): " ||
      fail "error line: $(cat "$T/err")"
    eq "$(counter pcap.bad-record)" 1 "pcap.bad-record"
    eq "$(counter drop.link-read-error)" 1 "the stack's link-read-error"
    eq "$(counter pcap.packets_written)" 1 "ping 1 still answered"
    run 2 "$IP4REF" stack --in "$T/missing.pcap" --out "$T/o.pcap" --addr 192.0.2.2/24
    [[ $(wc -l <"$T/err") == 1 ]] && grep -qF "$T/missing.pcap: " "$T/err" || fail "missing: $(cat "$T/err")"
    printf 'not a capture at all, just text\n' >"$T/text.pcap"
    run 2 "$IP4REF" stack --in "$T/text.pcap" --out "$T/o.pcap" --addr 192.0.2.2/24
    [[ $(wc -l <"$T/err") == 1 ]] && grep -qF "$T/text.pcap: " "$T/err" || fail "text: $(cat "$T/err")"
    ;;
  bad_options)
    write_input "$T/in.pcap"
    run 2 "$IP4REF" stack --in "$T/in.pcap" --out "$T/o.pcap" --addr 192.0.2.300/24
    [[ $(wc -l <"$T/err") == 1 ]] && grep -qF -- "--addr" "$T/err" || fail "addr: $(cat "$T/err")"
    run 2 "$IP4REF" stack --in "$T/in.pcap" --out "$T/o.pcap" --addr 192.0.2.2/24 --mtu 60
    [[ $(wc -l <"$T/err") == 1 ]] && grep -qF "68..65535" "$T/err" || fail "mtu: $(cat "$T/err")"
    run 2 "$IP4REF" stack --in "$T/in.pcap" --out "$T/o.pcap" --addr 192.0.2.2/24 --fragmenter x
    [[ $(wc -l <"$T/err") == 1 ]] && grep -qF "unknown fragmenter" "$T/err" || fail "fragmenter: $(cat "$T/err")"
    run 2 "$IP4REF" stack --in "$T/in.pcap" --out "$T/o.pcap" --addr 192.0.2.2/24 --engine nope
    [[ $(wc -l <"$T/err") == 1 ]] && grep -qF "unknown engine" "$T/err" || fail "engine: $(cat "$T/err")"
    run 2 "$IP4REF" stack --in "$T/in.pcap" --out /nonexistent-dir/o.pcap --addr 192.0.2.2/24
    [[ $(wc -l <"$T/err") == 1 ]] && grep -qF "/nonexistent-dir/o.pcap: " "$T/err" || fail "out: $(cat "$T/err")"
    ;;
  *) echo "stack_command_test.sh: unknown case $case_name" >&2; exit 2 ;;
esac
echo "ok [$case_name]"
