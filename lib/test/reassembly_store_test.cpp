// reassembly_store_test.cpp: the reference reassembly store, rule by rule
// (the order of the rules is in lib/src/ref/reassembly_store.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <string>

#include "ip4ref/checksum.h"
#include "ip4ref/reassembly_engine.h"
#include "packet_builder.h"

namespace ip4ref {
namespace {

using test::frag;
using Kind = RecordedEvent::Kind;

const Instant t0 = Instant::from_ns(1'000'000'000);

struct Harness {
  explicit Harness(ReassemblyConfig c = {}) : engine(make_engine("ref", c)) {}
  // Pushes and returns the events this push produced.
  std::vector<RecordedEvent> push(const std::vector<std::uint8_t>& p, Instant now = t0) {
    log.clear();
    engine->push(p, now, log);
    return log.events();
  }
  std::vector<RecordedEvent> expire(Instant now) {
    log.clear();
    engine->expire(now, log);
    return log.events();
  }
  const ReassemblyStats& stats() const { return engine->stats(); }
  std::unique_ptr<ReassemblyEngine> engine;
  EventLog log;
};

ReassemblyConfig with_policy(Policy p) {
  ReassemblyConfig c;
  c.policy = p;
  return c;
}

std::string data_of(const RecordedEvent& e) {
  const Ipv4View v = *Ipv4View::parse(e.bytes);
  return std::string(v.payload().begin(), v.payload().end());
}

bool is_dropped(const std::vector<RecordedEvent>& ev, Reason r) {
  return ev.size() == 1 && ev[0].kind == Kind::kDropped && ev[0].reason == r;
}

bool is_discarded(const std::vector<RecordedEvent>& ev, Reason r) {
  return ev.size() == 1 && ev[0].kind == Kind::kDiscarded && ev[0].reason == r;
}

// ---------------------------------------------------------------- registry

TEST(EngineRegistry, RefIsRegisteredAndUnknownNamesAreRefused) {
  EXPECT_NE(make_engine("ref", {}), nullptr);
  EXPECT_EQ(make_engine("no-such-engine", {}), nullptr);
  EXPECT_EQ(engine_registry().front().name, "ref");
}

// ---------------------------------------------------------------- pass-through and the header rule

TEST(RefStore, UnfragmentedPacketPassesThroughWithCountOne) {
  Harness h;
  const auto p = frag(0, false, 'x', 30);
  const auto ev = h.push(p);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, Kind::kDelivered);
  EXPECT_EQ(ev[0].fragment_count, 1u);
  EXPECT_EQ(ev[0].bytes, p);
  EXPECT_EQ(h.stats().passthrough, 1u);
  EXPECT_EQ(h.stats().reasm_reqds, 0u);
}

TEST(RefStore, LinkPaddingAfterTotalLengthIsIgnored) {
  Harness h;
  auto p = frag(0, false, 'x', 10);
  const auto original = p;
  p.resize(p.size() + 16, 0);  // Ethernet minimum-frame padding
  const auto ev = h.push(p);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].bytes, original);
}

TEST(RefStore, ReassembledHeaderFollowsTheOffsetZeroFragment) {
  Harness h;
  test::FragmentSpec first;
  first.more = true;
  first.dont_fragment = true;
  first.payload = test::fill('A', 16);
  first.options = {Ipv4Option{0x07, {0x07, 0x04, 0, 0, 0, 0, 0}}};  // record route, not copied
  EXPECT_TRUE(h.push(test::frag(16, false, 'B', 5)).empty());
  const auto ev = h.push(test::build(first));
  ASSERT_EQ(ev.size(), 1u);
  ASSERT_EQ(ev[0].kind, Kind::kDelivered);
  EXPECT_EQ(ev[0].fragment_count, 2u);
  const Ipv4View v = *Ipv4View::parse(ev[0].bytes);
  EXPECT_EQ(v.header_length(), 32u);  // 20 + 9 octets of option padded to 12
  EXPECT_EQ(v.total_length(), 32u + 21u);
  EXPECT_FALSE(v.more_fragments());
  EXPECT_EQ(v.fragment_offset(), 0u);
  EXPECT_TRUE(v.dont_fragment());
  EXPECT_TRUE(v.checksum_ok());
  EXPECT_EQ(data_of(ev[0]), std::string(16, 'A') + std::string(5, 'B'));
}

