// fast_engine_test.cpp: the fast engine against the reference, differentially.
//
// DESIGN.md: the optimized variant has "the same observable behaviour". Both
// engines get the same generated traffic, step by step, for every policy and
// many configurations; after every push and expire the event streams, the
// counters (ReassemblyStats, operator==) and next_expiry() must be equal.
// Seeds are fixed, so a failure names a case that reproduces.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <memory>
#include <sstream>

#include "ip4ref/checksum.h"
#include "ip4ref/fast_checksum.h"
#include "ip4ref/reassembly_engine.h"
#include "packet_builder.h"
#include "traffic_generator.h"

namespace ip4ref {
namespace {

using test::emit_raw;
using test::RawPacket;
using test::Step;
using test::TrafficGenerator;

std::string describe(const ReassemblyConfig& c) {
  std::ostringstream o;
  o << "policy " << to_string(c.policy) << " timeout_ns " << c.timeout.ns() << " high "
    << c.high_threshold << " low " << c.low_threshold << " max_frags "
    << c.max_fragments_per_datagram << " max_dgrams " << c.max_datagrams << " strip "
    << c.strip_options;
  return o.str();
}

std::string dump(const std::vector<RecordedEvent>& events) {
  std::string s;
  for (const RecordedEvent& e : events) {
    s += "    " + to_string(e) + "\n";
  }
  return s;
}

// What the reference did over many cases, to check that the generated
// traffic reaches the rules it is meant to reach.
struct Tally {
  std::uint64_t delivered = 0;
  std::uint64_t overlaps = 0;
  std::array<std::uint64_t, kReasonCount> by_reason{};
  std::array<std::uint64_t, kAllPolicies.size()> oks_by_policy{};
  std::array<std::uint64_t, kAllPolicies.size()> overlaps_by_policy{};

