// replay_summary.cpp
#include "replay_summary.h"

#include <cstdio>

#include "ip4ref/policy.h"

namespace ip4ref::replay {
namespace {

using json = nlohmann::ordered_json;

json by_reason(const std::array<std::uint64_t, kReasonCount>& counts) {
  json out = json::object();
  for (std::size_t i = 0; i < kReasonCount; ++i) {
    if (counts[i] != 0) {
      out[std::string(to_string(static_cast<Reason>(i)))] = counts[i];
    }
  }
  return out;
}

json config_json(const ReassemblyConfig& c) {
  return json{{"policy", std::string(to_string(c.policy))},
              {"timeout_ns", c.timeout.ns()},
              {"memory_high", c.high_threshold},
              {"memory_low", c.low_threshold},
              {"max_fragments_per_datagram", c.max_fragments_per_datagram},
              {"max_datagrams", c.max_datagrams},
              {"strip_options", c.strip_options}};
}

// RFC 4293 IP-MIB ipSystemStatsReasm* and Linux's ReasmTimeout /
// ReasmOverlaps, named as lib's to_string(ReassemblyStats) names them.
json counters_json(const ReassemblyStats& s) {
  return json{{"ReasmReqds", s.reasm_reqds},       {"ReasmOKs", s.reasm_oks},
              {"ReasmFails", s.reasm_fails},       {"ReasmTimeout", s.reasm_timeout},
              {"ReasmOverlaps", s.reasm_overlaps}, {"Passthrough", s.passthrough}};
}

json optional_time(const std::optional<Instant>& t) {
  return t ? json(t->ns()) : json(nullptr);
}

std::string reasons_text(const std::array<std::uint64_t, kReasonCount>& counts) {
  std::string out;
  for (std::size_t i = 0; i < kReasonCount; ++i) {
    if (counts[i] != 0) {
      out += (out.empty() ? "" : ", ") + std::string(to_string(static_cast<Reason>(i))) + " " +
             std::to_string(counts[i]);
    }
  }
  return out.empty() ? "none" : out;
}

std::string line(const char* name, std::uint64_t value, const std::string& note = "") {
  char buf[128];
  std::snprintf(buf, sizeof buf, "  %-22s %12llu", name, static_cast<unsigned long long>(value));
  return std::string(buf) + (note.empty() ? "" : "  " + note) + "\n";
}

}  // namespace

std::string format_time(Instant t) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%lld.%09lld", static_cast<long long>(t.ns() / 1'000'000'000),
                static_cast<long long>(t.ns() % 1'000'000'000));
  return buf;
}

json summary_json(const ReplayMeta& meta, const ReplayCounters& c, const ReassemblyStats& s) {
  json j;
  j["schema"] = "ip4ref-replay/1";
  j["input"] = meta.input;
  j["link_type"] = meta.link_type;
  j["engine"] = meta.engine;
  j["config"] = config_json(meta.config);
  j["packets"] = c.packets;
  j["non_ipv4"] = c.non_ipv4;
  j["link_truncated"] = c.link_truncated;
  j["snapped"] = c.snapped;
  j["ipv4"] = c.ipv4;
  j["fragments"] = s.reasm_reqds;
  j["unfragmented"] = c.unfragmented;
  j["datagrams_rebuilt"] = c.rebuilt;
  j["delivered"] = c.delivered;
  j["dropped"] = by_reason(c.dropped);
  j["discarded"] = by_reason(c.discarded);
  j["in_progress"] = s.datagrams_in_progress;
  j["expired_at_end"] = meta.expired_at_end;
  j["clock_regressions"] = c.clock_regressions;
  j["first_timestamp_ns"] = optional_time(c.first_timestamp);
  j["clock_ns"] = optional_time(c.clock);
  j["counters"] = counters_json(s);
  j["memory"] = json{{"peak_charge", s.peak_charge}, {"charge", s.charge}};
  j["output"] =
      meta.output.empty() ? json(nullptr) : json{{"path", meta.output}, {"written", meta.written}};
  return j;
}

std::string summary_text(const ReplayMeta& meta, const ReplayCounters& c, const ReassemblyStats& s,
                         double seconds) {
  std::string out = "ip4ref replay: " + meta.input + " (" + meta.link_type + "), engine " +
                    meta.engine + ", policy " + std::string(to_string(meta.config.policy)) + "\n";
  out += line("packets", c.packets);
  out += line("non-IPv4 skipped", c.non_ipv4);
  out += line("link-truncated", c.link_truncated);
  out += line("snapped (caplen<len)", c.snapped);
  out += line("fragments", s.reasm_reqds, "ReasmReqds");
  out += line("datagrams rebuilt", c.rebuilt, "ReasmOKs " + std::to_string(s.reasm_oks));
  out += line("unfragmented", c.unfragmented);
  out += line("reassembly failures", s.reasm_fails, "ReasmFails");
  out += line("timeouts", s.reasm_timeout, "ReasmTimeout");
  out += line("overlaps", s.reasm_overlaps, "ReasmOverlaps");
  out += "  dropped:   " + reasons_text(c.dropped) + "\n";
  out += "  discarded: " + reasons_text(c.discarded) + "\n";
  out += line("in progress at end", s.datagrams_in_progress,
              meta.expired_at_end ? "(then expired)" : "(not expired)");
  out += line("clock regressions", c.clock_regressions);
  out += line("peak memory charge", s.peak_charge);
  if (!meta.output.empty()) {
    out += line("written", meta.written, meta.output);
  }
  if (seconds > 0) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "  %.3f s, %.0f packets/s\n", seconds,
                  static_cast<double>(c.packets) / seconds);
    out += buf;
  }
  return out;
}

}  // namespace ip4ref::replay