TEST(RefStore, StripOptionsGivesIhlFive) {
  ReassemblyConfig c;
  c.strip_options = true;
  Harness h(c);
  test::FragmentSpec first;
  first.more = true;
  first.payload = test::fill('A', 8);
  first.options = {Ipv4Option{0x94, {0, 0}}};  // router alert (copied)
  h.push(test::build(first));
  const auto ev = h.push(frag(8, false, 'B', 3));
  ASSERT_EQ(ev.size(), 1u);
  const Ipv4View v = *Ipv4View::parse(ev[0].bytes);
  EXPECT_EQ(v.header_length(), 20u);
  EXPECT_EQ(v.total_length(), 31u);
  EXPECT_TRUE(v.checksum_ok());
  EXPECT_EQ(data_of(ev[0]), "AAAAAAAABBB");
}

// ---------------------------------------------------------------- every order, every policy

class EveryPolicy : public ::testing::TestWithParam<Policy> {};

TEST_P(EveryPolicy, RebuildsAnyOrderWithExactDuplicates) {
  std::mt19937 rng(7);
  for (int round = 0; round < 20; ++round) {
    Harness h(with_policy(GetParam()));
    std::vector<std::vector<std::uint8_t>> train;
    std::string expect;
    const std::size_t pieces = 2 + rng() % 12;
    for (std::size_t i = 0; i < pieces; ++i) {
      const bool last = i + 1 == pieces;
      const std::size_t n = last ? 1 + rng() % 20 : 8 * (1 + rng() % 4);
      const char c = static_cast<char>('a' + i % 26);
      train.push_back(frag(expect.size(), !last, c, n, static_cast<std::uint16_t>(round)));
      expect += std::string(n, c);
    }
    const auto copy = train;
    for (const auto& p : copy) {
      if (rng() % 3 == 0) {
        train.push_back(p);  // exact duplicates
      }
    }
    std::shuffle(train.begin(), train.end(), rng);
    std::vector<RecordedEvent> delivered;
    for (const auto& p : train) {
      for (const auto& e : h.push(p)) {
        if (e.kind == Kind::kDelivered) {
          delivered.push_back(e);
        } else {
          EXPECT_EQ(e.kind, Kind::kDropped);
          EXPECT_EQ(e.reason, Reason::kDuplicate) << to_string(e);
        }
      }
    }
    ASSERT_EQ(delivered.size(), 1u) << to_string(GetParam());
    EXPECT_EQ(data_of(delivered[0]), expect);
    // Duplicates that arrive after delivery start new datagrams, which time out.
    for (const auto& e : h.expire(t0 + Duration::seconds(30))) {
      EXPECT_EQ(e.reason, Reason::kTimeout);
    }
    EXPECT_EQ(h.stats().charge, 0u);
    EXPECT_EQ(h.stats().datagrams_in_progress, 0u);
  }
}

TEST_P(EveryPolicy, ChargeReturnsToZeroAndCountersAddUp) {
  Harness h(with_policy(GetParam()));
  h.push(frag(0, true, 'a', 8));
  EXPECT_EQ(h.stats().charge, 256u + 8u + 64u);
  h.push(frag(8, false, 'b', 8));
  EXPECT_EQ(h.stats().charge, 0u);
  EXPECT_EQ(h.stats().peak_charge, 256u + 2 * (8u + 64u));
  EXPECT_EQ(h.stats().reasm_reqds, 2u);
  EXPECT_EQ(h.stats().reasm_oks, 1u);
  EXPECT_EQ(h.stats().reasm_fails, 0u);
}

TEST_P(EveryPolicy, PingOfDeathFragmentIsDroppedOrPoisonsItsDatagram) {
  Harness h(with_policy(GetParam()));
  // 8184 * 8 = 65472 data octets + 20 header: 64 more octets pass 65535.
  const auto ev = h.push(frag(65472, false, 'x', 64));
  if (GetParam() == Policy::kLinux) {
    // The kernel queues it (no per-fragment check in ip_frag_queue); the
    // datagram can then never be delivered.
    EXPECT_TRUE(ev.empty());
    EXPECT_EQ(h.stats().datagrams_in_progress, 1u);
    return;
  }
  EXPECT_TRUE(is_dropped(ev, Reason::kOversize));
  EXPECT_EQ(h.stats().datagrams_in_progress, 0u);
  // Exactly at the limit is fine: 65472 + 43 = 65515 = 65535 - 20.
  EXPECT_TRUE(h.push(frag(65472, false, 'x', 43)).empty());
}