  void add(const ReassemblyConfig& c, const ReassemblyStats& s) {
    delivered += s.reasm_oks;
    overlaps += s.reasm_overlaps;
    for (std::size_t i = 0; i < kReasonCount; ++i) {
      by_reason[i] += s.by_reason[i];
    }
    oks_by_policy[static_cast<std::size_t>(c.policy)] += s.reasm_oks;
    overlaps_by_policy[static_cast<std::size_t>(c.policy)] += s.reasm_overlaps;
  }
  std::uint64_t count(Reason r) const { return by_reason[static_cast<std::size_t>(r)]; }
  std::string summary() const {
    std::string s =
        "delivered " + std::to_string(delivered) + " overlaps " + std::to_string(overlaps);
    for (std::size_t i = 0; i < kReasonCount; ++i) {
      if (by_reason[i] != 0) {
        s += " " + std::string(to_string(static_cast<Reason>(i))) + " " +
             std::to_string(by_reason[i]);
      }
    }
    return s;
  }
};

// Runs both engines in lockstep; the first difference fails with context.
::testing::AssertionResult run_lockstep(const ReassemblyConfig& config,
                                        const std::vector<Step>& steps, Tally* tally = nullptr) {
  auto ref = make_engine("ref", config);
  auto fast = make_engine("fast", config);
  EventLog ref_log;
  EventLog fast_log;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const Step& s = steps[i];
    ref_log.clear();
    fast_log.clear();
    const Instant now = Instant::from_ns(s.now_ns);
    if (s.kind == Step::Kind::kPush) {
      ref->push(s.packet, now, ref_log);
      fast->push(s.packet, now, fast_log);
    } else {
      ref->expire(now, ref_log);
      fast->expire(now, fast_log);
    }
    const bool same_events = ref_log.events() == fast_log.events();
    const bool same_stats = ref->stats() == fast->stats();
    const bool same_expiry = ref->next_expiry() == fast->next_expiry();
    if (!same_events || !same_stats || !same_expiry) {
      std::ostringstream o;
      o << "step " << i << " of " << steps.size() << " ("
        << (s.kind == Step::Kind::kPush ? "push" : "expire") << " at " << s.now_ns << " ns, packet "
        << s.packet.size() << " octets) with " << describe(config) << "\n"
        << "  ref events:\n"
        << dump(ref_log.events()) << "  fast events:\n"
        << dump(fast_log.events());
      if (!same_stats) {
        o << "  ref stats:\n"
          << to_string(ref->stats()) << "  fast stats:\n"
          << to_string(fast->stats());
      }
      if (!same_expiry) {
        o << "  next_expiry differs\n";
      }
      return ::testing::AssertionFailure() << o.str();
    }
  }
  if (tally != nullptr) {
    tally->add(config, ref->stats());
  }
  return ::testing::AssertionSuccess();
}

// One datagram's worth of fragments, with the mischief a case asks for.
struct FlowPlan {
  RawPacket base;                  // key, flags, options of the offset-0 fragment
  std::vector<std::uint8_t> data;  // the datagram's data
  std::vector<std::uint8_t> later_options;
};

struct Mischief {
  double duplicate = 0;
  double overlap = 0;
  double tiny = 0;
  double empty = 0;
  double unaligned = 0;
  double conflicting_end = 0;
  double lose = 0;
  double foreign_bytes = 0;  // overlaps carry other bytes than the datagram's
  double late_end = 0;       // the last piece first comes with MF = 1, then again with MF = 0
  double ecn_mix = 0;        // a fragment's ECN codepoint differs from its datagram's
  double df_mix = 0;         // a fragment's DF differs from its datagram's
  double beyond = 0;         // a fragment near offset 65528 that ends past 65535
  double options = 0;
};

RawPacket piece(const FlowPlan& plan, std::size_t offset, std::size_t length, bool more,
                TrafficGenerator& g, const Mischief& m) {
  RawPacket r = plan.base;
  r.offset = offset;
  r.more = more;
  if (offset != 0) {
    r.options = plan.later_options;
  }
  if (g.chance(m.ecn_mix)) {
    r.tos = static_cast<std::uint8_t>((r.tos & 0xfc) | g.uniform(0, 3));
  }
  if (g.chance(m.df_mix)) {
    r.dont_fragment = !r.dont_fragment;
  }
  if (offset < plan.data.size() && !g.chance(m.foreign_bytes)) {
    const std::size_t have = std::min(length, plan.data.size() - offset);
    r.payload.assign(plan.data.begin() + static_cast<std::ptrdiff_t>(offset),
                     plan.data.begin() + static_cast<std::ptrdiff_t>(offset + have));
    const auto extra = g.bytes(length - have);
    r.payload.insert(r.payload.end(), extra.begin(), extra.end());
  } else {
    r.payload = g.bytes(length);
  }
  return r;
}

std::size_t round8(std::size_t n) {
  return n / 8 * 8;
}

// The fragments of one datagram, in some order, with mischief.
std::vector<std::vector<std::uint8_t>> flow_packets(const FlowPlan& plan, TrafficGenerator& g,
                                                    const Mischief& m, std::size_t max_piece) {
  const std::size_t total = plan.data.size();
  std::vector<RawPacket> out;
  for (std::size_t at = 0; at < total;) {
    std::size_t len =
        g.chance(m.tiny) ? 8 : round8(g.uniform(8, std::max<std::size_t>(8, max_piece)));
    len = std::max<std::size_t>(8, len);
    const bool last = at + len >= total;
    if (last) {
      len = total - at;
    }
    if (last && len % 8 == 0 && g.chance(m.late_end)) {
      out.push_back(piece(plan, at, len, true, g, Mischief{}));
    }
    if (!g.chance(m.lose)) {
      RawPacket r = piece(plan, at, len, !last, g, m);
      if (!last && g.chance(m.unaligned)) {
        r.payload.resize(r.payload.size() + g.uniform(1, 7), 0x5a);
      }
      out.push_back(std::move(r));
    }
    at += len;
  }
  const std::size_t n = out.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (g.chance(m.duplicate)) {
      RawPacket d = out[g.uniform(0, n - 1)];
      if (g.chance(0.3) && !d.payload.empty()) {
        d.payload[g.uniform(0, d.payload.size() - 1)] ^= 0xff;  // same place, other bytes
      }
      out.push_back(std::move(d));
    }
    if (g.chance(m.overlap)) {
      const std::size_t off = round8(g.uniform(0, total + 16));
      const std::size_t len =
          g.chance(0.5) ? round8(g.uniform(8, 64)) : round8(g.uniform(8, total + 8));
      const bool more = !(off + len >= total && g.chance(0.5));
      out.push_back(piece(plan, off,
                          more ? std::max<std::size_t>(8, len) : total - std::min(off, total), more,
                          g, m));
    }
    if (g.chance(m.beyond)) {
      // Queued by linux (no per-fragment size check in the kernel), refused
      // by the other policies; either way never delivered. (One generator
      // call per statement: argument order differs between compilers.)
      const std::size_t off = round8(g.uniform(60000, 65528));
      const std::size_t len = round8(g.uniform(8, 9000)) + 8;
      const bool more = g.chance(0.5);
      out.push_back(piece(plan, off, len, more, g, m));
    }
    if (g.chance(m.empty)) {
      const std::size_t off = round8(g.uniform(0, total));
      const bool more = g.chance(0.7);
      out.push_back(piece(plan, off, 0, more, g, m));
    }
    if (g.chance(m.conflicting_end)) {
      const std::size_t end = g.uniform(1, total + 24);
      const std::size_t off = round8(g.uniform(0, end - 1));
      out.push_back(piece(plan, off, end - off, false, g, m));
    }
  }
  switch (g.uniform(0, 3)) {
    case 0:
      break;  // in order (mischief at the end)
    case 1:
      std::reverse(out.begin(), out.end());
      break;
    case 2:
      std::shuffle(out.begin(), out.end(), std::mt19937_64(g.next()));
      break;
    default:  // mostly in order: a few swaps
      for (std::size_t k = 0; k + 1 < out.size(); ++k) {
        if (g.chance(0.2)) {
          std::swap(out[k], out[k + 1]);
        }
      }
  }
  std::vector<std::vector<std::uint8_t>> packets;
  packets.reserve(out.size());
  for (const RawPacket& r : out) {
    packets.push_back(emit_raw(r));
  }
  return packets;
}

