// tun_command.h: `ip4ref tun`, the reference stack on a TUN device.
//
//   ip4ref tun --dev NAME --addr 192.0.2.2/24 [--mtu N] [--engine E]
//              [--fragmenter ref|fast] [--policy P] [--timeout S] ... [--pcap FILE]
//
// Creates the TUN device NAME (or attaches to it when it exists, e.g. made by
// `ip tuntap add`), sets its MTU when --mtu is given, brings it up, and runs
// the stack on it as --addr until SIGINT or SIGTERM: it answers ping (ICMP
// echo), reassembles with the chosen engine and policy, answers closed UDP
// ports and unknown protocols with ICMP unreachable, and sends ICMP time
// exceeded on reassembly timeout. The kernel side's address and routes stay
// the user's (`ip addr add 192.0.2.1/24 dev NAME`). --pcap records both
// directions (LINKTYPE_IPV4, wall-clock timestamps). On exit it prints every
// counter as "name value" lines on stdout.
//
// Exit codes (exit_codes.h): 0 after a clean stop; 2 for bad options or when
// the device cannot be opened (no permission to open /dev/net/tun or to
// create the device: one line on stderr).
#pragma once

namespace CLI {
class App;
}

namespace ip4ref::replay {

void add_tun_command(CLI::App& app, int& exit_code);  // tun_command.cpp

}  // namespace ip4ref::replay