TEST_P(EveryPolicy, TeardropContainedFragmentNeverCrashesOrDeliversAHole) {
  Harness h(with_policy(GetParam()));
  h.push(frag(0, true, 'a', 48));
  h.push(frag(16, false, 'b', 4));  // ends inside the first: teardrop
  for (const auto& e : h.push(frag(48, false, 'c', 8))) {
    if (e.kind == Kind::kDelivered) {
      EXPECT_EQ(e.bytes.size(), 20u + 56u);
    }
  }
}

TEST_P(EveryPolicy, OverlapStormOfTinyFragmentsIsHandledFragmentByFragment) {
  Harness h(with_policy(GetParam()));
  for (std::size_t i = 0; i < 5000; ++i) {
    h.push(frag((i * 8) % 4096, true, static_cast<char>('a' + i % 26), 16));
  }
  EXPECT_LE(h.stats().peak_charge, h.engine->config().high_threshold);
}

INSTANTIATE_TEST_SUITE_P(Policies, EveryPolicy, ::testing::ValuesIn(kAllPolicies),
                         [](const auto& tpi) {
                           std::string n(to_string(tpi.param));
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

// ---------------------------------------------------------------- Novak's pattern

// The standard overlapping-fragment test pattern of J. Novak, "Target-Based
// Fragmentation Reassembly" (Sourcefire, 2005), as also used by Suricata's
// defrag unit tests (DefragDoSturgesNovakTest): nine original fragments, then
// eight that overlap them, the last (Q) with MF = 0. Letter = fill octet.
struct Piece {
  char c;
  std::size_t offset;
  std::size_t length;
};
const Piece kNovak[] = {
    {'A', 0, 24},   {'B', 32, 16},  {'C', 48, 24},  {'D', 80, 8},   {'E', 104, 16},
    {'F', 120, 24}, {'G', 144, 16}, {'H', 160, 16}, {'I', 176, 8},  {'J', 8, 32},
    {'K', 48, 24},  {'L', 72, 24},  {'M', 96, 24},  {'N', 128, 8},  {'O', 152, 8},
    {'P', 160, 8},  {'Q', 176, 16},
};

// Expected 192 data octets, one letter per 8-octet block (the paper's table).
struct NovakCase {
  Policy policy;
  const char* blocks;
};
const NovakCase kNovakResults[] = {
    {Policy::kBsd, "AAAJJBCCCLLLMMMFFFGGHHIQ"},
    {Policy::kLinuxLegacy, "AAAJJBKKKLLLMMMFFFGGPHQQ"},
    {Policy::kWindows, "AAAJBBCCCLLLMEEFFFGGHHIQ"},
    {Policy::kSolaris, "AAAJBBCCCLLLMMMFFFGGHHIQ"},
    {Policy::kFirst, "AAAJBBCCCLDLMEEFFFGGHHIQ"},
    {Policy::kLast, "AJJJJBKKKLLLMMMFNFGOPHQQ"},
};

class Novak : public ::testing::TestWithParam<NovakCase> {};

TEST_P(Novak, ReproducesThePapersResult) {
  Harness h(with_policy(GetParam().policy));
  std::vector<RecordedEvent> all;
  for (const Piece& p : kNovak) {
    const auto ev = h.push(frag(p.offset, p.c != 'Q', p.c, p.length));
    all.insert(all.end(), ev.begin(), ev.end());
  }
  ASSERT_FALSE(all.empty());
  ASSERT_EQ(all.back().kind, Kind::kDelivered) << to_string(all.back());
  std::string expect;
  for (const char* b = GetParam().blocks; *b != 0; ++b) {
    expect += std::string(8, *b);
  }
  EXPECT_EQ(data_of(all.back()), expect);
  EXPECT_GT(h.stats().reasm_overlaps, 0u);
}

INSTANTIATE_TEST_SUITE_P(Paper, Novak, ::testing::ValuesIn(kNovakResults), [](const auto& tpi) {
  std::string n(to_string(tpi.param.policy));
  std::replace(n.begin(), n.end(), '-', '_');
  return n;
});

TEST(NovakPattern, LinuxAndRejectDiscardAtTheFirstPartialOverlap) {
  for (Policy p : {Policy::kLinux, Policy::kReject}) {
    Harness h(with_policy(p));
    for (std::size_t i = 0; i < 9; ++i) {
      EXPECT_TRUE(h.push(frag(kNovak[i].offset, true, kNovak[i].c, kNovak[i].length)).empty());
    }
    const auto ev = h.push(frag(8, true, 'J', 32));  // J overlaps A and B
    ASSERT_TRUE(is_discarded(ev, Reason::kOverlap)) << to_string(p);
    EXPECT_TRUE(ev[0].first_fragment_seen);
    EXPECT_EQ(h.stats().reasm_overlaps, 1u);
    EXPECT_EQ(h.stats().datagrams_in_progress, 0u);
  }
}

// ---------------------------------------------------------------- linux details

TEST(LinuxPolicy, FragmentInsideAContiguousRunIsADuplicate) {
  Harness h;
  h.push(frag(0, true, 'a', 8));
  h.push(frag(8, true, 'b', 8));
  EXPECT_TRUE(is_dropped(h.push(frag(0, true, 'z', 16)), Reason::kDuplicate));
  EXPECT_TRUE(is_dropped(h.push(frag(8, true, 'z', 8)), Reason::kDuplicate));
  const auto ev = h.push(frag(16, false, 'c', 1));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(data_of(ev[0]), "aaaaaaaabbbbbbbbc");  // duplicates did not change data
}

TEST(LinuxPolicy, RunsFormOnlyFromInOrderArrivals) {
  // Kernel inet_frag_queue_insert: [16,24) then [0,8) then [8,16) are three
  // separate runs, so [0,16) spans two runs: an overlap, not a duplicate.
  Harness h;
  h.push(frag(16, true, 'c', 8));
  h.push(frag(0, true, 'a', 8));
  h.push(frag(8, true, 'b', 8));
  EXPECT_TRUE(is_discarded(h.push(frag(0, true, 'a', 16)), Reason::kOverlap));
}

TEST(LinuxPolicy, UnalignedMoreFragmentsEndIsRoundedDown) {
  Harness h;
  EXPECT_TRUE(h.push(frag(0, true, 'a', 13)).empty());  // keeps 8 octets
  const auto ev = h.push(frag(8, false, 'b', 2));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(data_of(ev[0]), "aaaaaaaabb");
}

TEST(LinuxPolicy, ZeroLengthFragmentDiscardsTheDatagram) {
  Harness h;
  EXPECT_TRUE(is_dropped(h.push(frag(0, true, 'a', 0)), Reason::kEmptyFragment));
  h.push(frag(0, true, 'a', 8));
  const auto ev = h.push(frag(8, true, 'b', 7));  // rounds down to zero octets
  EXPECT_TRUE(is_discarded(ev, Reason::kEmptyFragment));
}

TEST(LinuxPolicy, DuplicateLastFragmentSetsTheEndButDoesNotComplete) {
  // Kernel ip_frag_queue sets INET_FRAG_LAST_IN before the insertion that
  // finds the duplicate, and checks completion only after an insertion.
  Harness h;
  h.push(frag(0, true, 'a', 8));
  h.push(frag(8, true, 'b', 8));
  EXPECT_TRUE(is_dropped(h.push(frag(8, false, 'b', 8)), Reason::kDuplicate));
  EXPECT_EQ(h.stats().datagrams_in_progress, 1u);
  EXPECT_TRUE(is_discarded(h.expire(t0 + Duration::seconds(30)), Reason::kTimeout));
}

TEST(FirstPolicy, DuplicateLastFragmentCompletesTheDatagram) {
  Harness h(with_policy(Policy::kFirst));
  h.push(frag(0, true, 'a', 8));
  h.push(frag(8, true, 'b', 8));
  const auto ev = h.push(frag(8, false, 'z', 8));
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].reason, Reason::kDuplicate);
  EXPECT_EQ(data_of(ev[1]), "aaaaaaaabbbbbbbb");
}

