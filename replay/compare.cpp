// compare.cpp
#include "compare.h"

#include <algorithm>

#include "hex_view.h"
#include "ip4ref/ipv4_header.h"
#include "replay_summary.h"

namespace ip4ref::replay {
namespace {

using json = nlohmann::ordered_json;

void differ(std::vector<std::string>& out, const char* name, std::uint64_t a, std::uint64_t b) {
  if (a != b) {
    out.push_back(std::string(name) + " " + std::to_string(a) + " vs " + std::to_string(b));
  }
}

std::string packet_key(Bytes packet) {
  const auto v = Ipv4View::parse(packet);
  if (!v) {
    return "(not a parseable IPv4 packet: " + std::string(to_string(v.error())) + ")";
  }
  return to_string(FragmentKey{v->source(), v->destination(), v->protocol(), v->identification()});
}

std::string event_or_none(const std::vector<RecordedEvent>& events, std::size_t i) {
  return i < events.size() ? to_string(events[i]) : "(no event)";
}

// Appends the hex view of the first differing octet of event i, when both
// engines produced an event there carrying bytes.
void add_bytes_difference(const StepContext& ctx, const RecordedEvent* a, const RecordedEvent* b,
                          Divergence& d) {
  if (a == nullptr || b == nullptr || (a->bytes.empty() && b->bytes.empty())) {
    return;
  }
  const auto at = first_difference(a->bytes, b->bytes);
  if (!at) {
    return;
  }
  const std::string where = ipv4_location(a->bytes, *at);
  d.report += "  first differing byte: " + std::to_string(*at) +
              (where.empty() ? "" : " (" + where + ")") + "\n";
  d.report += hex_context(a->bytes, b->bytes, *at, ctx.name_a, ctx.name_b);
  d.json["first_differing_byte"] = *at;
  d.json["field"] = where;
}

Divergence header(const StepContext& ctx, const std::string& what) {
  Divergence d;
  const std::string key = ctx.packet_bytes.empty() ? "-" : packet_key(ctx.packet_bytes);
  d.report = "divergence " + ctx.name_a + " vs " + ctx.name_b + " at packet " + ctx.packet +
             " (time " + format_time(ctx.timestamp) + ", byte offset " +
             std::to_string(ctx.file_offset) + "): " + what + "\n  key " + key + "\n";
  d.json = json{{"packet", ctx.packet},
                {"timestamp_ns", ctx.timestamp.ns()},
                {"file_offset", ctx.file_offset},
                {"key", key},
                {"what", what}};
  return d;
}

}  // namespace

std::vector<std::string> stats_differences(const ReassemblyStats& a, const ReassemblyStats& b) {
  std::vector<std::string> out;
  differ(out, "ReasmReqds", a.reasm_reqds, b.reasm_reqds);
  differ(out, "ReasmOKs", a.reasm_oks, b.reasm_oks);
  differ(out, "ReasmFails", a.reasm_fails, b.reasm_fails);
  differ(out, "ReasmTimeout", a.reasm_timeout, b.reasm_timeout);
  differ(out, "ReasmOverlaps", a.reasm_overlaps, b.reasm_overlaps);
  differ(out, "Passthrough", a.passthrough, b.passthrough);
  for (std::size_t i = 0; i < kReasonCount; ++i) {
    const std::string name = "reason." + std::string(to_string(static_cast<Reason>(i)));
    differ(out, name.c_str(), a.by_reason[i], b.by_reason[i]);
  }
  differ(out, "charge", a.charge, b.charge);
  differ(out, "peak_charge", a.peak_charge, b.peak_charge);
  differ(out, "datagrams_in_progress", a.datagrams_in_progress, b.datagrams_in_progress);
  return out;
}

std::optional<Divergence> compare_step(const StepContext& ctx, const EngineState& a,
                                       const EngineState& b) {
  const auto [ia, ib] =
      std::mismatch(a.events.begin(), a.events.end(), b.events.begin(), b.events.end());
  if (ia != a.events.end() || ib != b.events.end()) {
    const auto i = static_cast<std::size_t>(ia - a.events.begin());
    Divergence d = header(ctx, "event " + std::to_string(i + 1) + " differs");
    d.report += "  " + ctx.name_a + ": " + event_or_none(a.events, i) + "\n";
    d.report += "  " + ctx.name_b + ": " + event_or_none(b.events, i) + "\n";
    d.json["event_index"] = i;
    d.json["a"] = event_or_none(a.events, i);
    d.json["b"] = event_or_none(b.events, i);
    add_bytes_difference(ctx, ia != a.events.end() ? &*ia : nullptr,
                         ib != b.events.end() ? &*ib : nullptr, d);
    return d;
  }
  if (const auto diffs = stats_differences(a.stats, b.stats); !diffs.empty()) {
    Divergence d = header(ctx, "same events, different counters");
    for (const std::string& s : diffs) {
      d.report += "  " + s + " (" + ctx.name_a + " vs " + ctx.name_b + ")\n";
    }
    d.json["counters"] = diffs;
    return d;
  }
  if (a.next_expiry != b.next_expiry) {
    auto show = [](const std::optional<Instant>& t) { return t ? format_time(*t) : "none"; };
    Divergence d = header(ctx, "same events and counters, different next expiry");
    d.report += "  next_expiry " + show(a.next_expiry) + " vs " + show(b.next_expiry) + "\n";
    d.json["next_expiry"] = {show(a.next_expiry), show(b.next_expiry)};
    return d;
  }
  return std::nullopt;
}

}  // namespace ip4ref::replay