FlowPlan plan_flow(TrafficGenerator& g, std::size_t size, std::size_t keys, const Mischief& m) {
  FlowPlan p;
  p.base.source = 0xc0000201 + static_cast<std::uint32_t>(g.uniform(0, keys > 2 ? 1 : 0));
  p.base.destination = 0xc6336402;
  p.base.protocol = static_cast<std::uint8_t>(g.chance(0.8) ? 17 : 6);
  p.base.identification = static_cast<std::uint16_t>(g.uniform(1, keys));
  p.base.dont_fragment = g.chance(0.1);
  p.base.reserved = g.chance(0.05);
  p.base.tos = static_cast<std::uint8_t>(g.uniform(0, 3));
  p.base.ttl = static_cast<std::uint8_t>(g.uniform(1, 255));
  if (g.chance(m.options)) {
    p.base.options = g.options();
    if (g.chance(0.5)) {
      p.later_options = g.options();
    }
  }
  p.data = g.bytes(size);
  return p;
}

struct CaseShape {
  std::size_t flows_min = 1, flows_max = 4;
  std::size_t size_min = 1, size_max = 3000;
  std::size_t max_piece = 600;
  std::size_t keys = 4;
  double garbage = 0.02;
  double expire_step = 0.03;
  double time_back = 0.02;
  double time_jump = 0.03;
  std::int64_t step_divisor = 20;  // ordinary clock steps are up to timeout / this
  Mischief mischief;
};

std::vector<Step> make_case(TrafficGenerator& g, const CaseShape& shape,
                            const ReassemblyConfig& config) {
  std::vector<std::vector<std::vector<std::uint8_t>>> flows;
  const std::size_t nflows = g.uniform(shape.flows_min, shape.flows_max);
  RawPacket like;
  for (std::size_t i = 0; i < nflows; ++i) {
    const FlowPlan plan =
        plan_flow(g, g.uniform(shape.size_min, shape.size_max), shape.keys, shape.mischief);
    like = plan.base;
    flows.push_back(flow_packets(plan, g, shape.mischief, shape.max_piece));
  }
  std::vector<std::size_t> cursor(flows.size(), 0);
  std::vector<Step> steps;
  std::int64_t now = 1'000'000'000 + static_cast<std::int64_t>(g.uniform(0, 1000));
  const std::int64_t timeout = config.timeout.ns();
  while (true) {
    std::vector<std::size_t> open;
    for (std::size_t f = 0; f < flows.size(); ++f) {
      if (cursor[f] < flows[f].size()) {
        open.push_back(f);
      }
    }
    if (open.empty()) {
      break;
    }
    // Clock: mostly small steps forward; sometimes past the timeout, exactly
    // onto it, or backwards.
    if (g.chance(shape.time_back)) {
      now -= static_cast<std::int64_t>(g.uniform(1, static_cast<std::size_t>(timeout)));
    } else if (g.chance(shape.time_jump)) {
      now += g.chance(0.5)
                 ? timeout
                 : static_cast<std::int64_t>(g.uniform(1, 3 * static_cast<std::size_t>(timeout)));
    } else {
      now += static_cast<std::int64_t>(
          g.uniform(0, static_cast<std::size_t>(timeout / shape.step_divisor + 1)));
    }
    if (g.chance(shape.expire_step)) {
      steps.push_back(Step{Step::Kind::kExpire, now, {}});
      continue;
    }
    if (g.chance(shape.garbage)) {
      steps.push_back(Step{Step::Kind::kPush, now, g.garbage(like)});
      continue;
    }
    const std::size_t f = open[g.uniform(0, open.size() - 1)];
    steps.push_back(Step{Step::Kind::kPush, now, flows[f][cursor[f]++]});
  }
  steps.push_back(Step{Step::Kind::kExpire, now + timeout / 2, {}});
  steps.push_back(Step{Step::Kind::kExpire, now + timeout, {}});
  return steps;
}