TEST(LinuxPolicy, OversizeFragmentPoisonsItsDatagram) {
  // corpus/findings/linux-kernel/ref-bug-oversize-fragment-queued.pcap: the
  // kernel delivered nothing for this train; the reference once delivered.
  Harness h;
  EXPECT_TRUE(h.push(frag(65528, true, 'x', 8)).empty());
  EXPECT_TRUE(h.push(frag(0, true, 'a', 8)).empty());
  EXPECT_TRUE(is_discarded(h.push(frag(8, false, 'b', 8)), Reason::kPastEnd));
}

TEST(LinuxPolicy, OversizeAtCompletionIsDiscarded) {
  Harness h;
  std::vector<RecordedEvent> last;
  for (std::size_t off = 0; off < 65528; off += 1480) {
    last = h.push(frag(off, true, 'a', std::min<std::size_t>(1480, 65528 - off)));
  }
  EXPECT_TRUE(is_discarded(h.push(frag(65528, false, 'z', 8)), Reason::kOversize));
}

std::vector<std::uint8_t> with_tos_and_flags(std::vector<std::uint8_t> p, std::uint8_t tos,
                                             bool df, bool reserved) {
  p[1] = tos;
  p[6] = static_cast<std::uint8_t>((p[6] & 0x3f) | (df ? 0x40 : 0) | (reserved ? 0x80 : 0));
  store_be16(p, 10, 0);
  store_be16(p, 10, internet_checksum(Bytes(p).first(20)));
  return p;
}

