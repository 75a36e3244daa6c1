// reassembly_config.h: every knob of a reassembly engine, with DESIGN.md's
// defaults. Engines are sized by this at construction.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "ip4ref/policy.h"
#include "ip4ref/time.h"

namespace ip4ref {

struct ReassemblyConfig {
  Policy policy = Policy::kLinux;
  // Deadline = arrival of the datagram's first fragment + timeout. 30 s is
  // Linux's net.ipv4.ipfrag_time default; RFC 791 suggests 15 s as a lower bound.
  Duration timeout = Duration::seconds(30);
  // Memory accounting (DESIGN.md "Limits and accounting"): each accepted
  // fragment charges payload + kFragmentCharge, each datagram in progress
  // kDatagramCharge. Above `high`, evict oldest first down to `low`.
  std::size_t high_threshold = 4u << 20;
  std::size_t low_threshold = 3u << 20;
  // 0 = no cap.
  std::size_t max_fragments_per_datagram = 0;
  std::size_t max_datagrams = 0;
  // Reassembled datagrams get IHL 5 (options removed) instead of the
  // offset-0 fragment's options. Unfragmented packets pass unchanged.
  bool strip_options = false;

  static constexpr std::size_t kFragmentCharge = 64;
  static constexpr std::size_t kDatagramCharge = 256;

  bool operator==(const ReassemblyConfig&) const = default;
};

// The configuration an engine runs with: a low threshold above the high one
// would make eviction meaningless, so it is lowered to the high one. Every
// native engine's constructor and reset() apply this, so config() agrees.
inline ReassemblyConfig effective(ReassemblyConfig config) {
  config.low_threshold = std::min(config.low_threshold, config.high_threshold);
  return config;
}

}  // namespace ip4ref
