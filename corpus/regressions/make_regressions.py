#!/usr/bin/python3
"""make_regressions.py: rebuilds the hand-made regressions in corpus/regressions/.

Usage: corpus/regressions/make_regressions.py PATH/TO/ip4ref

The captures are made with scapy (Debian python3-scapy), independently of
ip4ref's own fragmenter. Each regression is NAME.expect.json (see README.md
here) next to its pcap. Before an outcome is recorded, the facts it must show
are asserted here from their sources (Novak's table, the RFCs), so a recorded
expectation is never just "whatever the engine did".
"""
import json
import os
import struct
import subprocess
import sys
import tempfile

from scapy.all import ICMP, IP, UDP, Raw  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SRC, DST = "192.0.2.1", "198.51.100.1"   # RFC 5737 documentation addresses
T0 = 1_700_000_000 * 10**9                # ns
LINKTYPE_IPV4 = 228

# Novak 2005's standard pattern: (letter, offset, length) in octets; the last
# piece (Q) has MF = 0. The same table as lib/test/reassembly_store_test.cpp.
NOVAK = [("A", 0, 24), ("B", 32, 16), ("C", 48, 24), ("D", 80, 8), ("E", 104, 16),
         ("F", 120, 24), ("G", 144, 16), ("H", 160, 16), ("I", 176, 8), ("J", 8, 32),
         ("K", 48, 24), ("L", 72, 24), ("M", 96, 24), ("N", 128, 8), ("O", 152, 8),
         ("P", 160, 8), ("Q", 176, 16)]
# The paper's result table: one letter per 8-octet block of the 192 octets.
NOVAK_RESULTS = {
    "bsd": "AAAJJBCCCLLLMMMFFFGGHHIQ",
    "linux-legacy": "AAAJJBKKKLLLMMMFFFGGPHQQ",
    "windows": "AAAJBBCCCLLLMEEFFFGGHHIQ",
    "solaris": "AAAJBBCCCLLLMMMFFFGGHHIQ",
    "first": "AAAJBBCCCLDLMEEFFFGGHHIQ",
    "last": "AJJJJBKKKLLLMMMFNFGOPHQQ",
}

SUMMARY_KEYS = ["packets", "ipv4", "fragments", "unfragmented", "datagrams_rebuilt", "dropped",
                "discarded", "in_progress", "clock_regressions", "counters"]


