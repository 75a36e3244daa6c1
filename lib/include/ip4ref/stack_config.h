// stack_config.h: every knob of a Stack, fixed at construction (STYLE.md
// rule 7: a Config names every limit; pools are sized once).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ip4ref/ipv4_address.h"
#include "ip4ref/reassembly_config.h"
#include "ip4ref/route_table.h"

namespace ip4ref {

struct StackConfig {
  // Local addresses with their subnets ("192.0.2.2/24"); at least one. Each
  // adds a connected route; the first is the default source address.
  std::vector<Ipv4Prefix> addresses;
  // Off-link destinations go here (RFC 1122 3.3.1.2); nullopt: none.
  std::optional<std::uint32_t> default_gateway;
  // More routes, looked up with the connected ones by longest prefix.
  std::vector<Route> routes;

  // Output MTU in octets: 0 takes the link's; otherwise min(mtu, link MTU).
  // Must come out >= 68 (RFC 791 3.2).
  std::size_t mtu = 0;

  // Reassembly engine by registry name ("ref", "fast", adapters) and its config.
  std::string engine = "ref";
  ReassemblyConfig reassembly;
  // The output manager's fragmenter: "ref" (fragmenter.h, clarity first) or
  // "fast" (fast_fragmenter.h); both emit byte-identical fragments.
  std::string fragmenter = "ref";

  // First identification value; the counter adds one per datagram sent
  // (RFC 791 3.2, RFC 6864). Seedable so runs are reproducible.
  std::uint16_t identification_seed = 0;
  // TTL of datagrams the stack originates (Linux's net.ipv4.ip_default_ttl).
  std::uint8_t ttl = 64;

  // Pool sizes, in packets. in_pool: link -> input; send_queue: ip_write by
  // applications -> output manager; reply_queue: ip_write from inside a
  // handler (echo replies, ICMP errors, what handlers answer) -> output
  // manager (both with slots of 65535 octets: whole datagrams); out_pool:
  // fragments -> link. out_pool 0 sizes it for every fragment of one
  // 65535-octet datagram at the MTU, plus 16.
  std::size_t in_pool_slots = 256;
  std::size_t send_queue_slots = 16;
  std::size_t reply_queue_slots = 8;
  std::size_t out_pool_slots = 0;

  // Tests: send each datagram's fragments in a random order (deterministic
  // from the seed), to check that the receiver reassembles any order.
  bool shuffle_fragments = false;
  std::uint64_t shuffle_seed = 0;

  // Answer ICMP echo requests (RFC 1122 3.2.2.6: "Every host MUST implement
  // an ICMP Echo server function").
  bool answer_echo = true;
  // ICMP errors the stack may originate: time exceeded code 1 on reassembly
  // timeout (RFC 792, RFC 1122 3.3.2), protocol and port unreachable
  // (RFC 1122 3.2.2.1, 4.1.3.1).
  bool send_time_exceeded = true;
  bool send_unreachable = true;
};

}  // namespace ip4ref