Tally run_cases(const char* name, std::uint64_t seed, std::size_t cases, const CaseShape& shape,
                bool small_memory = false) {
  TrafficGenerator g(seed);
  Tally tally;
  for (std::size_t i = 0; i < cases; ++i) {
    ReassemblyConfig config = g.config();
    if (small_memory) {
      config.high_threshold = g.uniform(300, 20000);
      config.low_threshold = g.uniform(0, config.high_threshold);
    }
    const std::vector<Step> steps = make_case(g, shape, config);
    EXPECT_TRUE(run_lockstep(config, steps, &tally))
        << name << " case " << i << " (seed " << seed << ")";
    if (::testing::Test::HasFailure()) {
      break;
    }
  }
  std::printf("  %s: %s\n", name, tally.summary().c_str());
  return tally;
}

// Every policy delivered datagrams and saw overlaps.
void expect_every_policy_exercised(const Tally& t) {
  for (std::size_t p = 0; p < kAllPolicies.size(); ++p) {
    EXPECT_GT(t.oks_by_policy[p], 0u) << to_string(kAllPolicies[p]);
    EXPECT_GT(t.overlaps_by_policy[p], 0u) << to_string(kAllPolicies[p]);
  }
}

TEST(FastEngine, IsRegisteredSecondAfterRef) {
  ASSERT_GE(engine_registry().size(), 2u);
  EXPECT_EQ(engine_registry()[0].name, "ref");
  EXPECT_EQ(engine_registry()[1].name, "fast");
  EXPECT_EQ(make_engine("fast", {})->name(), "fast");
}

TEST(FastEngineDifferential, CleanTrainsInAnyOrder) {
  CaseShape s;
  s.size_max = 9000;
  s.max_piece = 1480;
  s.garbage = 0;
  s.mischief.df_mix = 0.1;
  s.mischief.ecn_mix = 0.02;
  s.time_back = 0.005;
  s.time_jump = 0.005;
  s.step_divisor = 200;
  const Tally t = run_cases("clean", 1, 600, s);
  EXPECT_GT(t.delivered, 500u);
  EXPECT_GT(t.count(Reason::kTooManyFragments), 0u);
  EXPECT_GT(t.count(Reason::kTooManyDatagrams), 0u);
}

TEST(FastEngineDifferential, DuplicatesAndOverlaps) {
  CaseShape s;
  s.mischief.duplicate = 0.3;
  s.mischief.overlap = 0.3;
  s.mischief.foreign_bytes = 0.3;
  s.mischief.late_end = 0.3;
  s.mischief.ecn_mix = 0.1;
  s.mischief.df_mix = 0.2;
  s.size_max = 2500;
  s.max_piece = 300;
  const Tally t = run_cases("overlaps", 2, 1500, s);
  expect_every_policy_exercised(t);
  EXPECT_GT(t.count(Reason::kDuplicate), 100u);
  EXPECT_GT(t.count(Reason::kOverlap), 100u);
  EXPECT_GT(t.count(Reason::kEcnMismatch), 0u);
}

