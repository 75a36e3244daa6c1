// oracle_model_test.cpp: the kernel-quirk model and the train generator of
// ip4ref-oracle, without a kernel (ctest label `unit`).
#include <gtest/gtest.h>

#include "ip4ref/ipv4_header.h"
#include "ip4ref/reassembly_engine.h"
#include "oracle_kernel_model.h"
#include "oracle_train.h"

namespace ip4ref::oracle {
namespace {

Train one_flow(std::vector<FragmentRecipe> packets) {
  Train t;
  t.flows = {Flow{0xc000020a, 0xc6336401, 17, 0x1234}};
  t.packets = std::move(packets);
  return t;
}

FragmentRecipe piece(std::uint32_t offset, std::uint32_t length, bool more, std::uint8_t ecn = 0) {
  FragmentRecipe r;
  r.offset = offset;
  r.length = length;
  r.more = more;
  r.fill = 0x41;
  r.ecn = ecn;
  return r;
}

std::vector<RecordedEvent> predicted(const Train& t, std::uint32_t quirks) {
  return predict(build_packets(t), quirks, ReassemblyConfig{}, {});
}

TEST(KernelModel, WithoutQuirksItIsTheReference) {
  const Train t = one_flow({piece(16, 8, false), piece(0, 16, true)});
  const auto packets = build_packets(t);
  auto ref = make_engine("ref", ReassemblyConfig{});
  EventLog log;
  for (const auto& p : packets) {
    ref->push(p, Instant{}, log);
  }
  EXPECT_EQ(observable(predicted(t, 0), IP4REF_CAP_DELIVERED_BYTES),
            observable(log.events(), IP4REF_CAP_DELIVERED_BYTES));
}

struct EcnCase {
  const char* name;
  std::uint8_t first, second;
  bool delivered;
  std::uint8_t tos;
};

TEST(KernelModel, EcnFollowsIpFragEcnTable) {
  const EcnCase cases[] = {
      {"not-ect alone", 0, 0, true, 0},     {"ect(0) alone", 2, 2, true, 2},
      {"not-ect + ect(0)", 0, 2, false, 0}, {"not-ect + ce", 3, 0, false, 0},
      {"ce + ect(0)", 2, 3, true, 3},       {"ect(1) + ce", 1, 3, true, 3},
      {"ect(0) + ect(1)", 2, 1, true, 2},   {"ce alone", 3, 3, true, 3},
  };
  for (const EcnCase& c : cases) {
    const auto got = predicted(
        one_flow({piece(0, 16, true, c.first), piece(16, 8, false, c.second)}), kEcnCombination);
    ASSERT_EQ(got.size(), c.delivered ? 1u : 0u) << c.name;
    if (c.delivered) {
      EXPECT_EQ(got[0].bytes[ipv4_field::kTos], c.tos) << c.name;
      EXPECT_TRUE(Ipv4View::parse(got[0].bytes)->checksum_ok()) << c.name;
    }
  }
}

TEST(KernelModel, DfIsSetOnlyWhenTheLargestFragmentHadIt) {
  FragmentRecipe small = piece(0, 8, true), large = piece(8, 64, false);
  small.dont_fragment = true;
  auto got = predicted(one_flow({small, large}), kDfLargestFragment);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].bytes[ipv4_field::kFlagsFragment] & 0x40, 0);
  large.dont_fragment = true;
  small.dont_fragment = false;
  got = predicted(one_flow({small, large}), kDfLargestFragment);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].bytes[ipv4_field::kFlagsFragment] & 0x40, 0x40);
}

TEST(KernelModel, ReservedFlagIsCleared) {
  FragmentRecipe first = piece(0, 8, true);
  first.reserved = true;
  const auto got = predicted(one_flow({first, piece(8, 8, false)}), kReservedFlagCleared);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].bytes[ipv4_field::kFlagsFragment] & 0x80, 0);
  // The reference's rules (quirks 0) include this since the first campaign.
  const auto ref = predicted(one_flow({first, piece(8, 8, false)}), 0);
  EXPECT_EQ(ref[0].bytes[ipv4_field::kFlagsFragment] & 0x80, 0);
}

