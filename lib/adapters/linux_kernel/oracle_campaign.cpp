// oracle_campaign.cpp: judging, minimizing and campaigning.
#include "oracle_campaign.h"

#include <bit>
#include <chrono>
#include <cstdio>
#include <functional>
#include <ostream>
#include <set>
#include <sstream>

#include "ip4ref/bytes.h"
#include "ip4ref/ipv4_header.h"
#include "ip4ref/reassembly_engine.h"
#include "oracle_pcap.h"

namespace ip4ref::oracle {
namespace {

using Clock = std::chrono::steady_clock;

// What the kernel engine can be compared on: Delivered bytes in order, and
// only datagrams a raw socket can see at all.
std::vector<RecordedEvent> delivered_only(const std::vector<RecordedEvent>& events,
                                          std::uint32_t caps) {
  std::vector<RecordedEvent> out;
  for (RecordedEvent& e : observable(events, caps | IP4REF_CAP_DELIVERED_BYTES)) {
    if (e.kind != RecordedEvent::Kind::kDelivered ||
        linux_kernel::LinuxKernelEngine::raw_socket_sees(e.bytes)) {
      out.push_back(std::move(e));
    }
  }
  return out;
}

std::vector<RecordedEvent> run_reference(const std::vector<Packet>& packets,
                                         const ReassemblyConfig& config, std::uint32_t caps) {
  auto ref = make_engine("ref", config);
  EventLog log;
  for (std::size_t i = 0; i < packets.size(); ++i) {
    ref->push(packets[i], Instant::from_ns(static_cast<std::int64_t>(i) * 1000), log);
  }
  return delivered_only(log.events(), caps);
}

// The header field octet `at` of an IPv4 header falls in.
std::string field_at(std::size_t at, std::size_t header_length) {
  static const char* kNames[] = {"version/ihl", "tos",         "total length", "total length",
                                 "id",          "id",          "flags/offset", "flags/offset",
                                 "ttl",         "protocol",    "checksum",     "checksum",
                                 "source",      "source",      "source",       "source",
                                 "destination", "destination", "destination",  "destination"};
  if (at < 20) {
    return kNames[at];
  }
  return at < header_length ? "options" : "data";
}

std::string hex_header(const std::vector<std::uint8_t>& b) {
  const std::size_t hl = b.empty() ? 0 : std::min(b.size(), std::size_t{b[0] & 0x0fu} * 4);
  std::string out;
  char x[4];
  for (std::size_t i = 0; i < hl; ++i) {
    std::snprintf(x, sizeof(x), "%02x", b[i]);
    out += x;
    out += (i % 4 == 3) ? " " : "";
  }
  return out;
}

void print_stream(std::ostream& s, const char* name, const std::vector<RecordedEvent>& events) {
  s << "    " << name << ":";
  if (events.empty()) {
    s << " (nothing delivered)\n";
    return;
  }
  s << "\n";
  for (const RecordedEvent& e : events) {
    s << "      " << to_string(e) << "\n        header " << hex_header(e.bytes) << "\n";
  }
}

std::string first_difference(const std::vector<RecordedEvent>& a,
                             const std::vector<RecordedEvent>& b) {
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    if (a[i] == b[i]) {
      continue;
    }
    const auto& x = a[i].bytes;
    const auto& y = b[i].bytes;
    for (std::size_t k = 0; k < std::min(x.size(), y.size()); ++k) {
      if (x[k] != y[k]) {
        char line[160];
        std::snprintf(
            line, sizeof(line),
            "delivery %zu: first difference at octet %zu (%s): reference 0x%02x, kernel 0x%02x", i,
            k, field_at(k, std::size_t{x[0] & 0x0fu} * 4).c_str(), x[k], y[k]);
        return line;
      }
    }
    return "delivery " + std::to_string(i) + ": lengths " + std::to_string(x.size()) + " vs " +
           std::to_string(y.size());
  }
  return a.size() == b.size() ? "no difference"
                              : "reference delivers " + std::to_string(a.size()) +
                                    " datagram(s), kernel " + std::to_string(b.size());
}

std::uint64_t splitmix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Shorter versions of a recipe to try while minimizing (same offset and MF).
std::vector<FragmentRecipe> shorter(const FragmentRecipe& r) {
  std::vector<FragmentRecipe> out;
  for (std::uint32_t length : {8u, 16u, (r.length / 2) & ~7u, r.length - 8}) {
    if (length >= 8 && length < r.length) {
      FragmentRecipe c = r;
      c.length = length;
      out.push_back(c);
    }
  }
  return out;
}

// Fragment i shortened by `cut` octets (a multiple of 8), and every fragment
// of its flow that started at or after its end moved back by as much: the
// train keeps its shape, with less data.
Train pulled_back(const Train& t, std::size_t i, std::uint32_t cut) {
  Train out = t;
  const FragmentRecipe& f = t.packets[i];
  const std::uint32_t end = f.offset + f.length;
  for (FragmentRecipe& r : out.packets) {
    if (r.flow == f.flow && r.offset >= end && r.offset >= cut) {
      r.offset -= cut;
    }
  }
  out.packets[i].length -= cut;
  return out;
}

// Removes flows no packet uses and renumbers the rest.
Train drop_unused_flows(const Train& t) {
  std::vector<int> renumber(t.flows.size(), -1);
  Train out;
  for (const FragmentRecipe& r : t.packets) {
    if (renumber[r.flow] < 0) {
      renumber[r.flow] = static_cast<int>(out.flows.size());
      out.flows.push_back(t.flows[r.flow]);
    }
  }
  for (FragmentRecipe r : t.packets) {
    r.flow = static_cast<std::uint8_t>(renumber[r.flow]);
    out.packets.push_back(r);
  }
  return out;
}

// The plain-header versions of a recipe to try while minimizing.
std::vector<FragmentRecipe> plainer(const FragmentRecipe& r) {
  std::vector<FragmentRecipe> out;
  auto with = [&](auto change) {
    FragmentRecipe c = r;
    change(c);
    out.push_back(c);
  };
  if (r.options != OptionKind::kNone) {
    with([](FragmentRecipe& c) { c.options = OptionKind::kNone; });
  }
  if (r.ttl != 64) {
    with([](FragmentRecipe& c) { c.ttl = 64; });
  }
  if (r.ecn != 0) {
    with([](FragmentRecipe& c) { c.ecn = 0; });
  }
  if (r.dont_fragment) {
    with([](FragmentRecipe& c) { c.dont_fragment = false; });
  }
  if (r.reserved) {
    with([](FragmentRecipe& c) { c.reserved = false; });
  }
  return out;
}

// ---- minimization passes: each tries simpler trains, keeps those `same`
// accepts, and says whether it kept any.

using Keeps = std::function<bool(const Train&)>;

bool keep_if(Train& best, Train candidate, const Keeps& same) {
  if (!same(candidate)) {
    return false;
  }
  best = std::move(candidate);
  return true;
}

bool remove_pass(Train& best, const Keeps& same) {
  bool kept = false;
  for (std::size_t i = 0; i < best.packets.size();) {
    Train candidate = best;
    candidate.packets.erase(candidate.packets.begin() + static_cast<std::ptrdiff_t>(i));
    if (keep_if(best, std::move(candidate), same)) {
      kept = true;
    } else {
      ++i;
    }
  }
  return kept;
}

// Two fragments of a flow, the second starting where the first (MF) ends,
// become one where the first was.
bool merge_pass(Train& best, const Keeps& same) {
  bool kept = false;
  for (std::size_t i = 0; i < best.packets.size(); ++i) {
    for (std::size_t j = 0; j < best.packets.size(); ++j) {
      const FragmentRecipe& a = best.packets[i];
      const FragmentRecipe& b = best.packets[j];
      if (i == j || a.flow != b.flow || a.offset + a.length != b.offset || !a.more) {
        continue;
      }
      Train candidate = best;
      candidate.packets[i].length += b.length;
      candidate.packets[i].more = b.more;
      candidate.packets.erase(candidate.packets.begin() + static_cast<std::ptrdiff_t>(j));
      if (keep_if(best, std::move(candidate), same)) {
        kept = true;
        break;
      }
    }
  }
  return kept;
}

bool pull_back_pass(Train& best, const Keeps& same) {
  bool kept = false;
  for (std::size_t i = 0; i < best.packets.size(); ++i) {
    const std::uint32_t length = best.packets[i].length;
    for (std::uint32_t cut : {(length - 8) & ~7u, (length / 2) & ~7u}) {
      if (length > 8 && cut != 0 && keep_if(best, pulled_back(best, i, cut), same)) {
        kept = true;
        break;
      }
    }
  }
  return kept;
}

// Plain headers and shorter payloads, one packet at a time.
bool plain_pass(Train& best, const Keeps& same) {
  bool kept = false;
  for (std::size_t i = 0; i < best.packets.size(); ++i) {
    auto candidates = plainer(best.packets[i]);
    const auto shorts = shorter(best.packets[i]);
    candidates.insert(candidates.end(), shorts.begin(), shorts.end());
    for (const FragmentRecipe& r : candidates) {
      Train candidate = best;
      candidate.packets[i] = r;
      if (keep_if(best, std::move(candidate), same)) {
        kept = true;
        break;
      }
    }
  }
  return kept;
}

void write_finding(const std::string& dir, const std::string& name, const Train& t,
                   std::ostream& log) {
  std::string error;
  const std::string path = dir + "/" + name + ".pcap";
  if (!write_ipv4_pcap(path, build_packets(t), &error)) {
    log << "ip4ref-oracle: cannot write finding: " << error << "\n";
  }
}

}  // namespace