TEST(FastEngineDifferential, TinyEmptyUnalignedAndConflictingEnds) {
  CaseShape s;
  s.mischief.tiny = 0.4;
  s.mischief.empty = 0.1;
  s.mischief.unaligned = 0.1;
  s.mischief.conflicting_end = 0.05;
  s.mischief.late_end = 0.2;
  s.mischief.ecn_mix = 0.05;
  s.mischief.df_mix = 0.1;
  s.mischief.duplicate = 0.1;
  s.mischief.overlap = 0.1;
  s.size_max = 400;
  s.max_piece = 64;
  const Tally t = run_cases("tiny", 3, 1500, s);
  expect_every_policy_exercised(t);
  for (Reason r : {Reason::kEmptyFragment, Reason::kUnalignedFragment, Reason::kConflictingEnd,
                   Reason::kPastEnd, Reason::kDuplicate, Reason::kOverlap}) {
    EXPECT_GT(t.count(r), 0u) << to_string(r);
  }
}

TEST(FastEngineDifferential, TimeoutsAndClockSteps) {
  CaseShape s;
  s.mischief.lose = 0.2;
  s.mischief.overlap = 0.05;
  s.flows_max = 8;
  s.time_back = 0.1;
  s.time_jump = 0.1;
  s.expire_step = 0.1;
  s.size_max = 1500;
  s.max_piece = 200;
  const Tally t = run_cases("timeouts", 4, 1000, s);
  EXPECT_GT(t.count(Reason::kTimeout), 500u);
}

TEST(FastEngineDifferential, MemoryPressureAndCaps) {
  CaseShape s;
  s.mischief.lose = 0.1;
  s.mischief.duplicate = 0.1;
  s.mischief.overlap = 0.1;
  s.flows_max = 10;
  s.size_max = 4000;
  s.max_piece = 500;
  const Tally t = run_cases("memory", 5, 800, s, /*small_memory=*/true);
  EXPECT_GT(t.count(Reason::kEvicted), 100u);
  EXPECT_GT(t.count(Reason::kMemoryLimit), 100u);
}

TEST(FastEngineDifferential, OptionsHeadersAndStrip) {
  CaseShape s;
  s.mischief.options = 0.9;
  s.mischief.duplicate = 0.1;
  s.mischief.overlap = 0.1;
  s.size_max = 1200;
  s.max_piece = 256;
  s.garbage = 0.1;
  const Tally t = run_cases("options", 6, 800, s);
  for (Reason r : {Reason::kTruncated, Reason::kBadVersion, Reason::kBadHeaderLength,
                   Reason::kBadTotalLength, Reason::kBadChecksum, Reason::kBadOptions}) {
    EXPECT_GT(t.count(r), 0u) << to_string(r);
  }
}

TEST(FastEngineDifferential, ManyInterleavedFlowsWithSharedKeys) {
  CaseShape s;
  s.flows_min = 20;
  s.flows_max = 60;
  s.keys = 40;
  s.size_max = 700;
  s.max_piece = 200;
  s.mischief.lose = 0.05;
  s.mischief.duplicate = 0.05;
  s.mischief.overlap = 0.05;
  s.step_divisor = 5000;
  const Tally t = run_cases("interleaved", 7, 150, s);
  EXPECT_GT(t.delivered, 500u);
}

TEST(FastEngineDifferential, LargeDatagramsNear64KiB) {
  CaseShape s;
  s.flows_max = 2;
  s.size_min = 30000;
  s.size_max = 65515;
  s.max_piece = 8000;
  s.mischief.options = 0.5;  // a long offset-0 header can push the total past 65535
  s.mischief.overlap = 0.1;
  s.mischief.duplicate = 0.1;
  s.mischief.conflicting_end = 0.02;
  s.mischief.lose = 0.02;
  s.mischief.beyond = 0.02;
  s.mischief.ecn_mix = 0.01;
  s.mischief.df_mix = 0.05;
  const Tally t = run_cases("large", 8, 120, s);
  EXPECT_GT(t.delivered, 30u);
  EXPECT_GT(t.count(Reason::kOversize), 0u);
}

