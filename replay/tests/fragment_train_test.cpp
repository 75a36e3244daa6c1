// fragment_train_test.cpp: the trains `ip4ref fragment` makes, checked by
// reassembling them with the reference engine.
#include "fragment_train.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "ip4ref/ipv4_header.h"
#include "ip4ref/reassembly_engine.h"

namespace ip4ref::replay {
namespace {

using Packet = std::vector<std::uint8_t>;

Packet datagram(std::size_t payload, bool df = false, std::vector<Ipv4Option> options = {}) {
  Ipv4Header h;
  h.identification = 0x1234;
  h.protocol = 17;
  h.dont_fragment = df;
  h.source = 0xc0000201;
  h.destination = 0xc6336401;
  h.options = std::move(options);
  const std::size_t hl = h.size().value();
  h.total_length = static_cast<std::uint16_t>(hl + payload);
  Packet p(hl + payload);
  (void)h.emit(p);
  for (std::size_t i = hl; i < p.size(); ++i) {
    p[i] = static_cast<std::uint8_t>(i * 13);
  }
  return p;
}

struct Range {
  std::size_t begin, end;
  bool operator==(const Range&) const = default;
};
Range range(const Packet& p) {
  const Ipv4View v = *Ipv4View::parse(p);
  return {v.fragment_offset(), v.fragment_offset() + v.payload().size()};
}

// The datagrams the reference engine delivers from the train, in order.
std::vector<Packet> reassemble(const std::vector<Packet>& train, Policy policy) {
  ReassemblyConfig c;
  c.policy = policy;
  auto engine = make_engine("ref", c);
  EventLog log;
  for (const Packet& p : train) {
    engine->push(p, Instant{}, log);
  }
  std::vector<Packet> out;
  for (const RecordedEvent& e : log.events()) {
    if (e.kind == RecordedEvent::Kind::kDelivered) {
      out.push_back(e.bytes);
    }
  }
  return out;
}

Train make(const Packet& p, TrainOptions o) {
  return TrainMaker(o).make(p);
}

TEST(FragmentTrain, InOrderTrainReassemblesToTheInput) {
  const Packet d = datagram(4000);
  const Train t = make(d, {});
  ASSERT_EQ(t.outcome, TrainOutcome::kFragmented);
  EXPECT_EQ(t.packets.size(), 3u);  // 1480 + 1480 + 1040
  EXPECT_EQ(reassemble(t.packets, Policy::kLinux), std::vector<Packet>{d});
}

TEST(FragmentTrain, OptionsFollowRfc791CopiedFlag) {
  const Ipv4Option router_alert{0x94, {0, 0}};           // copied flag set (RFC 2113)
  const Ipv4Option record_route{0x07, {4, 0, 0, 0, 0}};  // not copied
  const Packet d = datagram(3000, false, {router_alert, record_route});
  const Train t = make(d, {});
  ASSERT_EQ(t.outcome, TrainOutcome::kFragmented);
  EXPECT_EQ(Ipv4View::parse(t.packets[0])->header_length(), 32u);
  EXPECT_EQ(Ipv4View::parse(t.packets[1])->header_length(), 24u);
  EXPECT_EQ(reassemble(t.packets, Policy::kLinux), std::vector<Packet>{d});
}

TEST(FragmentTrain, FitsTheMtuOrDontFragmentMeansUnchanged) {
  EXPECT_EQ(make(datagram(100), {}).outcome, TrainOutcome::kUnchanged);
  const Packet df = datagram(4000, true);
  const Train kept = make(df, {});
  EXPECT_EQ(kept.outcome, TrainOutcome::kDontFragment);
  EXPECT_EQ(kept.packets, std::vector<Packet>{df});
  TrainOptions o;
  o.ignore_df = true;
  const Train cut = make(df, o);
  ASSERT_EQ(cut.outcome, TrainOutcome::kFragmented);
  EXPECT_FALSE(Ipv4View::parse(reassemble(cut.packets, Policy::kLinux).at(0))->dont_fragment());
  EXPECT_EQ(make(Packet{0x45, 0}, {}).outcome, TrainOutcome::kMalformed);
}

TEST(FragmentTrain, TinyFirstFragmentCarriesOneBlock) {
  TrainOptions o;
  o.tiny = true;
  const Packet d = datagram(1000);
  const Train t = make(d, o);
  ASSERT_EQ(t.outcome, TrainOutcome::kFragmented);
  EXPECT_EQ(range(t.packets[0]), (Range{0, 8}));
  EXPECT_EQ(range(t.packets[1]), (Range{8, 1000}));
  EXPECT_EQ(reassemble(t.packets, Policy::kLinux), std::vector<Packet>{d});
}

TEST(FragmentTrain, RandomOrderIsASeededPermutation) {
  TrainOptions o;
  o.mtu = 576;
  o.order = TrainOrder::kRandom;
  o.seed = 7;
  const Packet d = datagram(8000);
  const Train a = make(d, o), b = make(d, o);
  EXPECT_EQ(a.packets, b.packets);
  // is_permutation rather than sorting both: g++ 12 -O3 warns a false
  // -Wstringop-overread in std::sort's vector comparison (a Release build).
  const auto in_order = make(d, TrainOptions{.mtu = 576}).packets;
  EXPECT_EQ(a.packets.size(), in_order.size());
  EXPECT_TRUE(
      std::is_permutation(a.packets.begin(), a.packets.end(), in_order.begin(), in_order.end()));
  EXPECT_EQ(reassemble(a.packets, Policy::kLinux), std::vector<Packet>{d});
}

TEST(FragmentTrain, DuplicateOneSendsEveryFragmentTwice) {
  TrainOptions o;
  o.duplicate = 1.0;
  const Train t = make(datagram(4000), o);
  ASSERT_EQ(t.packets.size(), 6u);
  EXPECT_EQ(t.duplicates, 3u);
  EXPECT_EQ(t.packets[0], t.packets[1]);
}

struct OverlapCase {
  const char* name;
  OverlapKind kind;
  Range decoy;  // for a 4000-octet datagram at MTU 1500: [0,1480) [1480,2960) [2960,4000)
  std::size_t after;
};

class Overlaps : public ::testing::TestWithParam<OverlapCase> {};

TEST_P(Overlaps, DecoyHasTheDocumentedGeometryAndComplementedBytes) {
  TrainOptions o;
  o.overlap = GetParam().kind;
  const Packet d = datagram(4000);
  const Train t = make(d, o);
  ASSERT_TRUE(t.overlap_applied);
  ASSERT_EQ(t.packets.size(), 4u);
  const Packet& decoy = t.packets[GetParam().after + 1];
  EXPECT_EQ(range(decoy), GetParam().decoy);
  const Ipv4View v = *Ipv4View::parse(decoy);
  EXPECT_EQ(v.payload()[0], static_cast<std::uint8_t>(~d[20 + GetParam().decoy.begin]));
  // Genuine data arrives first: `first` keeps it, `last` lets the decoy win.
  EXPECT_EQ(reassemble(t.packets, Policy::kFirst), std::vector<Packet>{d});
  const auto last = reassemble(t.packets, Policy::kLast);
  ASSERT_EQ(last.size(), 1u);
  EXPECT_NE(last[0], d);
}

INSTANTIATE_TEST_SUITE_P(
    Kinds, Overlaps,
    ::testing::Values(OverlapCase{"contained", OverlapKind::kContained, {8, 1472}, 0},
                      OverlapCase{"same_start", OverlapKind::kSameStart, {0, 1472}, 0},
                      OverlapCase{"same_end", OverlapKind::kSameEnd, {8, 1480}, 0},
                      OverlapCase{"exact", OverlapKind::kExact, {0, 1480}, 0},
                      OverlapCase{"partial_head", OverlapKind::kPartialHead, {1472, 2224}, 1},
                      OverlapCase{"partial_tail", OverlapKind::kPartialTail, {736, 1488}, 1}),
    [](const auto& p) { return std::string(p.param.name); });

TEST(FragmentTrain, NovakPatternNamesThePolicyInLetters) {
  TrainOptions o;
  o.overlap = OverlapKind::kNovak;
  const Packet d = datagram(192);
  const Train t = make(d, o);
  ASSERT_TRUE(t.overlap_applied);
  ASSERT_EQ(t.packets.size(), 17u);
  const auto out = reassemble(t.packets, Policy::kBsd);
  ASSERT_EQ(out.size(), 1u);
  const Ipv4View v = *Ipv4View::parse(out[0]);
  std::string blocks;
  for (std::size_t i = 0; i < 192; i += 8) {
    blocks += static_cast<char>(v.payload()[i]);
  }
  EXPECT_EQ(blocks, "AAAJJBCCCLLLMMMFFFGGHHIQ");  // Novak 2005, BSD row
}

TEST(FragmentTrain, NovakOnALongerDatagramKeepsTheRestGenuine) {
  TrainOptions o;
  o.overlap = OverlapKind::kNovak;
  const Packet d = datagram(3000);
  const Train t = make(d, o);
  ASSERT_TRUE(t.overlap_applied);
  const auto out = reassemble(t.packets, Policy::kFirst);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(std::equal(out[0].begin() + 20 + 192, out[0].end(), d.begin() + 20 + 192));
}

TEST(FragmentTrain, KindsThatCannotApplyAreReported) {
  TrainOptions o;
  o.overlap = OverlapKind::kPartialHead;
  o.tiny = false;
  const Train small = make(datagram(100), o);  // one fragment: nothing to overlap
  EXPECT_FALSE(small.overlap_applied);
  o.overlap = OverlapKind::kNovak;
  EXPECT_FALSE(make(datagram(100), o).overlap_applied);  // < 192 octets
}

}  // namespace
}  // namespace ip4ref::replay