std::string Verdict::class_name() const {
  if (!crosscheck) {
    return "simulation-differs-from-reference";
  }
  if (agree) {
    return "agree";
  }
  return explained ? quirk_set_name(needed) : "unexplained";
}

Oracle::Oracle(linux_kernel::LinuxKernelEngine& kernel, const ReassemblyConfig& config,
               long max_dist)
    : kernel_(kernel), config_(config), max_dist_(max_dist) {
  config_.policy = Policy::kLinux;
}

std::vector<RecordedEvent> Oracle::run_kernel(const std::vector<Packet>& packets) {
  EventLog log;
  std::set<FragmentKey> keys;
  for (std::size_t i = 0; i < packets.size(); ++i) {
    const Packet& p = packets[i];
    kernel_.push(p, Instant::from_ns(static_cast<std::int64_t>(i) * 1000), log);
    if (p.size() >= kIpv4MinHeader) {
      keys.insert(FragmentKey{load_be32(p, 12), load_be32(p, 16), p[9], load_be16(p, 4)});
    }
  }
  for (const FragmentKey& k : keys) {
    kernel_.forget(k);
  }
  return delivered_only(log.events(), kernel_.capabilities());
}

Verdict Oracle::judge(const std::vector<Packet>& packets) {
  const std::uint32_t caps = kernel_.capabilities();
  Verdict v;
  v.kernel = run_kernel(packets);
  v.reference = run_reference(packets, config_, caps);
  v.plain = delivered_only(predict(packets, 0, config_, v.kernel, max_dist_), caps);
  v.crosscheck = v.plain == v.reference;
  v.agree = v.reference == v.kernel;
  if (v.agree || !v.crosscheck) {
    return v;
  }
  v.model = delivered_only(predict(packets, kAllQuirks, config_, v.kernel, max_dist_), caps);
  v.explained = v.model == v.kernel;
  if (!v.explained) {
    return v;
  }
  auto explains = [&](std::uint32_t quirks) {
    return delivered_only(predict(packets, quirks, config_, v.kernel, max_dist_), caps) == v.kernel;
  };
  for (std::uint32_t q = 1; q <= kAllQuirks; q <<= 1) {
    if (!explains(kAllQuirks & ~q)) {
      v.needed |= q;
    }
  }
  if (v.needed != 0 && explains(v.needed)) {
    return v;
  }
  // Quirks that explain the same thing twice over (a dropped first fragment
  // and a poisoned queue both lose the datagram): the smallest set that
  // suffices, lowest bits first.
  for (int size = 1; size <= std::popcount(std::uint32_t{kAllQuirks}); ++size) {
    for (std::uint32_t set = 1; set <= kAllQuirks; ++set) {
      if (std::popcount(set) == size && (set & v.needed) == v.needed && explains(set)) {
        v.needed = set;
        return v;
      }
    }
  }
  return v;
}

