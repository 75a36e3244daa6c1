// shared_object_engine_test.cpp: a plug-in engine loaded through the C ABI
// (ip4ref/engine.h) is compared with the reference on what it can observe.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "ip4ref/fragmenter.h"
#include "ip4ref/reassembly_engine.h"
#include "packet_builder.h"

namespace ip4ref {
namespace {

const std::string kExample = std::string("so:") + IP4REF_EXAMPLE_ENGINE;

ReassemblyConfig first_policy() {
  ReassemblyConfig c;
  c.policy = Policy::kFirst;
  return c;
}

TEST(SharedObjectEngine, LoadsTheExampleAndReportsItsCapabilities) {
  std::string error;
  auto e = make_engine(kExample, first_policy(), &error);
  ASSERT_NE(e, nullptr) << error;
  EXPECT_EQ(e->name(), "example-first");
  EXPECT_NE(e->capabilities() & IP4REF_CAP_DELIVERED_BYTES, 0u);
  EXPECT_EQ(e->capabilities() & IP4REF_CAP_REASONS, 0u);
  EXPECT_EQ(e->capabilities() & kCapStats, 0u);
  EXPECT_EQ(describe_missing(e->capabilities()),
            "not compared: dropped packets, reasons, discarded datagrams, stats");
}

TEST(SharedObjectEngine, ErrorsSayWhatWentWrong) {
  std::string error;
  EXPECT_EQ(make_engine("so:/nonexistent/libnothing.so", {}, &error), nullptr);
  EXPECT_NE(error.find("cannot load engine '/nonexistent/libnothing.so'"), std::string::npos)
      << error;
  EXPECT_EQ(make_engine(kExample, ReassemblyConfig{}, &error), nullptr);  // policy linux
  EXPECT_NE(error.find("refused the configuration (policy linux)"), std::string::npos) << error;
  EXPECT_EQ(make_engine("nope", {}, &error), nullptr);
  EXPECT_EQ(error, "unknown engine 'nope'");
}

TEST(SharedObjectEngine, AgreesWithTheReferenceOnShuffledTrainsWithDuplicatesAndTimeouts) {
  std::mt19937 rng(11);
  auto plugin = make_engine(kExample, first_policy());
  auto reference = make_engine("ref", first_policy());
  ASSERT_NE(plugin, nullptr);
  const std::uint32_t common = plugin->capabilities() & reference->capabilities();
  Instant now = Instant::from_ns(5);
  for (int round = 0; round < 200; ++round) {
    test::FragmentSpec s;
    s.id = static_cast<std::uint16_t>(round);
    s.payload.resize(1 + rng() % 5000);
    std::generate(s.payload.begin(), s.payload.end(), [&] { return std::uint8_t(rng()); });
    FragmentResult fr = fragment(test::build(s), 68 + rng() % 1500);
    ASSERT_TRUE(fr.ok());
    auto train = fr.fragments;
    if (rng() % 2 == 0) {
      train.push_back(train[rng() % train.size()]);
    }
    if (rng() % 5 == 0 && train.size() > 1) {
      train.pop_back();  // left incomplete: must time out in both
    }
    std::shuffle(train.begin(), train.end(), rng);
    for (const auto& p : train) {
      EventLog a;
      EventLog b;
      plugin->push(p, now, a);
      reference->push(p, now, b);
      ASSERT_EQ(observable(a.events(), common), observable(b.events(), common));
      ASSERT_EQ(plugin->next_expiry(), reference->next_expiry());
      now = now + Duration::milliseconds(1 + rng() % 400);
    }
  }
}

}  // namespace
}  // namespace ip4ref
