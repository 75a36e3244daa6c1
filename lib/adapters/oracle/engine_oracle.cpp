// engine_oracle.cpp: judging, minimizing and campaigning against any engine.
#include "engine_oracle.h"

#include <algorithm>
#include <chrono>
#include <ostream>
#include <sstream>

#include "oracle_campaign.h"
#include "oracle_pcap.h"

namespace ip4ref::oracle {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::int64_t kPacketSpacingNs = 1000;

// Engines that are costly to create are reused across trains.
bool reuse(const std::string& name) {
  return name == "dpdk";
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

void print_deliveries(std::ostream& s, const std::string& name, const TrainEvents& t) {
  s << "    " << name << ":";
  bool any = false;
  for (const RecordedEvent& e : t.events) {
    if (e.kind == RecordedEvent::Kind::kDelivered) {
      s << "\n      " << to_string(e) << "\n        header " << hex_header(e.bytes);
      any = true;
    }
  }
  s << (any ? "\n" : " (nothing delivered)\n");
}

}  // namespace

std::unique_ptr<EngineOracle> EngineOracle::create(const std::string& engine,
                                                   const ReassemblyConfig& config,
                                                   std::string* error) {
  auto probe = make_engine(engine, config, error);
  if (!probe) {
    if (error != nullptr && error->empty()) {
      *error = "engine '" + engine + "' cannot be created here";
    }
    return nullptr;
  }
  return std::unique_ptr<EngineOracle>(new EngineOracle(engine, config, std::move(probe)));
}

EngineOracle::EngineOracle(std::string name, const ReassemblyConfig& config,
                           std::unique_ptr<ReassemblyEngine> engine)
    : name_(std::move(name)), config_(config), caps_(engine->capabilities()) {
  if (reuse(name_)) {
    reused_ = std::move(engine);
  }
}

TrainEvents EngineOracle::run(ReassemblyEngine& engine, const std::vector<Packet>& packets,
                              Instant start) {
  EventLog log;
  TrainEvents out;
  for (std::size_t i = 0; i < packets.size(); ++i) {
    engine.push(packets[i],
                start + Duration::nanoseconds(static_cast<std::int64_t>(i) * kPacketSpacingNs),
                log);
    out.packet_of.resize(log.events().size(), i);
  }
  out.events = log.events();
  return out;
}

EngineVerdict EngineOracle::judge(const std::vector<Packet>& packets) {
  EngineVerdict v = judge_once(packets);
  if (v.agree() || v.class_name == "fragment-passed-through") {
    return v;
  }
  // A key collision is the cause when, without the colliding datagrams, the
  // engine's class for the key changes (the reference keys them apart).
  const std::vector<std::string> kinds = key_collisions(packets, v.key);
  auto changes = [&](const std::vector<Packet>& without) {
    const EngineVerdict w = judge_once(without);
    return w.agree() || w.key != v.key || w.class_name != v.class_name;
  };
  for (const std::string& kind : kinds) {
    if (changes(without_collisions(packets, v.key, kind))) {
      v.class_name = kind;
      return v;
    }
  }
  // All kinds at once (an engine that ignores the protocol and the direction).
  std::vector<Packet> without = packets;
  for (const std::string& kind : kinds) {
    without = without_collisions(without, v.key, kind);
  }
  if (kinds.size() > 1 && changes(without)) {
    v.class_name = "protocol-and-direction-not-in-key";
  }
  return v;
}

EngineVerdict EngineOracle::judge_once(const std::vector<Packet>& packets) {
  EngineVerdict v;
  auto ref = make_engine("ref", config_);
  v.reference = run(*ref, packets, Instant{});
  if (reused_) {
    // Past the timeout of everything the previous train left behind.
    const Instant start =
        Instant{} + Duration::nanoseconds(++trains_run_ * (config_.timeout.ns() + 1'000'000'000));
    EventLog ignored;
    reused_->expire(start, ignored);
    v.engine = run(*reused_, packets, start);
  } else {
    auto engine = make_engine(name_, config_);
    v.engine = engine ? run(*engine, packets, Instant{}) : TrainEvents{};
  }
  v.class_name = classify(packets, v.reference, v.engine, &v.detail, &v.key);
  if (v.agree() && (caps_ & ~IP4REF_CAP_DELIVERED_BYTES) != 0) {
    compare_events(v);
  }
  return v;
}

// Engines that observe more than delivered octets are also compared on
// everything both observe (observable(), reassembly_engine.h).
void EngineOracle::compare_events(EngineVerdict& v) const {
  const auto a = observable(v.reference.events, caps_);
  const auto b = observable(v.engine.events, caps_);
  const auto [ia, ib] = std::mismatch(a.begin(), a.end(), b.begin(), b.end());
  if (ia == a.end() && ib == b.end()) {
    return;
  }
  v.class_name = "events-differ";
  v.detail = "event " + std::to_string(ia - a.begin() + 1) + ": reference " +
             (ia != a.end() ? to_string(*ia) : "(none)") + ", engine " +
             (ib != b.end() ? to_string(*ib) : "(none)");
}

Train EngineOracle::minimize(const Train& train, const std::string& class_name) {
  return minimize_train(
      train, [&](const Train& t) { return judge(build_packets(t)).class_name == class_name; });
}

std::string explain(const EngineVerdict& v, const std::string& engine) {
  std::ostringstream s;
  print_deliveries(s, "reference", v.reference);
  print_deliveries(s, engine, v.engine);
  if (!v.agree()) {
    s << "    " << v.detail << "\n";
  }
  return s.str();
}

namespace {

void record(EngineOracle& oracle, const EngineCampaignOptions& o, std::uint64_t index,
            const Train& t, const EngineVerdict& v, EngineCampaignResult& r, std::ostream& log) {
  EngineClassRecord& c = r.classes[v.class_name];
  if (c.count++ != 0) {
    return;
  }
  c.first_train = index;
  c.minimized = oracle.minimize(t, v.class_name);
  c.verdict = oracle.judge(build_packets(c.minimized));
  if (!o.findings_dir.empty()) {
    std::string error;
    const std::string path = o.findings_dir + "/" + v.class_name + ".pcap";
    if (!write_ipv4_pcap(path, build_packets(c.minimized), &error)) {
      log << "ip4ref oracle: cannot write finding: " << error << "\n";
    }
  }
}

double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

}  // namespace

EngineCampaignResult run_engine_campaign(EngineOracle& oracle, const EngineCampaignOptions& o,
                                         std::ostream& log) {
  EngineCampaignResult r;
  const auto start = Clock::now();
  auto last_progress = start;
  for (std::uint64_t i = 0; i < o.trains; ++i) {
    const Train t = campaign_train(o.seed, i, o.generator);
    const auto packets = build_packets(t);
    const EngineVerdict v = oracle.judge(packets);
    ++r.trains;
    r.packets += packets.size();
    if (v.agree()) {
      ++r.agree;
    } else {
      record(oracle, o, i, t, v, r, log);
    }
    if (o.progress_seconds > 0 && since(last_progress) >= o.progress_seconds) {
      last_progress = Clock::now();
      log << "  ... " << r.trains << " trains, " << r.trains - r.agree << " disagreements, "
          << static_cast<long>(static_cast<double>(r.trains) / since(start)) << " trains/s\n";
      log.flush();
    }
  }
  r.seconds = since(start);
  return r;
}

}  // namespace ip4ref::oracle