TEST(LinuxPolicy, DfIsSetExactlyWhenTheLargestFragmentHadIt) {
  // Kernel ip_frag_reasm: DF iff max_df_size == max_size.
  struct Case {
    const char* name;
    bool df_first, df_second;
    std::size_t first_len, second_len;
    bool expect_df;
  };
  const Case cases[] = {
      {"only_small_first_has_df", true, false, 8, 64, false},
      {"only_large_second_has_df", false, true, 8, 64, true},
      {"both", true, true, 8, 8, true},
      {"neither", false, false, 8, 8, false},
  };
  for (const Case& c : cases) {
    Harness h;
    h.push(with_tos_and_flags(frag(0, true, 'a', c.first_len), 0, c.df_first, false));
    const auto ev =
        h.push(with_tos_and_flags(frag(c.first_len, false, 'b', c.second_len), 0, c.df_second, false));
    ASSERT_EQ(ev.size(), 1u) << c.name;
    EXPECT_EQ(Ipv4View::parse(ev[0].bytes)->dont_fragment(), c.expect_df) << c.name;
  }
}

TEST(LinuxPolicy, ReservedFlagIsClearedOtherPoliciesKeepIt) {
  for (Policy p : {Policy::kLinux, Policy::kFirst}) {
    Harness h(with_policy(p));
    h.push(with_tos_and_flags(frag(0, true, 'a', 8), 0, false, true));
    const auto ev = h.push(frag(8, false, 'b', 8));
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(Ipv4View::parse(ev[0].bytes)->reserved_flag(), p != Policy::kLinux) << to_string(p);
  }
}

TEST(LinuxPolicy, EcnCodepointsCombineAsRfc3168Says) {
  struct Case {
    const char* name;
    std::uint8_t ecn_first, ecn_second;
    bool delivered;
    std::uint8_t ecn_out;
  };
  const Case cases[] = {
      {"not_ect_with_ect0_is_dropped", 0, 2, false, 0},
      {"not_ect_with_ce_is_dropped", 0, 3, false, 0},
      {"ect0_with_ce_becomes_ce", 2, 3, true, 3},
      {"ect1_with_ect0_stays_as_head", 1, 2, true, 1},
      {"not_ect_both", 0, 0, true, 0},
  };
  for (const Case& c : cases) {
    Harness h;
    h.push(with_tos_and_flags(frag(0, true, 'a', 8), c.ecn_first, false, false));
    const auto ev = h.push(with_tos_and_flags(frag(8, false, 'b', 8), c.ecn_second, false, false));
    ASSERT_EQ(ev.size(), 1u) << c.name;
    if (!c.delivered) {
      EXPECT_EQ(ev[0].reason, Reason::kEcnMismatch) << c.name;
      continue;
    }
    ASSERT_EQ(ev[0].kind, Kind::kDelivered) << c.name;
    EXPECT_EQ(ev[0].bytes[1] & 3, c.ecn_out) << c.name;
    EXPECT_TRUE(Ipv4View::parse(ev[0].bytes)->checksum_ok()) << c.name;
  }
}

// ---------------------------------------------------------------- reject (RFC 5722)

TEST(RejectPolicy, ExactDuplicateIsDroppedAlone) {
  Harness h(with_policy(Policy::kReject));
  h.push(frag(0, true, 'a', 16));
  EXPECT_TRUE(is_dropped(h.push(frag(0, true, 'a', 16)), Reason::kDuplicate));
  EXPECT_EQ(data_of(h.push(frag(16, false, 'b', 1))[0]), std::string(16, 'a') + "b");
}

TEST(RejectPolicy, SameRangeWithDifferentBytesDiscards) {
  Harness h(with_policy(Policy::kReject));
  h.push(frag(0, true, 'a', 16));
  EXPECT_TRUE(is_discarded(h.push(frag(0, true, 'z', 16)), Reason::kOverlap));
}

