// stack_command.h: `ip4ref stack`, the reference stack driven offline by a
// capture (PcapLink, lib/include/ip4ref/pcap_link.h).
//
//   ip4ref stack --in IN.pcap --out OUT.pcap --addr 192.0.2.2/24 [--mtu N]
//                [--engine E] [--fragmenter ref|fast] [--policy P] ...
//                [--no-finish-timers]
//
// Every IPv4 packet of IN (pcap or pcapng; RAW, IPV4, Ethernet with VLAN
// tags, Linux cooked) is handed to the stack as if it had arrived on a link
// with MTU --mtu (default 1500), at its capture timestamp: the capture is the
// stack's clock. Everything the stack sends (echo replies, ICMP errors, time
// exceeded on reassembly timeout) goes to OUT, a LINKTYPE_IPV4 pcap with
// nanosecond timestamps, stamped with the time the stack sent it. After the
// last packet the clock runs on to each remaining reassembly deadline (so
// incomplete datagrams time out), unless --no-finish-timers.
//
// Prints every counter ("name value": the stack's, then pcap.*) on stdout and
// a one-line summary on stderr. Exit codes (exit_codes.h): 0 when the whole
// capture was read; 2 for bad options, a capture that cannot be opened, or a
// bad record mid-file (one line "IN: packet N at byte offset M: why"; what
// the stack sent before it is still written and the counters printed).
#pragma once

namespace CLI {
class App;
}

namespace ip4ref::replay {

void add_stack_command(CLI::App& app, int& exit_code);  // stack_command.cpp

}  // namespace ip4ref::replay
