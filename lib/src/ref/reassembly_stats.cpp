// reassembly_stats.cpp: a readable dump of the counters.
#include "ip4ref/reassembly_stats.h"

namespace ip4ref {

std::string to_string(const ReassemblyStats& s) {
  std::string out;
  auto line = [&out](std::string_view name, std::uint64_t value) {
    out += name;
    out += ' ';
    out += std::to_string(value);
    out += '\n';
  };
  line("ReasmReqds", s.reasm_reqds);
  line("ReasmOKs", s.reasm_oks);
  line("ReasmFails", s.reasm_fails);
  line("ReasmTimeout", s.reasm_timeout);
  line("ReasmOverlaps", s.reasm_overlaps);
  line("Passthrough", s.passthrough);
  for (std::size_t i = 0; i < kReasonCount; ++i) {
    if (s.by_reason[i] != 0) {
      out += "reason.";
      line(to_string(static_cast<Reason>(i)), s.by_reason[i]);
    }
  }
  line("charge", s.charge);
  line("peak_charge", s.peak_charge);
  line("datagrams_in_progress", s.datagrams_in_progress);
  return out;
}

}  // namespace ip4ref
