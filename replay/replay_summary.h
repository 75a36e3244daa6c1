// replay_summary.h: what `ip4ref replay` counts, and the two ways it reports
// it: a human summary on stderr, or JSON (schema "ip4ref-replay/1",
// documented in replay/README.md) on stdout.
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "ip4ref/reason.h"
#include "ip4ref/reassembly_config.h"
#include "ip4ref/reassembly_stats.h"
#include "ip4ref/time.h"

namespace ip4ref::replay {

struct ReplayCounters {
  std::uint64_t packets = 0;            // records read
  std::uint64_t non_ipv4 = 0;           // skipped: not IPv4
  std::uint64_t link_truncated = 0;     // skipped: frame shorter than its link header
  std::uint64_t snapped = 0;            // records shorter than the wire (snaplen)
  std::uint64_t ipv4 = 0;               // pushed into the engine
  std::uint64_t clock_regressions = 0;  // timestamps earlier than the clock
  std::uint64_t delivered = 0;          // Delivered events
  std::uint64_t rebuilt = 0;            // Delivered with fragment_count > 1
  std::uint64_t unfragmented = 0;       // Delivered with fragment_count 1
  std::array<std::uint64_t, kReasonCount> dropped{};
  std::array<std::uint64_t, kReasonCount> discarded{};
  std::optional<Instant> first_timestamp;
  std::optional<Instant> clock;  // the replay clock at the end
};

struct ReplayMeta {
  std::string input;
  std::string link_type;
  std::string engine;
  ReassemblyConfig config;
  std::string output;  // "" when no --out
  std::uint64_t written = 0;
  bool expired_at_end = false;  // --expire-at-end
};

// The whole summary object (without "compare" and "events", which the
// replay command adds).
nlohmann::ordered_json summary_json(const ReplayMeta& meta, const ReplayCounters& c,
                                    const ReassemblyStats& s);

// Several lines for a person; `seconds` is the wall time (0 = not shown).
std::string summary_text(const ReplayMeta& meta, const ReplayCounters& c, const ReassemblyStats& s,
                         double seconds);

// "1700000000.123456789"
std::string format_time(Instant t);

}  // namespace ip4ref::replay