Train Oracle::minimize(const Train& train, const std::string& class_name) {
  return minimize_train(train, [&](const Train& t) {
    return judge(build_packets(t)).class_name() == class_name;
  });
}

Train minimize_train(const Train& train, const std::function<bool(const Train&)>& accepts) {
  const Keeps same = [&](const Train& t) { return !t.packets.empty() && accepts(t); };
  Train best = train;
  for (bool progress = true; progress;) {
    progress = remove_pass(best, same);
    progress = merge_pass(best, same) || progress;
    progress = pull_back_pass(best, same) || progress;
    progress = plain_pass(best, same) || progress;
  }
  return drop_unused_flows(best);
}

std::string explain(const Verdict& v) {
  std::ostringstream s;
  print_stream(s, "reference (policy linux)", v.reference);
  print_stream(s, "kernel", v.kernel);
  if (!v.agree) {
    s << "    " << first_difference(v.reference, v.kernel) << "\n";
    s << "    explanation: "
      << (v.explained ? quirk_set_name(v.needed) : "none of the known kernel quirks explains it")
      << "\n";
  }
  if (!v.crosscheck) {
    s << "    CROSS-CHECK FAILED: the kernel simulation with every quirk off differs from "
         "the reference\n";
    print_stream(s, "simulation without quirks", v.plain);
  }
  if (!v.agree && !v.explained) {
    print_stream(s, "model (kernel simulation, every known quirk)", v.model);
  }
  return s.str();
}