TEST(RejectPolicy, ContainedFragmentIsAnOverlapNotADuplicate) {
  Harness h(with_policy(Policy::kReject));
  h.push(frag(0, true, 'a', 16));
  EXPECT_TRUE(is_discarded(h.push(frag(8, true, 'a', 8)), Reason::kOverlap));
}

// ---------------------------------------------------------------- lengths

TEST(Lengths, UnalignedMoreFragmentIsDroppedOutsideLinux) {
  Harness h(with_policy(Policy::kBsd));
  EXPECT_TRUE(is_dropped(h.push(frag(0, true, 'a', 12)), Reason::kUnalignedFragment));
  EXPECT_EQ(h.stats().reasm_fails, 1u);
}

TEST(Lengths, EmptyFragmentIsDroppedOutsideLinux) {
  Harness h(with_policy(Policy::kFirst));
  h.push(frag(0, true, 'a', 8));
  EXPECT_TRUE(is_dropped(h.push(frag(8, false, 'b', 0)), Reason::kEmptyFragment));
  EXPECT_EQ(h.stats().datagrams_in_progress, 1u);
}

TEST(Lengths, SecondDifferentEndDiscards) {
  Harness h;
  h.push(frag(16, false, 'c', 4));
  EXPECT_TRUE(is_discarded(h.push(frag(16, false, 'c', 5)), Reason::kConflictingEnd));
}

TEST(Lengths, LastFragmentBeforeDataAlreadyHeldDiscards) {
  Harness h;
  h.push(frag(16, true, 'c', 16));
  EXPECT_TRUE(is_discarded(h.push(frag(8, false, 'a', 8)), Reason::kPastEnd));
}

TEST(Lengths, DataPastAKnownEndDiscards) {
  Harness h;
  h.push(frag(16, false, 'c', 4));
  const auto ev = h.push(frag(16, true, 'x', 8));
  ASSERT_TRUE(is_discarded(ev, Reason::kPastEnd));
  EXPECT_FALSE(ev[0].first_fragment_seen);
  EXPECT_TRUE(ev[0].bytes.empty());
}

TEST(Lengths, DatagramOverSixtyFourKibAfterTheOffsetZeroHeaderIsDiscarded) {
  // Data up to 65515 octets passes the per-fragment check with IHL 5, but the
  // offset-0 fragment carries 40 octets of options: 60 + 65515 > 65535.
  Harness h;
  test::FragmentSpec first;
  first.more = true;
  first.payload = test::fill('a', 1480);
  first.options = {Ipv4Option{0x94, std::vector<std::uint8_t>(36, 0)}};
  h.push(test::build(first));
  std::vector<RecordedEvent> last;
  for (std::size_t off = 1480; off < 65515; off += 1480) {
    const std::size_t n = std::min<std::size_t>(1480, 65515 - off);
    last = h.push(frag(off, off + n < 65515, 'b', n));
  }
  EXPECT_TRUE(is_discarded(last, Reason::kOversize));
}

// ---------------------------------------------------------------- parsing

struct BadPacket {
  const char* name;
  std::vector<std::uint8_t> bytes;
  Reason reason;
};

std::vector<BadPacket> bad_packets() {
  auto good = frag(0, false, 'x', 8);
  auto v6 = good;
  v6[0] = 0x65;
  auto ihl4 = good;
  ihl4[0] = 0x44;
  auto long_total = good;
  store_be16(long_total, 2, 200);
  auto short_total = good;
  store_be16(short_total, 2, 10);
  auto bad_sum = good;
  bad_sum[8] ^= 1;  // TTL changes, checksum no longer verifies
  test::FragmentSpec opt;
  opt.payload = test::fill('x', 8);
  opt.options = {Ipv4Option{0x07, {0, 0}}};
  auto bad_opt = test::build(opt);
  bad_opt[21] = 9;  // option length runs past the header
  store_be16(bad_opt, 10, 0);
  store_be16(bad_opt, 10, internet_checksum(Bytes(bad_opt).first(24)));
  return {
      {"empty", {}, Reason::kTruncated},
      {"nineteen_octets", std::vector<std::uint8_t>(good.begin(), good.begin() + 19),
       Reason::kTruncated},
      {"version_6", v6, Reason::kBadVersion},
      {"ihl_4", ihl4, Reason::kBadHeaderLength},
      {"total_length_past_capture", long_total, Reason::kBadTotalLength},
      {"total_length_below_header", short_total, Reason::kBadTotalLength},
      {"bad_checksum", bad_sum, Reason::kBadChecksum},
      {"option_past_header", bad_opt, Reason::kBadOptions},
  };
}

