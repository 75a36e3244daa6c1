// fast_alloc_test.cpp: the fast engine allocates nothing per packet in
// steady state (issue 3: "No heap allocation per packet in steady state").
//
// This binary replaces the global operator new / delete with counting
// versions. Each scenario warms the engine up (buffers, slots, table and
// timer reach their working size), then pushes more traffic of the same
// shape and expects the allocation counter not to move.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <new>
#include <random>

#include "ip4ref/fast_fragmenter.h"
#include "ip4ref/reassembly_engine.h"
#include "traffic_generator.h"

namespace {
std::atomic<std::uint64_t> g_allocations{0};

void* counted(std::size_t n, std::size_t align) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  void* p = nullptr;
  if (align <= alignof(std::max_align_t)) {
    p = std::malloc(n == 0 ? 1 : n);
  } else {
    p = std::aligned_alloc(align, (std::max<std::size_t>(n, 1) + align - 1) / align * align);
  }
  if (p == nullptr) {
    throw std::bad_alloc();
  }
  return p;
}
}  // namespace

void* operator new(std::size_t n) {
  return counted(n, 0);
}
void* operator new[](std::size_t n) {
  return counted(n, 0);
}
void* operator new(std::size_t n, std::align_val_t a) {
  return counted(n, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t n, std::align_val_t a) {
  return counted(n, static_cast<std::size_t>(a));
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}

namespace ip4ref {
namespace {

// Counts events and touches the delivered octets; allocates nothing.
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

enum class Order { kInOrder, kReversed, kRandom };

// `datagrams` datagrams of `size` data octets fragmented at `mtu`, ids
// cycling through `ids` values, `flows` of them interleaved fragment by fragment.
std::vector<std::vector<std::uint8_t>> make_train(std::size_t datagrams, std::size_t size,
                                                  std::size_t mtu, Order order, std::size_t flows,
                                                  std::uint64_t seed) {
  test::TrafficGenerator g(seed);
  std::mt19937_64 rng(seed);
  std::vector<std::vector<std::uint8_t>> out;
  for (std::size_t first = 0; first < datagrams; first += flows) {
    std::vector<std::vector<std::vector<std::uint8_t>>> group;
    for (std::size_t i = first; i < std::min(datagrams, first + flows); ++i) {
      test::RawPacket r;
      r.identification = static_cast<std::uint16_t>(i % 4096);
      r.payload = g.bytes(size);
      auto frags = fast::fragment(test::emit_raw(r), mtu).fragments;
      if (order == Order::kReversed) {
        std::reverse(frags.begin(), frags.end());
      } else if (order == Order::kRandom) {
        std::shuffle(frags.begin(), frags.end(), rng);
      }
      group.push_back(std::move(frags));
    }
    for (std::size_t k = 0;; ++k) {
      bool any = false;
      for (auto& frags : group) {
        if (k < frags.size()) {
          out.push_back(frags[k]);
          any = true;
        }
      }
      if (!any) {
        break;
      }
    }
  }
  return out;
}

struct Scenario {
  const char* name;
  std::size_t size;
  std::size_t mtu;
  Order order;
  std::size_t flows;
};

void expect_no_allocation_in_steady_state(Policy policy, const Scenario& s) {
  ReassemblyConfig config;
  config.policy = policy;
  auto engine = make_engine("fast", config);
  const auto warm = make_train(10 * s.flows + 8, s.size, s.mtu, s.order, s.flows, 1);
  const auto steady = make_train(6 * s.flows + 16, s.size, s.mtu, s.order, s.flows, 2);
  CountingSink sink;
  std::int64_t t = 1'000'000'000;
  for (const auto& p : warm) {
    engine->push(p, Instant::from_ns(t += 1000), sink);
  }
  const std::uint64_t before = g_allocations.load();
  for (const auto& p : steady) {
    engine->push(p, Instant::from_ns(t += 1000), sink);
  }
  const std::uint64_t allocations = g_allocations.load() - before;
  EXPECT_EQ(allocations, 0u) << s.name << " under " << to_string(policy) << ": " << allocations
                             << " allocations for " << steady.size() << " packets";
  EXPECT_EQ(sink.delivered, (10 * s.flows + 8) + (6 * s.flows + 16)) << s.name;
  EXPECT_EQ(sink.dropped + sink.discarded, 0u) << s.name;
}

const Scenario kScenarios[] = {
    {"64 KiB at MTU 1500, in order", 65000, 1500, Order::kInOrder, 1},
    {"64 KiB at MTU 1500, reversed", 65000, 1500, Order::kReversed, 1},
    {"64 KiB at MTU 1500, random", 65000, 1500, Order::kRandom, 1},
    {"1400 octets at MTU 576, in order", 1400, 576, Order::kInOrder, 1},
    {"1400 octets at MTU 576, random, 200 flows", 1400, 576, Order::kRandom, 200},
    {"9000 octets at MTU 1500, random, 20 flows", 9000, 1500, Order::kRandom, 20},
};

TEST(FastEngineAllocations, NoneInSteadyStateForEveryPolicyAndTrain) {
  for (Policy p : kAllPolicies) {
    for (const Scenario& s : kScenarios) {
      expect_no_allocation_in_steady_state(p, s);
    }
  }
}

TEST(FastEngineAllocations, NoneWhileIncompleteDatagramsTimeOut) {
  // Steady churn of datagrams that never complete: created, timed out.
  ReassemblyConfig config;
  config.timeout = Duration::milliseconds(10);
  auto engine = make_engine("fast", config);
  auto train = make_train(4000, 3000, 1500, Order::kInOrder, 1, 3);
  std::vector<std::vector<std::uint8_t>> firsts;
  for (std::size_t i = 0; i < train.size(); i += 3) {
    firsts.push_back(train[i]);  // only the first of three fragments
  }
  CountingSink sink;
  std::int64_t t = 0;
  const std::size_t half = firsts.size() / 2;
  for (std::size_t i = 0; i < half; ++i) {
    engine->push(firsts[i], Instant::from_ns(t += 100'000), sink);
  }
  const std::uint64_t before = g_allocations.load();
  for (std::size_t i = half; i < firsts.size(); ++i) {
    engine->push(firsts[i], Instant::from_ns(t += 100'000), sink);
  }
  EXPECT_EQ(g_allocations.load() - before, 0u);
  EXPECT_GT(sink.discarded, 1000u);
}

}  // namespace
}  // namespace ip4ref
