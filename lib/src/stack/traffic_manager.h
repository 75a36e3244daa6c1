// traffic_manager.h (private): moves packets link -> in_pool and
// out_pool -> link, and nothing else (DESIGN.md "Traffic manager").
#pragma once

#include <array>
#include <cstdint>

#include "ip4ref/link.h"
#include "ip4ref/pool.h"
#include "ip4ref/stack_reason.h"

namespace ip4ref {

// Written by the traffic thread only.
struct TrafficCounters {
  std::uint64_t in_receives = 0;
  std::uint64_t out_transmits = 0;
  std::uint64_t link_stalls = 0;
  std::array<std::uint64_t, kStackReasonCount> by_stack_reason{};
};

class TrafficManager {
 public:
  TrafficManager(Link& link, PacketPool& in_pool, PacketPool& out_pool)
      : link_(link), in_pool_(in_pool), out_pool_(out_pool) {}

  // Reads packets into in_pool until the link has none or in_pool is full
  // (back-pressure: the rest wait in the link). Returns whether any moved.
  bool receive();
  // Writes out_pool's packets to the link, oldest first, until out_pool is
  // empty or the link would block. Returns whether any moved.
  bool transmit();

  const TrafficCounters& counters() const { return counters_; }

 private:
  Link& link_;
  PacketPool& in_pool_;
  PacketPool& out_pool_;
  bool link_blocked_ = false;
  TrafficCounters counters_;
};

}  // namespace ip4ref