TEST(Parsing, EveryMalformedPacketIsDroppedWithItsReason) {
  for (const BadPacket& b : bad_packets()) {
    Harness h;
    EXPECT_TRUE(is_dropped(h.push(b.bytes), b.reason)) << b.name;
    EXPECT_EQ(h.stats().count(b.reason), 1u) << b.name;
    EXPECT_EQ(h.stats().reasm_fails, 0u) << b.name;
  }
}

// ---------------------------------------------------------------- time

TEST(Timeout, DiscardedExactlyAtFirstArrivalPlusTimeoutNotBefore) {
  Harness h;
  h.push(frag(0, true, 'a', 8), t0);
  h.push(frag(16, false, 'c', 8), t0 + Duration::seconds(20));  // does not refresh
  const Instant deadline = t0 + Duration::seconds(30);
  EXPECT_EQ(h.engine->next_expiry(), deadline);
  EXPECT_TRUE(h.expire(deadline - Duration::nanoseconds(1)).empty());
  const auto ev = h.expire(deadline);
  ASSERT_TRUE(is_discarded(ev, Reason::kTimeout));
  EXPECT_TRUE(ev[0].first_fragment_seen);
  EXPECT_EQ(ev[0].bytes.size(), 20u + 8u);  // header + 8 data octets for ICMP
  EXPECT_EQ(ev[0].bytes.back(), 'a');
  EXPECT_EQ(h.stats().reasm_timeout, 1u);
  EXPECT_EQ(h.stats().charge, 0u);
  EXPECT_EQ(h.engine->next_expiry(), std::nullopt);
}

TEST(Timeout, PushExpiresFirstAndALateFragmentStartsANewDatagram) {
  Harness h;
  h.push(frag(8, false, 'b', 8), t0);
  const auto ev = h.push(frag(0, true, 'a', 8), t0 + Duration::seconds(30));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].reason, Reason::kTimeout);
  EXPECT_FALSE(ev[0].first_fragment_seen);
  EXPECT_EQ(h.stats().datagrams_in_progress, 1u);
  EXPECT_EQ(h.engine->next_expiry(), t0 + Duration::seconds(60));
}

TEST(Timeout, EqualDeadlinesExpireInCreationOrder) {
  Harness h;
  for (std::uint16_t id : {std::uint16_t{5}, std::uint16_t{3}, std::uint16_t{9}}) {
    h.push(frag(0, true, 'a', 8, id), t0);
  }
  const auto ev = h.expire(t0 + Duration::seconds(30));
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[0].key.identification, 5);
  EXPECT_EQ(ev[1].key.identification, 3);
  EXPECT_EQ(ev[2].key.identification, 9);
}

TEST(Timeout, ConfiguredTimeoutIsUsed) {
  ReassemblyConfig c;
  c.timeout = Duration::milliseconds(1500);
  Harness h(c);
  h.push(frag(0, true, 'a', 8), t0);
  EXPECT_EQ(h.engine->next_expiry(), t0 + Duration::milliseconds(1500));
}

// ---------------------------------------------------------------- keys

TEST(Keys, ProtocolSourceDestinationAndIdAllSeparateDatagrams) {
  Harness h;
  test::FragmentSpec s;
  s.more = true;
  s.payload = test::fill('a', 8);
  h.push(test::build(s));
  auto other = s;
  other.protocol = 6;
  h.push(test::build(other));
  other = s;
  other.source = 0xc0000203;
  h.push(test::build(other));
  other = s;
  other.destination = 0xc0000203;
  h.push(test::build(other));
  other = s;
  other.id = 2;
  h.push(test::build(other));
  EXPECT_EQ(h.stats().datagrams_in_progress, 5u);
}

// ---------------------------------------------------------------- limits

TEST(Limits, EvictsOldestFirstDownToLowThreshold) {
  ReassemblyConfig c;
  c.high_threshold = 4 * (256 + 64 + 8);  // room for four one-fragment datagrams
  c.low_threshold = 2 * (256 + 64 + 8);
  Harness h(c);
  for (std::uint16_t id = 1; id <= 4; ++id) {
    EXPECT_TRUE(h.push(frag(0, true, 'a', 8, id)).empty());
  }
  const auto ev = h.push(frag(0, true, 'a', 8, 5));
  ASSERT_EQ(ev.size(), 3u);  // down to low: room for one more beside the newest
  EXPECT_EQ(ev[0].key.identification, 1);
  EXPECT_EQ(ev[1].key.identification, 2);
  EXPECT_EQ(ev[2].key.identification, 3);
  EXPECT_EQ(ev[0].reason, Reason::kEvicted);
  EXPECT_EQ(h.stats().datagrams_in_progress, 2u);
  EXPECT_LE(h.stats().peak_charge, c.high_threshold);
}

