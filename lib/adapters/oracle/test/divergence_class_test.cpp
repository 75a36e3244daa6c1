// divergence_class_test.cpp: each class of divergence_class.h from a
// hand-written train (oracle_train.h notation) run through the reference,
// against an "engine" whose events are the reference's, edited the way a
// differing implementation would differ. Label unit.
#include "divergence_class.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "engine_oracle.h"
#include "ip4ref/bytes.h"
#include "ip4ref/policy.h"
#include "ip4ref/reassembly_engine.h"
#include "oracle_train.h"

namespace ip4ref::oracle {
namespace {

std::vector<Packet> train(const std::string& spec) {
  Train t;
  std::string error;
  EXPECT_TRUE(parse_train(spec, &t, &error)) << error;
  return build_packets(t);
}

TrainEvents run(const std::vector<Packet>& packets, Policy policy = Policy::kLinux) {
  ReassemblyConfig config;
  config.policy = policy;
  auto ref = make_engine("ref", config);
  EventLog log;
  TrainEvents out;
  for (std::size_t i = 0; i < packets.size(); ++i) {
    ref->push(packets[i], Instant::from_ns(static_cast<std::int64_t>(i) * 1000), log);
    out.packet_of.resize(log.events().size(), i);
  }
  out.events = log.events();
  return out;
}

// The reference's events with only the deliveries, each edited by `edit`.
template <typename Edit>
TrainEvents deliveries_edited(const TrainEvents& t, Edit edit) {
  TrainEvents out;
  for (std::size_t i = 0; i < t.events.size(); ++i) {
    if (t.events[i].kind == RecordedEvent::Kind::kDelivered) {
      RecordedEvent e = t.events[i];
      edit(e);
      out.events.push_back(e);
      out.packet_of.push_back(t.packet_of[i]);
    }
  }
  return out;
}

TrainEvents nothing() {
  return {};
}

TrainEvents delivered(const Packet& bytes, std::uint32_t count, std::size_t packet) {
  RecordedEvent e;
  e.kind = RecordedEvent::Kind::kDelivered;
  e.bytes = bytes;
  e.fragment_count = count;
  return TrainEvents{{e}, {packet}};
}

constexpr const char* kTwoFragments = "off 0 len 8 MF; off 8 len 8";

TEST(DivergenceClass, SameDeliveriesAgreeWhateverElseDiffers) {
  const auto p = train(kTwoFragments);
  const TrainEvents ref = run(p);
  EXPECT_EQ(classify(p, ref, ref, nullptr), "agree");
  // Fragment counts and non-delivery events are not compared.
  EXPECT_EQ(classify(p, ref, deliveries_edited(ref, [](RecordedEvent& e) { e.fragment_count = 0; }),
                     nullptr),
            "agree");
}

TEST(DivergenceClass, FirstDifferingHeaderFieldNamesTheClass) {
  const auto p = train(kTwoFragments);
  const TrainEvents ref = run(p);
  struct Case {
    const char* name;
    std::size_t octet;
    std::uint8_t flip;
    const char* expected;
  };
  const Case cases[] = {
      {"DF cleared", 6, 0x40, "differs-flags"},
      {"offset", 7, 0x01, "differs-fragment-offset"},
      {"tos", 1, 0x02, "differs-tos"},
      {"ttl", 8, 0x01, "differs-ttl"},
      {"checksum alone", 10, 0x01, "differs-header-checksum"},
      {"UDP length (transport header)", 24, 0x01, "differs-transport-header"},
      {"data past the UDP header", 30, 0x01, "differs-payload"},
  };
  for (const Case& c : cases) {
    const TrainEvents engine =
        deliveries_edited(ref, [&](RecordedEvent& e) { e.bytes[c.octet] ^= c.flip; });
    std::string detail;
    EXPECT_EQ(classify(p, ref, engine, &detail), c.expected) << c.name;
    EXPECT_NE(detail.find("octet " + std::to_string(c.octet)), std::string::npos) << detail;
  }
}

TEST(DivergenceClass, ExtraDeliveryIsNamedByTheReferencesReason) {
  // Under reject a partial overlap discards the datagram (RFC 5722).
  const auto p = train("off 0 len 16 MF; off 8 len 16");
  const TrainEvents ref = run(p, Policy::kReject);
  Packet whole = p[0];
  whole[6] = 0;  // MF cleared: a datagram of the same key, not one of the fragments
  EXPECT_EQ(classify(p, ref, delivered(whole, 0, 1), nullptr), "extra-ref-discarded-overlap");
  // Nothing received that ends the datagram: the reference is still waiting.
  const auto q = train("off 0 len 8 MF");
  EXPECT_EQ(classify(q, run(q), delivered(whole, 0, 0), nullptr), "extra-ref-incomplete");
}

TEST(DivergenceClass, AFragmentDeliveredAsItIsPassedThrough) {
  const auto p = train("off 16 len 8 MF");
  EXPECT_EQ(classify(p, run(p), delivered(p[0], 1, 0), nullptr), "fragment-passed-through");
}

TEST(DivergenceClass, MissingDeliveries) {
  const auto nine = train(
      "off 0 len 8 MF; off 8 len 8 MF; off 16 len 8 MF; off 24 len 8 MF; off 32 len 8 MF;"
      "off 40 len 8 MF; off 48 len 8 MF; off 56 len 8 MF; off 64 len 8");
  EXPECT_EQ(classify(nine, run(nine), nothing(), nullptr), "missing-more-than-8-fragments");
  // linux rounds an unaligned MF fragment's end down to 8 (RFC 791 3.2: only
  // the last fragment may carry a length that is not a multiple of 8).
  const auto unaligned = train("off 0 len 12 MF; off 8 len 8");
  EXPECT_EQ(classify(unaligned, run(unaligned), nothing(), nullptr), "missing-unaligned-fragment");
  const auto duplicate = train("off 0 len 8 MF; off 0 len 8 MF; off 8 len 8");
  EXPECT_EQ(classify(duplicate, run(duplicate), nothing(), nullptr),
            "missing-ref-dropped-duplicate");
  // Two different ends: the first datagram is discarded, the later fragments
  // make a new one.
  const auto restart = train("off 8 len 8; off 8 len 16; off 0 len 8 MF; off 8 len 8");
  EXPECT_EQ(classify(restart, run(restart), nothing(), nullptr),
            "missing-ref-restarted-after-conflicting-end");
  const auto plain = train(kTwoFragments);
  EXPECT_EQ(classify(plain, run(plain), nothing(), nullptr), "missing-other");
}

TEST(DivergenceClass, KeyCollisionsAreFoundAndRemovable) {
  const auto p = train("off 0 len 8 MF; off 8 len 8");
  ASSERT_EQ(p.size(), 2u);
  Packet other_protocol = p[0];
  other_protocol[9] = 6;  // same source, destination, id; TCP instead of UDP
  Packet reversed = p[1];
  std::swap_ranges(reversed.begin() + 12, reversed.begin() + 16, reversed.begin() + 16);
  const std::vector<Packet> train_with = {p[0], other_protocol, reversed, p[1]};
  const FragmentKey key{load_be32(p[0], 12), load_be32(p[0], 16), 17, load_be16(p[0], 4)};
  EXPECT_EQ(key_collisions(train_with, key),
            (std::vector<std::string>{"protocol-not-in-key", "direction-not-in-key"}));
  EXPECT_EQ(without_collisions(train_with, key, "protocol-not-in-key"),
            (std::vector<Packet>{p[0], reversed, p[1]}));
  EXPECT_EQ(without_collisions(train_with, key, "direction-not-in-key"),
            (std::vector<Packet>{p[0], other_protocol, p[1]}));
  EXPECT_TRUE(key_collisions(p, key).empty());
  Packet both = reversed;
  both[9] = 6;  // addresses swapped and another protocol
  const std::vector<Packet> with_both = {p[0], both, p[1]};
  EXPECT_EQ(key_collisions(with_both, key),
            (std::vector<std::string>{"protocol-and-direction-not-in-key"}));
  EXPECT_EQ(without_collisions(with_both, key, "protocol-and-direction-not-in-key"), p);
}

TEST(EngineOracle, TheFastEngineAgreesOnEveryTrain) {
  ReassemblyConfig config;
  for (Policy policy : {Policy::kLinux, Policy::kReject, Policy::kBsd, Policy::kWindows}) {
    config.policy = policy;
    std::string error;
    auto oracle = EngineOracle::create("fast", config, &error);
    ASSERT_TRUE(oracle) << error;
    EngineCampaignOptions o;
    o.trains = 300;
    o.progress_seconds = 0;
    std::ostringstream log;
    const EngineCampaignResult r = run_engine_campaign(*oracle, o, log);
    EXPECT_EQ(r.agree, 300u) << to_string(policy) << ": " << r.classes.begin()->first;
  }
}

TEST(EngineOracle, UnknownEngineIsAnError) {
  std::string error;
  EXPECT_FALSE(EngineOracle::create("no-such-engine", ReassemblyConfig{}, &error));
  EXPECT_NE(error.find("no-such-engine"), std::string::npos) << error;
}

}  // namespace
}  // namespace ip4ref::oracle
