// reassembly_stats.h: the counters every reassembly engine keeps, identical
// across engines (the differential harness compares them).
//
// Names follow RFC 4293 (IP-MIB ipSystemStatsReasm*) and Linux's
// /proc/net/snmp and netstat (ReasmTimeout, ReasmOverlaps).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "ip4ref/reason.h"

namespace ip4ref {

struct ReassemblyStats {
  // RFC 4293 ipSystemStatsReasmReqds: fragments received that needed reassembly.
  std::uint64_t reasm_reqds = 0;
  // RFC 4293 ipSystemStatsReasmOKs: datagrams successfully reassembled.
  std::uint64_t reasm_oks = 0;
  // RFC 4293 ipSystemStatsReasmFails: failures of the reassembly algorithm:
  // one per Discarded datagram and one per fragment Dropped for any reason
  // other than kDuplicate.
  std::uint64_t reasm_fails = 0;
  // Linux ReasmTimeout: datagrams discarded because their deadline passed.
  std::uint64_t reasm_timeout = 0;
  // Linux ReasmOverlaps: fragments that intersected data already received and
  // were not dropped as duplicates (whatever the policy then did).
  std::uint64_t reasm_overlaps = 0;
  // Unfragmented packets passed straight through.
  std::uint64_t passthrough = 0;
  // One counter per Dropped or Discarded reason.
  std::array<std::uint64_t, kReasonCount> by_reason{};

  // Gauges.
  std::size_t charge = 0;       // current memory charge (DESIGN.md accounting)
  std::size_t peak_charge = 0;  // highest charge ever reached
  std::size_t datagrams_in_progress = 0;

  std::uint64_t count(Reason r) const { return by_reason[static_cast<std::size_t>(r)]; }
  bool operator==(const ReassemblyStats&) const = default;
};

// Multi-line "name value" dump, only non-zero reason counters.
std::string to_string(const ReassemblyStats& s);

}  // namespace ip4ref
