#!/usr/bin/env python3
"""netns_peer.py: the kernel side of the netns tests, run INSIDE the test's
private network namespace (192.0.2.1/24 on the TUN device, the stack at
192.0.2.2). Only RFC 5737 TEST-NET-1 addresses; nothing leaves the namespace.

Subcommands (exit 0 = pass, 1 = fail, with one line saying why):
  udp DEV [--expect-shuffled]   UDP echo both ways, the stack's chargen,
                                and (optionally) proof that the stack's
                                fragments reached the kernel out of order
  burst PID COUNT               SIGSTOP the stack, queue COUNT datagrams in
                                the TUN device, SIGCONT: every echo comes back
  bad DEV                       write malformed packets straight into the TUN
  time-exceeded DEV             a lone offset-0 fragment; expect ICMP type 11
                                code 1 quoting it
"""
import os
import select
import signal
import socket
import struct
import sys
import time

KERNEL = "192.0.2.1"
STACK = "192.0.2.2"
ETH_P_ALL = 0x0003
ETH_P_IP = 0x0800
PACKET_OUTGOING = 4
ECHO_PORT = 7
CHARGEN_PORT = 19
UDP_SIZES = [1, 100, 548, 549, 1472, 1473, 4000, 30000, 65507]


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def pattern(n, seed):
    return bytes((i * 7 + seed) & 0xFF for i in range(n))


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(payload, proto=17, src=KERNEL, dst=STACK, ident=0x1111, flags_frag=0, ttl=64):
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, flags_frag, ttl,
                         proto, 0, socket.inet_aton(src), socket.inet_aton(dst))
    header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
    return header + payload


def udp(payload, sport=5555, dport=ECHO_PORT, src=KERNEL, dst=STACK):
    length = 8 + len(payload)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 17, length)
    head = struct.pack("!HHHH", sport, dport, length, 0)
    s = checksum(pseudo + head + payload) or 0xFFFF
    return struct.pack("!HHHH", sport, dport, length, s) + payload


def raw_tun(dev):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_IP))
    s.bind((dev, ETH_P_IP))
    return s


def udp_socket(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind((KERNEL, port))
    s.settimeout(5)
    return s


def sniffed_from_stack(sniffer):
    """Packets the stack wrote into the TUN (what the kernel received)."""
    packets = []
    while select.select([sniffer], [], [], 0)[0]:
        data, address = sniffer.recvfrom(70000)
        if address[2] != PACKET_OUTGOING and len(data) >= 20 and data[0] >> 4 == 4:
            packets.append(data)
    return packets


def out_of_order_datagrams(packets):
    offsets = {}
    for p in packets:
        ident, flags_frag = struct.unpack("!HH", p[4:8])
        if flags_frag & 0x3FFF:  # MF or a non-zero offset: a fragment
            offsets.setdefault(ident, []).append((flags_frag & 0x1FFF) * 8)
    return sum(1 for o in offsets.values() if o != sorted(o)), len(offsets)


def cmd_udp(args):
    dev = args[0]
    expect_shuffled = "--expect-shuffled" in args
    sniffer = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    sniffer.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 << 20)
    sniffer.bind((dev, ETH_P_ALL))
    s = udp_socket(5000)
    for i, size in enumerate(UDP_SIZES):  # kernel -> stack -> kernel
        data = pattern(size, i)
        s.sendto(data, (STACK, ECHO_PORT))
        try:
            got, peer = s.recvfrom(70000)
        except socket.timeout:
            fail("no UDP echo for %d octets" % size)
        if got != data or peer != (STACK, ECHO_PORT):
            fail("UDP echo of %d octets differs (got %d octets from %s)" % (size, len(got), peer))
    for size in UDP_SIZES:  # the stack originates the data
        s.sendto(str(size).encode(), (STACK, CHARGEN_PORT))
        try:
            got, _ = s.recvfrom(70000)
        except socket.timeout:
            fail("no chargen datagram of %d octets" % size)
        if got != pattern(size, 0):
            fail("chargen datagram of %d octets differs (got %d)" % (size, len(got)))
    shuffled, fragmented = out_of_order_datagrams(sniffed_from_stack(sniffer))
    print("udp: %d sizes echoed and generated; stack sent %d fragmented datagrams, %d out of order"
          % (len(UDP_SIZES), fragmented, shuffled))
    if expect_shuffled and shuffled == 0:
        fail("the stack's fragments all arrived in order; expected shuffled output")


