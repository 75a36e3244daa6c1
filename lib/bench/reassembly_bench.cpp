// reassembly_bench.cpp: every reassembly engine in the registry (ref, fast,
// adapters when built) on the scenarios of issue 3, side by side with memcpy
// of the same payload octets into one contiguous buffer (the floor: no
// reassembler can build a datagram with less copying).
//
// Names are "reassemble/<scenario>/<engine>"; ci/bench groups by scenario
// and reports ratios. Counters: bytes_per_second (fragment payload octets),
// items_per_second (fragments); the flood adds peak_charge / high.
#include <benchmark/benchmark.h>

#include <cstring>
#include <functional>
#include <map>
#include <string>

#include "bench_traffic.h"
#include "ip4ref/reassembly_engine.h"
#if defined(IP4REF_HAVE_LIBTINS)
#include "libtins_engine.h"
#endif
#if defined(IP4REF_HAVE_DPDK)
#include "dpdk_engine.h"
#endif

namespace ip4ref::bench {
namespace {

class CountingSink : public EventSink {
 public:
  void on_delivered(const Delivered& e) override {
    ++delivered;
    octets += e.datagram.size();
  }
  void on_dropped(const Dropped&) override { ++dropped; }
  void on_discarded(const Discarded&) override { ++discarded; }
  std::uint64_t delivered = 0;
  std::uint64_t dropped = 0;
  std::uint64_t discarded = 0;
  std::uint64_t octets = 0;
};

void report(benchmark::State& state, const Traffic& t) {
  const auto n = static_cast<std::int64_t>(state.iterations());
  state.SetBytesProcessed(n * static_cast<std::int64_t>(t.payload_octets));
  state.SetItemsProcessed(n * static_cast<std::int64_t>(t.packets.size()));
}

void run_engine(benchmark::State& state, const std::string& engine, const Traffic& t,
                const ReassemblyConfig& config, bool flood, bool complete) {
  std::unique_ptr<ReassemblyEngine> e = make_engine(engine, config);
  if (e == nullptr) {
    std::string why = "engine " + engine + " could not start";
#if defined(IP4REF_HAVE_DPDK)
    if (engine == "dpdk") {
      why = dpdk_engine_error();
    }
#endif
    state.SkipWithError(why.c_str());
    return;
  }
  CountingSink sink;
  std::int64_t now = 1'000'000'000;
  for (auto _ : state) {
    for (const Packet& p : t.packets) {
      e->push(p, Instant::from_ns(now += 1000), sink);
    }
  }
  benchmark::DoNotOptimize(sink.octets);
  report(state, t);
  if (complete && sink.delivered != state.iterations() * t.datagrams) {
    // Numbers for a reassembler that did not reassemble would mislead.
    std::string why = engine + " delivered " + std::to_string(sink.delivered) + " of " +
                      std::to_string(state.iterations() * t.datagrams) + " datagrams";
    if (engine == "dpdk") {
      why += " (DPDK keeps at most RTE_LIBRTE_IP_FRAG_MAX_FRAG = 8 fragments per datagram)";
    }
    state.SkipWithError(why.c_str());
    return;
  }
  state.counters["delivered_per_iter"] =
      static_cast<double>(sink.delivered) / static_cast<double>(state.iterations());
  if (flood) {
    state.counters["peak_over_high"] = static_cast<double>(e->stats().peak_charge) /
                                       static_cast<double>(e->config().high_threshold);
  }
}

void run_memcpy(benchmark::State& state, const Traffic& t) {
  std::vector<std::uint8_t> buffer(65536 + 64);
  for (auto _ : state) {
    for (const Packet& p : t.packets) {
      const std::size_t hl = std::size_t{p[0] & 0x0fu} * 4;
      const std::size_t offset = std::size_t{load_be16(p, 6) & 0x1fffu} * 8;
      std::memcpy(buffer.data() + offset, p.data() + hl, p.size() - hl);
    }
    benchmark::DoNotOptimize(buffer.data());
    benchmark::ClobberMemory();
  }
  report(state, t);
}

// The floor when `flows` datagrams are in progress at once: the same octets
// copied into one buffer per flow (as any reassembler must keep them apart),
// so the destination lines are as cold as a reassembler's. Explains how much
// of the cost at 10,000 flows is the memory hierarchy, not the engine.
void run_memcpy_scattered(benchmark::State& state, const Traffic& t, std::size_t flows) {
  constexpr std::size_t kSlot = 2048;
  std::vector<std::uint8_t> buffers(flows * kSlot + 64);
  for (auto _ : state) {
    for (const Packet& p : t.packets) {
      const std::size_t hl = std::size_t{p[0] & 0x0fu} * 4;
      const std::size_t offset = std::size_t{load_be16(p, 6) & 0x1fffu} * 8;
      const std::size_t flow = (std::size_t{p[15]} << 16 | load_be16(p, 4)) % flows;
      std::memcpy(buffers.data() + flow * kSlot + offset, p.data() + hl, p.size() - hl);
    }
    benchmark::DoNotOptimize(buffers.data());
    benchmark::ClobberMemory();
  }
  report(state, t);
}

struct Scenario {
  std::string name;
  std::function<Traffic()> make;
  ReassemblyConfig config;
  bool flood = false;
  bool complete = true;   // every datagram of the traffic must be delivered
  std::size_t flows = 0;  // > 0: also the scattered memcpy floor
};

ReassemblyConfig with(Policy p, std::size_t high = 4u << 20, std::size_t low = 3u << 20) {
  ReassemblyConfig c;
  c.policy = p;
  c.high_threshold = high;
  c.low_threshold = low;
  return c;
}

std::vector<Scenario> scenarios() {
  std::vector<Scenario> s;
  const ReassemblyConfig standard = with(Policy::kLinux);
  // Memory for 10,000 datagrams in progress: the flows scenarios measure
  // lookup, not eviction.
  const ReassemblyConfig roomy = with(Policy::kLinux, 256u << 20, 192u << 20);
  s.push_back({"64KiB-mtu1500-inorder",
               [] { return make_trains(16, 65000, 1500, Order::kInOrder, 1, 1); }, standard});
  s.push_back({"64KiB-mtu1500-reversed",
               [] { return make_trains(16, 65000, 1500, Order::kReversed, 1, 2); }, standard});
  s.push_back({"64KiB-mtu1500-random",
               [] { return make_trains(16, 65000, 1500, Order::kRandom, 1, 3); }, standard});
  s.push_back({"1400B-mtu576-inorder",
               [] { return make_trains(2000, 1400, 576, Order::kInOrder, 1, 4); }, standard});
  s.push_back({"1400B-mtu576-random",
               [] { return make_trains(2000, 1400, 576, Order::kRandom, 1, 5); }, standard});
  for (std::size_t flows : {10, 100, 1000, 10000}) {
    s.push_back({"flows" + std::to_string(flows) + "-1400B-mtu576",
                 [flows] {
                   return make_trains(std::max<std::size_t>(2 * flows, 2000), 1400, 576,
                                      Order::kInOrder, flows, 6);
                 },
                 roomy, false, true, flows});
  }
  for (Policy p : {Policy::kLinux, Policy::kBsd, Policy::kWindows, Policy::kFirst}) {
    for (std::size_t count : {1000, 8000}) {
      s.push_back({"storm" + std::to_string(count) + "-" + std::string(to_string(p)),
                   [count] { return make_storm(16384, count, 64, 7); }, with(p), false, false});
    }
  }
  s.push_back(
      {"flood-incomplete-4MiB", [] { return make_flood(16384, 1480, 8); }, standard, true, false});
  return s;
}

const std::vector<std::string>& engines() {
  static const std::vector<std::string> names = [] {
#if defined(IP4REF_HAVE_LIBTINS)
    register_libtins_engine();
#endif
#if defined(IP4REF_HAVE_DPDK)
    register_dpdk_engine();
#endif
    // Every engine registered under these names; one that cannot start
    // (DPDK without a usable EAL) reports why instead of numbers.
    std::vector<std::string> n;
    for (const char* e : {"ref", "fast", "libtins", "dpdk"}) {
      for (const EngineInfo& info : engine_registry()) {
        if (info.name == e) {
          n.emplace_back(e);
        }
      }
    }
    return n;
  }();
  return names;
}

// Traffic is built lazily, once per scenario, outside the timed region.
const Traffic& traffic_of(const Scenario& s) {
  static std::map<std::string, Traffic> cache;
  auto it = cache.find(s.name);
  if (it == cache.end()) {
    it = cache.emplace(s.name, s.make()).first;
  }
  return it->second;
}

const bool registered = [] {
  static const std::vector<Scenario> all = scenarios();
  for (const Scenario& s : all) {
    for (const std::string& e : engines()) {
      benchmark::RegisterBenchmark(
          ("reassemble/" + s.name + "/" + e).c_str(), [&s, e](benchmark::State& st) {
            run_engine(st, e, traffic_of(s), s.config, s.flood, s.complete);
          });
    }
    benchmark::RegisterBenchmark(("reassemble/" + s.name + "/memcpy").c_str(),
                                 [&s](benchmark::State& st) { run_memcpy(st, traffic_of(s)); });
    if (s.flows > 0) {
      benchmark::RegisterBenchmark(
          ("reassemble/" + s.name + "/memcpy-scattered").c_str(),
          [&s](benchmark::State& st) { run_memcpy_scattered(st, traffic_of(s), s.flows); });
    }
  }
  return true;
}();

}  // namespace
}  // namespace ip4ref::bench
