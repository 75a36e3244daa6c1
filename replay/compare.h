// compare.h: --compare: the events and counters of two engines after each
// packet, and a report of the first divergence (packet, time, key, both
// events, a hex view around the first differing octet).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "ip4ref/events.h"
#include "ip4ref/reassembly_stats.h"
#include "ip4ref/time.h"

namespace ip4ref::replay {

struct StepContext {
  std::string packet;  // record number, or "end"
  std::uint64_t file_offset = 0;
  Instant timestamp;
  Bytes packet_bytes;  // the IPv4 packet pushed (empty for "end")
  std::string name_a;  // engine names
  std::string name_b;
};

struct Divergence {
  std::string report;           // several lines for stderr
  nlohmann::ordered_json json;  // the same, for --json ("compare.divergence")
};

// What one engine showed after a step.
struct EngineState {
  const std::vector<RecordedEvent>& events;
  const ReassemblyStats& stats;
  std::optional<Instant> next_expiry;
};

// nullopt when both engines produced the same events, the same counters and
// the same next expiry.
std::optional<Divergence> compare_step(const StepContext& ctx, const EngineState& a,
                                       const EngineState& b);

// "ReasmOverlaps 3 vs 2", "reason.duplicate 1 vs 0", ... (empty when equal).
std::vector<std::string> stats_differences(const ReassemblyStats& a, const ReassemblyStats& b);

}  // namespace ip4ref::replay