def cmd_burst(args):
    pid, count = int(args[0]), int(args[1])
    s = udp_socket(5001)
    os.kill(pid, signal.SIGSTOP)
    try:
        for i in range(count):
            s.sendto(struct.pack("!I", i) + pattern(60, i & 0xFF), (STACK, ECHO_PORT))
    finally:
        os.kill(pid, signal.SIGCONT)
    seen = set()
    deadline = time.time() + 10
    while len(seen) < count and time.time() < deadline:
        try:
            got, _ = s.recvfrom(2000)
        except socket.timeout:
            break
        i = struct.unpack("!I", got[:4])[0]
        if got[4:] != pattern(60, i & 0xFF):
            fail("echo %d corrupted" % i)
        seen.add(i)
    print("burst: %d of %d echoes came back" % (len(seen), count))
    if len(seen) != count:
        fail("lost %d echoes" % (count - len(seen)))


def bad_packets():
    good = ipv4(udp(b"x" * 40))
    wrong_version = bytes([0x65]) + good[1:]
    low_ihl = bytes([0x44]) + good[1:]
    bad_sum = good[:10] + bytes([good[10] ^ 0x5A, good[11]]) + good[12:]
    long_total = bytearray(good)
    long_total[2:4] = struct.pack("!H", len(good) + 10)
    long_total[10:12] = b"\0\0"
    long_total[10:12] = struct.pack("!H", checksum(bytes(long_total[:20])))
    not_for_us = ipv4(udp(b"x" * 40, dst="192.0.2.99"), dst="192.0.2.99")
    return [
        ("truncated", good[:10]),
        ("bad-version", wrong_version),
        ("bad-header-length", low_ihl),
        ("bad-checksum", bad_sum),
        ("bad-total-length", bytes(long_total)),
        ("not-for-us", not_for_us),
    ]


def cmd_bad(args):
    s = raw_tun(args[0])
    for name, packet in bad_packets():
        s.send(packet)
    print("bad: wrote %d malformed packets into %s" % (len(bad_packets()), args[0]))


def cmd_time_exceeded(args):
    icmp = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    icmp.settimeout(1)
    # The first 64 octets of a longer UDP datagram: offset 0, MF set.
    first = ipv4(udp(pattern(200, 1))[:64], ident=0x5151, flags_frag=0x2000)
    raw_tun(args[0]).send(first)
    deadline = time.time() + 8
    while time.time() < deadline:
        try:
            packet, peer = icmp.recvfrom(2000)
        except socket.timeout:
            continue
        ihl = (packet[0] & 0x0F) * 4
        message = packet[ihl:]
        if peer[0] != STACK or message[0] != 11:
            continue
        if message[1] != 1:
            fail("time exceeded with code %d, expected 1" % message[1])
        if checksum(message) != 0:
            fail("ICMP checksum of the time exceeded message is wrong")
        if message[8:] != first[:28]:
            fail("the quote is not the fragment's header + 8 octets")
        print("time-exceeded: type 11 code 1 from %s quoting id 0x5151" % STACK)
        return
    fail("no ICMP time exceeded from the stack")


def main():
    if len(sys.argv) < 2:
        fail("usage: netns_peer.py udp|burst|bad|time-exceeded ARGS")
    commands = {"udp": cmd_udp, "burst": cmd_burst, "bad": cmd_bad,
                "time-exceeded": cmd_time_exceeded}
    if sys.argv[1] not in commands:
        fail("unknown subcommand " + sys.argv[1])
    commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