TEST(FastEngineDifferential, OverlapStormsInOneDatagram) {
  // Hundreds of random overlapping fragments into one datagram, crossing the
  // small buffer class's 2048 octets: every policy's exact path.
  TrafficGenerator g(9);
  Tally tally;
  for (std::size_t i = 0; i < 400; ++i) {
    ReassemblyConfig config;
    config.policy = kAllPolicies[i % kAllPolicies.size()];
    const std::size_t total = g.uniform(64, 5000);
    FlowPlan plan;
    plan.data = g.bytes(total);
    std::vector<Step> steps;
    std::int64_t now = 1'000'000;
    const std::size_t n = g.uniform(50, 600);
    // Coarse offsets make many fragments share a start (windows / solaris
    // keep lists per start block; bsd trims at equal offsets).
    const std::size_t grain = g.chance(0.5) ? 8 : 8 * g.uniform(2, 16);
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t off = (g.uniform(0, total - 1) / grain) * grain;
      const bool last = g.chance(0.05);
      std::size_t len = last ? total - off : round8(g.uniform(8, g.chance(0.8) ? 96 : total));
      len = std::max<std::size_t>(len, last ? 1 : 8);
      Mischief m;
      m.foreign_bytes = 0.2;
      steps.push_back(Step{Step::Kind::kPush, now++, emit_raw(piece(plan, off, len, !last, g, m))});
    }
    // Then a clean train: completes what the storm left (or a fresh datagram
    // where the policy discarded it).
    for (std::size_t at = 0; at < total;) {
      const std::size_t len = std::min(total - at, round8(g.uniform(8, 512)) + 8);
      steps.push_back(Step{Step::Kind::kPush, now++,
                           emit_raw(piece(plan, at, len, at + len < total, g, Mischief{}))});
      at += len;
    }
    ASSERT_TRUE(run_lockstep(config, steps, &tally)) << "storm case " << i;
  }
  std::printf("  storms: %s\n", tally.summary().c_str());
  expect_every_policy_exercised(tally);
}

// Known patterns, named.
TEST(FastEngineDifferential, ClockGoingBackwardsKeepsDeadlineOrder) {
  for (Policy p : kAllPolicies) {
    ReassemblyConfig config;
    config.policy = p;
    config.timeout = Duration::seconds(10);
    std::vector<Step> steps;
    const std::int64_t s = 1'000'000'000;
    const std::vector<std::int64_t> times = {100 * s, 95 * s, 97 * s, 95 * s, 120 * s};
    for (std::size_t i = 0; i < times.size(); ++i) {
      steps.push_back(Step{Step::Kind::kPush, times[i],
                           test::frag(0, true, 'a', 16, static_cast<std::uint16_t>(i + 1))});
    }
    steps.push_back(Step{Step::Kind::kExpire, 106 * s, {}});
    steps.push_back(Step{Step::Kind::kExpire, 107 * s, {}});
    steps.push_back(Step{Step::Kind::kExpire, 200 * s, {}});
    ASSERT_TRUE(run_lockstep(config, steps)) << to_string(p);
  }
}

TEST(FastEngineDifferential, FragmentsEndingPast65535) {
  // linux queues them (the kernel has no per-fragment size check for IPv4)
  // and refuses the datagram at completion; the others drop them at once.
  // The fast engine needs its largest buffer class here (ends up to 131043).
  for (Policy p : kAllPolicies) {
    ReassemblyConfig config;
    config.policy = p;
    std::vector<Step> steps;
    std::int64_t now = 1'000'000'000;
    const std::size_t last_offset = 65528;
    steps.push_back(Step{Step::Kind::kPush, now++, test::frag(last_offset, false, 'z', 40000)});
    for (std::size_t at = 0; at < last_offset; at += 32768) {
      const std::size_t len = std::min<std::size_t>(32768, last_offset - at);
      steps.push_back(Step{Step::Kind::kPush, now++, test::frag(at, true, 'a', len)});
    }
    steps.push_back(Step{Step::Kind::kPush, now++, test::frag(last_offset, false, 'z', 40000)});
    ASSERT_TRUE(run_lockstep(config, steps)) << to_string(p);
  }
}

TEST(FastChecksum, MatchesReferenceOnRandomData) {
  TrafficGenerator g(10);
  for (std::size_t i = 0; i < 3000; ++i) {
    const auto data = g.chance(0.05) ? std::vector<std::uint8_t>(g.uniform(0, 100), 0)
                                     : g.bytes(g.uniform(0, i < 2000 ? 100 : 70000));
    const auto initial = static_cast<std::uint16_t>(g.chance(0.3) ? 0 : g.uniform(0, 0xffff));
    ASSERT_EQ(fast::ones_complement_sum(data, initial), ones_complement_sum(data, initial)) << i;
    ASSERT_EQ(fast::internet_checksum(data), internet_checksum(data)) << i;
  }
}

}  // namespace
}  // namespace ip4ref