TEST(Limits, FragmentThatCannotFitEvenAloneIsDroppedWithoutEvictions) {
  ReassemblyConfig c;
  c.high_threshold = 1000;
  c.low_threshold = 800;
  Harness h(c);
  h.push(frag(0, true, 'a', 8, 1));
  EXPECT_TRUE(is_dropped(h.push(frag(0, true, 'b', 1000, 2)), Reason::kMemoryLimit));
  EXPECT_EQ(h.stats().datagrams_in_progress, 1u);
}

TEST(Limits, DatagramBeingAddedToIsNotEvicted) {
  ReassemblyConfig c;
  c.high_threshold = 2000;
  c.low_threshold = 1900;
  Harness h(c);
  h.push(frag(0, true, 'a', 8, 1));    // charge 328
  h.push(frag(0, true, 'a', 400, 2));  // charge 720, total 1048
  const auto ev = h.push(frag(400, true, 'a', 1000, 2));  // + 1064 > 2000
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].key.identification, 1);
  EXPECT_EQ(ev[0].reason, Reason::kEvicted);
}

TEST(Limits, FloodOfIncompleteDatagramsNeverPassesHigh) {
  ReassemblyConfig c;
  c.high_threshold = 64 * 1024;
  c.low_threshold = 48 * 1024;
  Harness h(c);
  for (std::uint32_t i = 0; i < 20000; ++i) {
    h.push(frag(8, true, 'x', 64, static_cast<std::uint16_t>(i)));
    ASSERT_LE(h.stats().charge, c.high_threshold);
  }
  EXPECT_GT(h.stats().count(Reason::kEvicted), 0u);
  EXPECT_EQ(h.stats().peak_charge <= c.high_threshold, true);
  // A complete datagram arriving in one burst after the flood still gets through.
  h.push(frag(0, true, 'a', 8, 60000));
  const auto ev = h.push(frag(8, false, 'b', 8, 60000));
  ASSERT_FALSE(ev.empty());
  EXPECT_EQ(ev.back().kind, Kind::kDelivered);
}

TEST(Limits, DatagramsInProgressCap) {
  ReassemblyConfig c;
  c.max_datagrams = 2;
  Harness h(c);
  h.push(frag(0, true, 'a', 8, 1));
  h.push(frag(0, true, 'a', 8, 2));
  EXPECT_TRUE(is_dropped(h.push(frag(0, true, 'a', 8, 3)), Reason::kTooManyDatagrams));
  EXPECT_TRUE(h.push(frag(8, true, 'a', 8, 2)).empty());  // existing datagrams go on
}

TEST(Limits, FragmentsPerDatagramCap) {
  ReassemblyConfig c;
  c.max_fragments_per_datagram = 2;
  Harness h(c);
  h.push(frag(0, true, 'a', 8));
  h.push(frag(8, true, 'a', 8));
  EXPECT_TRUE(is_discarded(h.push(frag(16, true, 'a', 8)), Reason::kTooManyFragments));
}

// ---------------------------------------------------------------- stats dump

TEST(Stats, DumpNamesTheRfc4293Counters) {
  Harness h;
  h.push(frag(0, true, 'a', 8));
  h.push(frag(8, false, 'b', 1));
  const std::string s = to_string(h.stats());
  EXPECT_NE(s.find("ReasmReqds 2"), std::string::npos);
  EXPECT_NE(s.find("ReasmOKs 1"), std::string::npos);
}

}  // namespace
}  // namespace ip4ref

namespace ip4ref {
namespace {

TEST(TimeAxis, DeadlinesSaturateAtTheEndOfTheAxis) {
  for (const char* name : {"ref", "fast"}) {
    auto e = make_engine(name, {});
    ASSERT_NE(e, nullptr) << name;
    EventLog log;
    const Instant end = Instant::from_ns(std::numeric_limits<std::int64_t>::max());
    e->push(test::frag(0, true, 'a', 8), end, log);
    EXPECT_EQ(e->next_expiry(), end) << name;
    e->expire(end, log);
    ASSERT_EQ(log.events().size(), 1u) << name;
    EXPECT_EQ(log.events()[0].reason, Reason::kTimeout) << name;
  }
}

}  // namespace
}  // namespace ip4ref
