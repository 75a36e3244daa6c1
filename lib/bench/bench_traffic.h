// bench_traffic.h: the packets the benchmarks push, built once before timing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "ip4ref/bytes.h"

namespace ip4ref::bench {

enum class Order { kInOrder, kReversed, kRandom };

using Packet = std::vector<std::uint8_t>;

struct Traffic {
  std::vector<Packet> packets;
  std::size_t payload_octets = 0;  // sum of fragment payloads
  std::size_t datagrams = 0;
};

// `datagrams` datagrams of `size` data octets fragmented at `mtu` (RFC 791,
// the fast fragmenter), `flows` of them in progress at once, their fragments
// interleaved round robin; each datagram's fragments in `order`.
// Identifications and sources vary so that up to 2^20 keys are distinct.
Traffic make_trains(std::size_t datagrams, std::size_t size, std::size_t mtu, Order order,
                    std::size_t flows, std::uint64_t seed);

// One datagram of `size` octets hit by `count` small fragments (8..`max_len`
// octets at random 8-aligned offsets, so most overlap), then a clean train
// that completes it. Every datagram uses the same key.
Traffic make_storm(std::size_t size, std::size_t count, std::size_t max_len, std::uint64_t seed);

// `count` datagrams that never complete: the first fragment (payload
// `size`) of each, all with distinct keys.
Traffic make_flood(std::size_t count, std::size_t size, std::uint64_t seed);

// A datagram of `size` data octets (an unfragmented packet), with options
// when `options` (one copied, one not).
Packet make_datagram(std::size_t size, bool options, std::uint64_t seed);

}  // namespace ip4ref::bench