def frag(ident, offset, payload, more, proto=17):
    return IP(src=SRC, dst=DST, id=ident, proto=proto, flags="MF" if more else 0,
              frag=offset // 8) / Raw(payload)


def write_pcap(name, timed_packets):
    """timed_packets: [(ns since T0, scapy packet)] -> NAME.pcap, LINKTYPE_IPV4, nanoseconds.

    Written here rather than with scapy's PcapWriter, whose float timestamps
    cannot hold nanoseconds at today's epoch (the deadline tests need them).
    pcap-savefile(5): magic 0xa1b23c4d = nanosecond timestamps."""
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b23c4d, 2, 4, 0, 0, 65535, LINKTYPE_IPV4))
        for ns, p in timed_packets:
            data = bytes(p)  # scapy fills in total length and checksum
            t = T0 + ns
            f.write(struct.pack("<IIII", t // 10**9, t % 10**9, len(data), len(data)))
            f.write(data)


def read_pcap_payloads(path):
    """IPv4 payloads of a LINKTYPE_IPV4 pcap (any timestamp precision)."""
    out = []
    with open(path, "rb") as f:
        data = f.read()
    pos = 24
    while pos + 16 <= len(data):
        caplen = struct.unpack_from("<I", data, pos + 8)[0]
        packet = data[pos + 16:pos + 16 + caplen]
        ihl = (packet[0] & 0x0f) * 4
        out.append(packet[ihl:])
        pos += 16 + caplen
    return out


def replay(tool, pcap, args):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.pcap")
        run = subprocess.run([tool, "replay", os.path.join(HERE, pcap), *args, "--json", "--events",
                              "--out", out, "--only-reassembled"],
                             capture_output=True, text=True, check=True)
        return json.loads(run.stdout), read_pcap_payloads(out)


def record(tool, name, pcap, args, description, check, engines=("ref", "fast")):
    summary, datagrams = replay(tool, pcap, args)
    check(summary, datagrams)
    expect = {"description": description, "args": args, "engines": list(engines)}
    if pcap != name + ".pcap":
        expect["pcap"] = pcap
    expect["expect"] = {"summary": {k: summary[k] for k in SUMMARY_KEYS},
                        "events": summary["events"]}
    with open(os.path.join(HERE, name + ".expect.json"), "w") as f:
        json.dump(expect, f, indent=2)
        f.write("\n")
    print(f"recorded {name}: {pcap} {' '.join(args)}")


def blocks(payload):
    return "".join(chr(payload[i]) for i in range(0, len(payload), 8))


# ------------------------------------------------------------------- captures

def make_novak():
    packets = [(i * 1000, frag(0x4e4b, off, letter.encode() * length, letter != "Q"))
               for i, (letter, off, length) in enumerate(NOVAK)]
    write_pcap("novak.pcap", packets)


def make_teardrop():
    # The 1997 teardrop: a last fragment that ends inside the first one.
    first = frag(0x7ea5, 0, bytes(UDP(sport=53, dport=53, len=36)) + b"t" * 28, True)
    second = frag(0x7ea5, 24, b"d" * 4, False)
    write_pcap("teardrop.pcap", [(0, first), (1000, second)])


def make_ping_of_death():
    # ICMP echo whose fragments reach past 65535 octets (CVE-1999-0128).
    data = bytes(ICMP(type=8, id=1, seq=1)) + b"P" * 66592  # 66600 octets
    packets = [(i * 1000, frag(0xdead, off, data[off:off + 1480], off + 1480 < len(data), proto=1))
               for i, off in enumerate(range(0, len(data), 1480))]
    write_pcap("ping-of-death.pcap", packets)


def make_timeout_boundary():
    # Flow A completes 1 ns before its deadline; flow B's second fragment comes
    # exactly at its deadline (first arrival + 30 s), when B has expired.
    half = lambda ident, c: (frag(ident, 0, c * 16, True), frag(ident, 16, c * 8, False))
    a1, a2 = half(0xa, b"a")
    b1, b2 = half(0xb, b"b")
    write_pcap("timeout-boundary.pcap",
               [(0, a1), (500_000_000, b1), (29_999_999_999, a2), (30_500_000_000, b2)])


# ------------------------------------------------------------------- checks

def check_novak(policy):
    def check(summary, datagrams):
        assert len(datagrams) == 1, (policy, summary)
        assert blocks(datagrams[0]) == NOVAK_RESULTS[policy], (policy, blocks(datagrams[0]))
    return check


def check_novak_discards(summary, datagrams):
    # RFC 5722 / modern Linux: J partially overlaps A and B: the datagram is discarded.
    assert summary["discarded"].get("overlap", 0) >= 1, summary
    assert not any(len(d) == 192 for d in datagrams), summary


def check_teardrop(policy):
    def check(summary, datagrams):
        assert datagrams == [], summary   # never a datagram with a hole or a negative length
        if policy == "linux":
            # The kernel rounds the 36-octet MF fragment down to 32; the last
            # fragment then ends (28) before the highest end seen: discarded.
            assert summary["discarded"] == {"past-end": 1}, summary
        else:
            # RFC 791 / FreeBSD ip_reass: an MF fragment that is not a multiple
            # of 8 octets is refused; the tail alone waits for its datagram.
            assert summary["dropped"] == {"unaligned-fragment": 1}, summary
            assert summary["in_progress"] == 1, summary
    return check


def check_ping_of_death(policy):
    def check(summary, datagrams):
        assert datagrams == [], summary   # a datagram longer than 65535 octets is never built
        if policy == "linux":
            # The kernel has no per-fragment length check for IPv4: the fragment
            # is queued and the datagram refused when complete (ip_frag_reasm
            # "Oversized IP packet"; corpus/findings/linux-kernel/).
            assert summary["discarded"] == {"oversize": 1}, summary
            assert summary["dropped"] == {}, summary
        else:
            assert summary["dropped"] == {"oversize": 1}, summary
            assert summary["discarded"] == {"timeout": 1}, summary  # --expire-at-end
    return check


def check_timeout_boundary(summary, datagrams):
    assert datagrams == [b"a" * 16 + b"a" * 8], (summary, datagrams)
    assert summary["discarded"] == {"timeout": 1}, summary
    assert summary["in_progress"] == 1, summary  # B's second fragment starts anew


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    tool = sys.argv[1]
    make_novak()
    make_teardrop()
    make_ping_of_death()
    make_timeout_boundary()
    for policy in NOVAK_RESULTS:
        record(tool, f"novak-{policy}", "novak.pcap", ["--policy", policy],
               f"Novak 2005's overlapping-fragment pattern under {policy}: the paper's "
               f"result row {NOVAK_RESULTS[policy]} (one letter per 8 octets)",
               check_novak(policy))
    for policy in ("linux", "reject"):
        record(tool, f"novak-{policy}", "novak.pcap", ["--policy", policy],
               f"Novak's pattern under {policy}: the first partial overlap (J over A and B) "
               "discards the datagram", check_novak_discards)
    for policy in ("linux", "bsd"):
        record(tool, f"teardrop-{policy}", "teardrop.pcap", ["--policy", policy],
               "teardrop.c (1997): a 36-octet first fragment, then a last one ending inside "
               "it: never built with a hole (linux: past-end discard; bsd: the unaligned "
               "first fragment is refused)", check_teardrop(policy))
    record(tool, "ping-of-death-linux", "ping-of-death.pcap", ["--policy", "linux",
                                                                "--expire-at-end"],
           "ping of death under linux: the fragment past 65515 data octets is queued, as the "
           "kernel queues it, and the complete datagram is discarded (oversize)",
           check_ping_of_death("linux"))
    record(tool, "ping-of-death-bsd", "ping-of-death.pcap", ["--policy", "bsd",
                                                              "--expire-at-end"],
           "ping of death under bsd: the fragment whose end passes 65515 data octets is "
           "dropped (oversize); the rest times out at the end of the capture",
           check_ping_of_death("bsd"))
    record(tool, "timeout-boundary", "timeout-boundary.pcap", ["--timeout", "30"],
           "deadline = first arrival + 30 s: a fragment 1 ns before completes flow A; one "
           "exactly at flow B's deadline finds B expired", check_timeout_boundary)


if __name__ == "__main__":
    main()