TEST(KernelModel, OptionsTheKernelRejects) {
  struct Case {
    const char* name;
    std::vector<std::uint8_t> options;
    bool rejected;
  };
  const Case cases[] = {
      {"four NOPs", {1, 1, 1, 1}, false},
      {"record route, pointer 4", {7, 7, 4, 0, 0, 0, 0, 0}, false},
      {"record route, pointer 3", {7, 7, 3, 0, 0, 0, 0, 0}, true},
      {"loose source route", {131, 7, 4, 192, 0, 2, 1, 0}, true},
      {"timestamp, flag 0", {68, 12, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0}, false},
      {"timestamp, flag 2 (undefined: an error only when sending)",
       {68, 12, 5, 2, 0, 0, 0, 0, 0, 0, 0, 0},
       false},
      {"timestamp, pointer 4", {68, 12, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0}, true},
      {"timestamp full, overflow 15", {68, 12, 13, 0xf0, 0, 0, 0, 0, 0, 0, 0, 0}, true},
      {"router alert, length 2", {148, 2, 1, 1}, true},
      {"CIPSO (no DOI configured)", {134, 6, 0, 0, 0, 1, 0, 0}, true},
      {"router alert", {148, 4, 0, 0}, false},
      {"two record routes", {7, 3, 4, 7, 3, 4, 0, 0}, true},
  };
  for (const Case& c : cases) {
    std::vector<std::uint8_t> p(20 + c.options.size(), 0);
    p[0] = static_cast<std::uint8_t>(0x40 | (p.size() / 4));
    p[3] = static_cast<std::uint8_t>(p.size());
    std::copy(c.options.begin(), c.options.end(), p.begin() + 20);
    EXPECT_EQ(kernel_rejects_options(p), c.rejected) << c.name;
  }
}

TEST(KernelModel, MaxDistReinitThrowsAwayTheEarlierFragments) {
  // Flow 0's first fragment, then 65 fragments of other datagrams from the
  // same source, then flow 0's last: 66 - 0 > 64 -> ip_frag_reinit.
  Train t = one_flow({piece(0, 8, true)});
  for (std::uint16_t i = 0; i < 65; ++i) {
    t.flows.push_back(Flow{0xc000020a, 0xc6336401, 17, static_cast<std::uint16_t>(0x2000 + i)});
    FragmentRecipe other = piece(8, 8, true);
    other.flow = static_cast<std::uint8_t>(t.flows.size() - 1 > 255 ? 255 : t.flows.size() - 1);
    t.packets.push_back(other);
  }
  t.packets.push_back(piece(8, 8, false));
  EXPECT_EQ(predicted(t, 0).size(), 1u);
  EXPECT_EQ(predicted(t, kMaxDistReinit).size(), 0u);
}

TEST(KernelModel, QuirkNamesAreStable) {
  EXPECT_EQ(quirk_set_name(0), "none");
  EXPECT_EQ(quirk_set_name(kDfLargestFragment | kEcnCombination),
            "df-largest-fragment+ecn-combination");
}

TEST(TrainGenerator, SameSeedSameTrain) {
  Rng a(42), b(42);
  const GeneratorOptions g;
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(describe(generate_train(a, g)), describe(generate_train(b, g)));
  }
}

TEST(TrainGenerator, PacketsAreWellFormedIpv4) {
  Rng rng(5);
  const GeneratorOptions g;
  for (int i = 0; i < 200; ++i) {
    const Train t = generate_train(rng, g);
    for (const auto& p : build_packets(t)) {
      auto v = Ipv4View::parse(p);
      ASSERT_TRUE(v.has_value());
      EXPECT_TRUE(v->checksum_ok());
    }
  }
}

}  // namespace
}  // namespace ip4ref::oracle