Train campaign_train(std::uint64_t seed, std::uint64_t index, const GeneratorOptions& g) {
  Rng rng(splitmix(splitmix(seed) ^ index));
  return generate_train(rng, g);
}

namespace {

// Counts a disagreement; the first of its class is minimized (and written
// to the findings directory when it needs exactly one quirk, or none
// explains it); the first `show` are printed.
void record(Oracle& oracle, const CampaignOptions& o, std::uint64_t index, const Train& t,
            const Verdict& v, CampaignResult& r, std::ostream& log) {
  r.crosscheck_failures += v.crosscheck ? 0 : 1;
  r.unexplained += v.explained && v.crosscheck ? 0 : 1;
  for (std::uint32_t q = 1; q <= kAllQuirks; q <<= 1) {
    r.by_quirk[quirk_name(q)] += (v.explained && (v.needed & q) != 0) ? 1 : 0;
  }
  const std::string name = v.class_name();
  ClassRecord& c = r.classes[name];
  if (c.count++ == 0) {
    c.first_train = index;
    c.minimized = oracle.minimize(t, name);
    c.verdict = oracle.judge(build_packets(c.minimized));
    const bool elementary = !v.explained || !v.crosscheck || std::popcount(v.needed) == 1;
    if (!o.findings_dir.empty() && elementary) {
      write_finding(o.findings_dir, name, c.minimized, log);
    }
  }
  const std::uint64_t disagreements = r.trains - r.agree;
  if (disagreements <= o.show) {
    const Train m = c.count == 1 ? c.minimized : oracle.minimize(t, name);
    log << "disagreement " << disagreements << ": train " << index << " (seed " << o.seed
        << "), class " << name << ", minimized from " << t.packets.size() << " to "
        << m.packets.size() << " packets\n"
        << describe(m) << explain(oracle.judge(build_packets(m)));
  }
}

void progress(const CampaignResult& r, double seconds, std::ostream& log) {
  log << "  ... " << r.trains << " trains, " << r.trains - r.agree << " disagreements ("
      << r.unexplained << " unexplained), "
      << static_cast<long>(static_cast<double>(r.trains) / seconds) << " trains/s\n";
  log.flush();
}

double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

}  // namespace

CampaignResult run_campaign(Oracle& oracle, const CampaignOptions& o, std::ostream& log) {
  CampaignResult r;
  const auto start = Clock::now();
  auto last_progress = start;
  for (std::uint64_t i = 0; i < o.trains; ++i) {
    const Train t = campaign_train(o.seed, i, o.generator);
    const auto packets = build_packets(t);
    const Verdict v = oracle.judge(packets);
    ++r.trains;
    r.packets += packets.size();
    if (v.agree && v.crosscheck) {
      ++r.agree;
    } else {
      record(oracle, o, i, t, v, r, log);
    }
    if (o.progress_seconds > 0 && since(last_progress) >= o.progress_seconds) {
      last_progress = Clock::now();
      progress(r, since(start), log);
    }
  }
  r.seconds = since(start);
  return r;
}

}  // namespace ip4ref::oracle
