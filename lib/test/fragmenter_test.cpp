// fragmenter_test.cpp: RFC 791 3.2 fragmentation, as table-driven cases.
//
// Every fragmenting case is also checked against the laws RFC 791 3.2 states
// for any fragment train (expect_rfc791_train): valid header checksum and
// total length, at most MTU octets, non-last pieces packed to
// floor((MTU - header) / 8) * 8 with MF set, the last keeping the input's MF,
// header fields copied, all options in the first piece and only the copied
// ones after it, and the payloads concatenated in offset order giving back
// the input's payload.
#include "ip4ref/fragmenter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ip4ref/bytes.h"
#include "ip4ref/ipv4_header.h"

namespace ip4ref {
namespace {

using Octets = std::vector<std::uint8_t>;

// --- Options, as wire octets (RFC 791 3.1 "Options") ---
// Loose source and record route, type 131 (0x83, copied), one address.
const Octets kLsrr = {0x83, 7, 4, 192, 0, 2, 9};
// Record route, type 7 (not copied), room for one address.
const Octets kRecordRoute = {0x07, 7, 4, 0, 0, 0, 0};
// Security, type 130 (0x82, copied), length 11: S, C, H, TCC.
const Octets kSecurity = {0x82, 11, 0xf1, 0x35, 0, 0, 0, 0, 0, 0, 0};
// Internet timestamp, type 68 (0x44, not copied), room for two timestamps.
const Octets kTimestamp = {0x44, 12, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0};
// No operation, type 1: RFC 791 gives it copy flag 0.
const Octets kNop = {0x01};

// An option of `length` octets in total: type, length, pointer 4, zeros.
Octets route_option(std::uint8_t type, std::size_t length) {
  Octets option(length, 0);
  option[0] = type;
  option[1] = static_cast<std::uint8_t>(length);
  option[2] = 4;
  return option;
}

// --- Building input packets by hand (not with Ipv4Header::emit) ---
constexpr std::uint16_t kId = 0xbeef;
constexpr std::uint8_t kTos = 0x28;
constexpr std::uint8_t kTtl = 33;
constexpr std::uint8_t kProtocol = 17;
constexpr std::uint32_t kSource = 0xc0000201;       // 192.0.2.1
constexpr std::uint32_t kDestination = 0xc6336402;  // 198.51.100.2

struct Datagram {
  std::size_t payload_length = 0;
  std::vector<Octets> options = {};
  bool df = false;
  bool mf = false;
  std::size_t offset = 0;  // octets, a multiple of 8
};

// Option octets in order, zero-padded to 4 (RFC 791: "The padding is zero").
// With `copied_only`, only the options whose type has the copied flag.
Octets options_area(const std::vector<Octets>& options, bool copied_only) {
  Octets area;
  for (const Octets& option : options) {
    if (!copied_only || (option[0] & 0x80) != 0) {
      area.insert(area.end(), option.begin(), option.end());
    }
  }
  area.resize((area.size() + 3) / 4 * 4, 0);
  return area;
}

// An independent RFC 1071 sum, so the checks below do not trust the code
// under test: the one's complement sum of a correct header is 0xffff.
std::uint16_t rfc1071_sum(Bytes header) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i + 1 < header.size(); i += 2) {
    sum += load_be16(header, i);
  }
  while ((sum >> 16) != 0) {
    sum = (sum & 0xffff) + (sum >> 16);
  }
  return static_cast<std::uint16_t>(sum);
}

// Payload octet i of the original datagram: varies with position, so a
// misplaced piece shows.
std::uint8_t payload_octet(std::size_t i) {
  return static_cast<std::uint8_t>((i * 7 + i / 251) & 0xff);
}

Octets build(const Datagram& d) {
  const Octets options = options_area(d.options, false);
  const std::size_t header_length = 20 + options.size();
  Octets p(header_length + d.payload_length, 0);
  p[0] = static_cast<std::uint8_t>(0x40 | (header_length / 4));
  p[1] = kTos;
  store_be16(p, 2, static_cast<std::uint16_t>(p.size()));
  store_be16(p, 4, kId);
  const std::size_t flags = (d.df ? 0x4000u : 0u) | (d.mf ? 0x2000u : 0u);
  store_be16(p, 6, static_cast<std::uint16_t>(flags | (d.offset / 8)));
  p[8] = kTtl;
  p[9] = kProtocol;
  store_be32(p, 12, kSource);
  store_be32(p, 16, kDestination);
  std::ranges::copy(options, p.begin() + 20);
  store_be16(p, 10, static_cast<std::uint16_t>(~rfc1071_sum(Bytes(p).first(header_length))));
  for (std::size_t i = 0; i < d.payload_length; ++i) {
    p[header_length + i] = payload_octet(d.offset + i);
  }
  return p;
}

std::size_t header_length_of(const Octets& p) {
  return std::size_t{p[0] & 0x0fu} * 4;
}
std::size_t offset_of(const Octets& p) {
  return std::size_t{load_be16(p, 6) & 0x1fffu} * 8;
}
bool mf_of(const Octets& p) {
  return (load_be16(p, 6) & 0x2000) != 0;
}
Octets payload_of(const Octets& p) {
  return Octets(p.begin() + header_length_of(p), p.end());
}
Octets options_of(const Octets& p) {
  return Octets(p.begin() + 20, p.begin() + header_length_of(p));
}

// The fields RFC 791 3.2 step (1) copies into every fragment.
void expect_copied_fields(const Octets& f, const Datagram& d) {
  EXPECT_EQ(f[0] >> 4, 4);
  EXPECT_EQ(f[1], kTos);
  EXPECT_EQ(load_be16(f, 4), kId);
  EXPECT_EQ((load_be16(f, 6) & 0x4000) != 0, d.df);
  EXPECT_EQ((load_be16(f, 6) & 0x8000), 0);
  EXPECT_EQ(f[8], kTtl);
  EXPECT_EQ(f[9], kProtocol);
  EXPECT_EQ(load_be32(f, 12), kSource);
  EXPECT_EQ(load_be32(f, 16), kDestination);
}

// One piece: parses, checksum and total length right, fits the MTU; a
// non-last piece has MF=1 and, when `packed`, is full: floor((MTU - header)
// / 8) * 8 octets (RFC 791 3.2 step (3) "NFB <- (MTU-IHL*4)/8").
void expect_piece(const Octets& f, std::size_t mtu, bool is_last, bool packed) {
  const Result<Ipv4View> view = Ipv4View::parse(f);
  ASSERT_TRUE(view.has_value());
  EXPECT_TRUE(view->checksum_ok());
  EXPECT_EQ(rfc1071_sum(view->header()), 0xffff);
  EXPECT_EQ(view->total_length(), f.size());
  EXPECT_LE(f.size(), mtu);
  EXPECT_EQ(header_length_of(f) % 4, 0u);
  if (!is_last) {
    EXPECT_TRUE(mf_of(f));
  }
  if (!is_last && packed) {
    EXPECT_EQ(f.size() - header_length_of(f), (mtu - header_length_of(f)) / 8 * 8);
  }
}

// The laws of RFC 791 3.2 for the train `fragments` made from `d` at `mtu`.
// `packed` is false for a train re-fragmented piece by piece, where the end
// of each re-fragmented piece need not be full.
void expect_rfc791_train(const Datagram& d, const std::vector<Octets>& fragments, std::size_t mtu,
                         bool packed = true) {
  ASSERT_FALSE(fragments.empty());
  const Octets first_options = options_area(d.options, false);
  const Octets later_options = options_area(d.options, true);
  Octets payload;
  for (std::size_t i = 0; i < fragments.size(); ++i) {
    SCOPED_TRACE("fragment " + std::to_string(i));
    const Octets& f = fragments[i];
    const bool is_last = i + 1 == fragments.size();
    expect_piece(f, mtu, is_last, packed);
    expect_copied_fields(f, d);
    EXPECT_EQ(options_of(f), i == 0 ? first_options : later_options);
    EXPECT_EQ(offset_of(f), d.offset + payload.size());
    if (is_last) {
      EXPECT_EQ(mf_of(f), d.mf);
    }
    const Octets piece = payload_of(f);
    payload.insert(payload.end(), piece.begin(), piece.end());
  }
  EXPECT_EQ(payload, payload_of(build(d)));
}

// Names each parameterized case after its table row.
template <typename Case>
std::string case_name(const testing::TestParamInfo<Case>& row) {
  return row.param.name;
}

// --- Fragmenting: expected offsets, total lengths and MF per piece ---
struct SplitCase {
  std::string name;
  Datagram input;
  std::size_t mtu = 0;
  std::vector<std::size_t> offsets;        // octets, relative to the original datagram
  std::vector<std::size_t> total_lengths;  // octets, header included
  std::vector<bool> mf;
};

class FragmentSplit : public testing::TestWithParam<SplitCase> {};

TEST_P(FragmentSplit, PiecesAreWhereRfc791PutsThem) {
  const SplitCase& c = GetParam();
  FragmenterStats stats;
  const FragmentResult r = fragment(build(c.input), c.mtu, &stats);
  ASSERT_TRUE(r.ok()) << static_cast<int>(r.error);
  std::vector<std::size_t> offsets;
  std::vector<std::size_t> lengths;
  std::vector<bool> mf;
  for (const Octets& f : r.fragments) {
    offsets.push_back(offset_of(f));
    lengths.push_back(f.size());
    mf.push_back(mf_of(f));
  }
  EXPECT_EQ(offsets, c.offsets);
  EXPECT_EQ(lengths, c.total_lengths);
  EXPECT_EQ(mf, c.mf);
  expect_rfc791_train(c.input, r.fragments, c.mtu);
  EXPECT_EQ(stats,
            (FragmenterStats{.frag_oks = 1, .frag_fails = 0, .frag_creates = r.fragments.size()}));
}

// Header lengths used below: [LSRR, RR] = 14 -> 16 octets of options, header
// 36; [LSRR] alone = 7 -> 8, header 28. [Security, NOP, Timestamp] = 24,
// header 44; [Security] alone = 11 -> 12, header 32.
const SplitCase kSplitCases[] = {
    {"Payload1500AtMtu576",
     {.payload_length = 1500},
     576,
     // (576 - 20) / 8 * 8 = 552 octets per piece.
     {0, 552, 1104},
     {572, 572, 416},
     {true, true, false}},
    {"Payload100AtMtu68",
     {.payload_length = 100},
     68,
     // (68 - 20) / 8 * 8 = 48 octets per piece.
     {0, 48, 96},
     {68, 68, 24},
     {true, true, false}},
    {"Payload144AtMtu68EndsFull",
     {.payload_length = 144},
     68,
     {0, 48, 96},
     {68, 68, 68},
     {true, true, false}},
    {"CopiedLsrrEverywhereRecordRouteFirstOnly",
     {.payload_length = 1500, .options = {kLsrr, kRecordRoute}},
     576,
     // First: (576 - 36) / 8 * 8 = 536; later: (576 - 28) / 8 * 8 = 544.
     {0, 536, 1080},
     {572, 572, 448},
     {true, true, false}},
    {"CopiedSecurityEverywhereNopAndTimestampFirstOnly",
     {.payload_length = 1200, .options = {kSecurity, kNop, kTimestamp}},
     576,
     // First: (576 - 44) / 8 * 8 = 528; later: (576 - 32) / 8 * 8 = 544.
     {0, 528, 1072},
     {572, 576, 160},
     {true, true, false}},
    {"FortyOctetsOfCopiedOptionsAtMtu68",
     {.payload_length = 20, .options = {kNop, route_option(0x83, 39)}},
     68,
     // Header 60 in every piece (the LSRR re-padded to 40): 8 octets each.
     {0, 8, 16},
     {68, 68, 64},
     {true, true, false}},
    {"FortyOctetsOfNonCopiedOptionsAtMtu68",
     {.payload_length = 100, .options = {route_option(0x07, 39), kNop}},
     68,
     // First: header 60, 8 octets; later: header 20, 48 octets.
     {0, 8, 56},
     {68, 68, 64},
     {true, true, false}},
    {"RefragmentMiddleFragmentKeepsOffsetsAndMf",
     {.payload_length = 1480, .mf = true, .offset = 1480},
     576,
     {1480, 2032, 2584},
     {572, 572, 396},
     {true, true, true}},
    {"RefragmentLastFragmentEndsWithMfClear",
     {.payload_length = 1040, .mf = false, .offset = 2960},
     576,
     {2960, 3512},
     {572, 508},
     {true, false}},
    {"RefragmentFirstFragmentKeepsAllOptionsInItsFirstPieceOnly",
     {.payload_length = 1000, .options = {kLsrr, kRecordRoute}, .mf = true},
     576,
     {0, 536},
     {572, 492},
     {true, true}},
    {"RefragmentLaterFragmentCarriesCopiedOptions",
     {.payload_length = 1000, .options = {kLsrr}, .mf = true, .offset = 1480},
     576,
     {1480, 2024},
     {572, 484},
     {true, true}},
    {"LastPieceFillsTheMtuUnaligned",
     {.payload_length = 552 + 556},
     576,
     // The last piece need not be a multiple of 8: 556 octets, total 576.
     {0, 552},
     {572, 576},
     {true, false}},
    {"OneOctetOverTheMtu", {.payload_length = 557}, 576, {0, 552}, {572, 25}, {true, false}},
};

INSTANTIATE_TEST_SUITE_P(Rfc791, FragmentSplit, testing::ValuesIn(kSplitCases),
                         case_name<SplitCase>);

// --- The largest datagram: 65535 octets, 65515 of payload ---
struct LargestCase {
  std::string name;
  std::size_t mtu = 0;
  std::size_t count = 0;
  std::size_t last_offset = 0;
  std::size_t last_total_length = 0;
};

class FragmentLargest : public testing::TestWithParam<LargestCase> {};

TEST_P(FragmentLargest, SplitsIntoFullPiecesAndARemainder) {
  const LargestCase& c = GetParam();
  const Datagram d{.payload_length = kIpv4MaxDatagram - 20};
  FragmenterStats stats;
  const FragmentResult r = fragment(build(d), c.mtu, &stats);
  ASSERT_TRUE(r.ok()) << static_cast<int>(r.error);
  ASSERT_EQ(r.fragments.size(), c.count);
  EXPECT_EQ(offset_of(r.fragments.back()), c.last_offset);
  EXPECT_EQ(r.fragments.back().size(), c.last_total_length);
  expect_rfc791_train(d, r.fragments, c.mtu);
  EXPECT_EQ(stats.frag_creates, c.count);
}

const LargestCase kLargestCases[] = {
    // 65515 = 1364 * 48 + 43.
    {"Mtu68", 68, 1365, 65472, 63},
    // 65515 = 118 * 552 + 379.
    {"Mtu576", 576, 119, 65136, 399},
    // 65515 = 44 * 1480 + 395.
    {"Mtu1500", 1500, 45, 65120, 415},
};

INSTANTIATE_TEST_SUITE_P(Rfc791, FragmentLargest, testing::ValuesIn(kLargestCases),
                         case_name<LargestCase>);

// --- A packet that fits is returned unchanged, and nothing is counted ---
struct FitsCase {
  std::string name;
  Datagram input;
  std::size_t mtu = 0;
};

class FragmentFits : public testing::TestWithParam<FitsCase> {};

TEST_P(FragmentFits, ReturnedUnchangedWithoutCounting) {
  const FitsCase& c = GetParam();
  const Octets packet = build(c.input);
  FragmenterStats stats;
  const FragmentResult r = fragment(packet, c.mtu, &stats);
  ASSERT_TRUE(r.ok()) << static_cast<int>(r.error);
  ASSERT_EQ(r.fragments.size(), 1u);
  EXPECT_EQ(r.fragments[0], packet);
  EXPECT_EQ(stats, FragmenterStats{});
}

const FitsCase kFitsCases[] = {
    // RFC 791 3.2: "IF TL =< MTU THEN Submit this datagram".
    {"ExactlyTheMtu", {.payload_length = 556}, 576},
    {"ExactlyTheMtuWithDfSet", {.payload_length = 1480, .df = true}, 1500},
    {"ExactlyTheMtuWithOptions", {.payload_length = 540, .options = {kLsrr, kRecordRoute}}, 576},
    {"ExactlyTheMinimumMtu", {.payload_length = 48, .mf = true, .offset = 800}, 68},
    {"WellBelowTheMtu", {.payload_length = 10}, 1500},
    {"HeaderOnly", {}, 68},
    {"LargestDatagramAtLargestMtu", {.payload_length = kIpv4MaxDatagram - 20}, 65535},
};

INSTANTIATE_TEST_SUITE_P(Rfc791, FragmentFits, testing::ValuesIn(kFitsCases), case_name<FitsCase>);

TEST(Fragment, LinkPaddingAfterTotalLengthIsNotPartOfTheDatagram) {
  const Octets packet = build({.payload_length = 10});
  Octets padded = packet;
  padded.resize(packet.size() + 16, 0xee);
  const FragmentResult r = fragment(padded, 1500);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.fragments.size(), 1u);
  EXPECT_EQ(r.fragments[0], packet);
}

// --- Errors ---
struct MtuCase {
  std::string name;
  std::size_t payload_length = 0;
  std::size_t mtu = 0;
};

class FragmentMtuTooSmall : public testing::TestWithParam<MtuCase> {};

// RFC 791 3.2: "Every internet module must be able to forward a datagram of
// 68 octets without further fragmentation." A smaller MTU is refused whatever
// the packet's size.
TEST_P(FragmentMtuTooSmall, IsAnErrorAndAFragFail) {
  const MtuCase& c = GetParam();
  FragmenterStats stats;
  const FragmentResult r = fragment(build({.payload_length = c.payload_length}), c.mtu, &stats);
  EXPECT_EQ(r.error, Reason::kMtuTooSmall);
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(r.fragments.empty());
  EXPECT_EQ(stats, (FragmenterStats{.frag_oks = 0, .frag_fails = 1, .frag_creates = 0}));
}

const MtuCase kMtuCases[] = {
    {"Mtu67", 1000, 67},
    {"Mtu67PacketThatWouldFit", 10, 67},
    {"Mtu28", 1000, 28},
    {"Mtu0", 1000, 0},
};

INSTANTIATE_TEST_SUITE_P(Rfc791, FragmentMtuTooSmall, testing::ValuesIn(kMtuCases),
                         case_name<MtuCase>);

struct DfCase {
  std::string name;
  Datagram input;
  std::size_t mtu = 0;
  std::size_t quote_length = 0;  // header + 8 data octets
};

class FragmentDontFragment : public testing::TestWithParam<DfCase> {};

// RFC 791 3.2: "ELSE IF DF = 1 THEN discard the datagram"; RFC 1191 4: the
// ICMP type 3 code 4 message carries the next-hop MTU and (RFC 792) "the
// internet header plus the first 64 bits of the original datagram's data".
TEST_P(FragmentDontFragment, ReportsFragmentationNeeded) {
  const DfCase& c = GetParam();
  const Octets packet = build(c.input);
  FragmenterStats stats;
  const FragmentResult r = fragment(packet, c.mtu, &stats);
  EXPECT_EQ(r.error, Reason::kFragmentationNeeded);
  EXPECT_TRUE(r.fragments.empty());
  EXPECT_EQ(r.icmp.next_hop_mtu, c.mtu);
  EXPECT_EQ(r.icmp.quote, Octets(packet.begin(), packet.begin() + c.quote_length));
  EXPECT_EQ(stats, (FragmenterStats{.frag_oks = 0, .frag_fails = 1, .frag_creates = 0}));
}

const DfCase kDfCases[] = {
    {"Payload1500AtMtu576", {.payload_length = 1500, .df = true}, 576, 28},
    {"OneOctetOver", {.payload_length = 557, .df = true}, 576, 28},
    {"WithOptions",
     {.payload_length = 1500, .options = {kLsrr, kRecordRoute}, .df = true},
     1500,
     36 + 8},
    {"AFragmentWithDf", {.payload_length = 200, .df = true, .mf = true, .offset = 64}, 68, 28},
};

INSTANTIATE_TEST_SUITE_P(Rfc1191, FragmentDontFragment, testing::ValuesIn(kDfCases),
                         case_name<DfCase>);

struct MalformedCase {
  std::string name;
  Octets packet;
  Reason reason;
};

Octets with_octet(Octets p, std::size_t at, std::uint8_t value) {
  p[at] = value;
  return p;
}

Octets truncated(Octets p, std::size_t size) {
  p.resize(size);
  return p;
}

class FragmentMalformed : public testing::TestWithParam<MalformedCase> {};

// Parse errors pass through; a malformed packet never reached the
// fragmentation test, so it is not a FragFail (RFC 4293).
TEST_P(FragmentMalformed, ParseReasonPassesThroughUncounted) {
  const MalformedCase& c = GetParam();
  FragmenterStats stats;
  const FragmentResult r = fragment(c.packet, 576, &stats);
  EXPECT_EQ(r.error, c.reason);
  EXPECT_TRUE(r.fragments.empty());
  EXPECT_EQ(stats, FragmenterStats{});
}

const MalformedCase kMalformedCases[] = {
    {"Empty", {}, Reason::kTruncated},
    {"NineteenOctets", truncated(build({.payload_length = 1000}), 19), Reason::kTruncated},
    {"Version6", with_octet(build({.payload_length = 1000}), 0, 0x65), Reason::kBadVersion},
    {"Ihl4", with_octet(build({.payload_length = 1000}), 0, 0x44), Reason::kBadHeaderLength},
    {"TotalLengthPastTheBytes", truncated(build({.payload_length = 1000}), 900),
     Reason::kBadTotalLength},
    // Record route whose length octet (7) is replaced by 1.
    {"OptionLengthOne",
     with_octet(build({.payload_length = 1000, .options = {kRecordRoute}}), 21, 1),
     Reason::kBadOptions},
};

INSTANTIATE_TEST_SUITE_P(Rfc791, FragmentMalformed, testing::ValuesIn(kMalformedCases),
                         case_name<MalformedCase>);

// The 13-bit offset field holds at most 8191 * 8 = 65528 octets; a bogus
// fragment whose pieces would start beyond that cannot be re-fragmented.
TEST(Fragment, PieceOffsetPast65528IsDatagramTooLarge) {
  FragmenterStats stats;
  const Datagram d{.payload_length = 1000, .offset = 65000};
  const FragmentResult r = fragment(build(d), 576, &stats);
  EXPECT_EQ(r.error, Reason::kDatagramTooLarge);
  EXPECT_TRUE(r.fragments.empty());
  EXPECT_EQ(stats, (FragmenterStats{.frag_oks = 0, .frag_fails = 1, .frag_creates = 0}));
}

TEST(Fragment, LastPieceMayStartAtTheLargestOffset) {
  // 65528 - 48 = 65480: pieces at 65480 and 65528, the largest offset.
  const Datagram d{.payload_length = 60, .offset = 65480};
  const FragmentResult r = fragment(build(d), 68);
  ASSERT_TRUE(r.ok()) << static_cast<int>(r.error);
  ASSERT_EQ(r.fragments.size(), 2u);
  EXPECT_EQ(offset_of(r.fragments[1]), 65528u);
  expect_rfc791_train(d, r.fragments, 68);
}

// The input's checksum is not verified (fragmenter.h): a wrong one is not
// an error, and every piece gets a fresh, correct checksum.
TEST(Fragment, InputChecksumIsNotVerifiedAndPiecesGetFreshOnes) {
  const Datagram d{.payload_length = 1500};
  Octets packet = build(d);
  packet[10] ^= 0x5a;
  const FragmentResult r = fragment(packet, 576);
  ASSERT_TRUE(r.ok()) << static_cast<int>(r.error);
  expect_rfc791_train(d, r.fragments, 576);
}

// A datagram fragmented at 1500, each fragment again at 576 and each of
// those at 68 still concatenates, in offset order, to the original payload;
// offsets stay relative to the original datagram at every stage.
TEST(Fragment, RefragmentingEveryPieceTwiceKeepsTheTrainWhole) {
  const Datagram d{.payload_length = 4000, .options = {kSecurity, kRecordRoute}};
  std::vector<Octets> train = {build(d)};
  for (const std::size_t mtu : {1500u, 576u, 68u}) {
    std::vector<Octets> next;
    for (const Octets& packet : train) {
      const FragmentResult r = fragment(packet, mtu);
      ASSERT_TRUE(r.ok()) << static_cast<int>(r.error);
      next.insert(next.end(), r.fragments.begin(), r.fragments.end());
    }
    train = next;
    expect_rfc791_train(d, train, mtu, /*packed=*/mtu == 1500);
  }
}

TEST(Fragment, CountersAccumulateOverDatagrams) {
  FragmenterStats stats;
  EXPECT_TRUE(fragment(build({.payload_length = 1500}), 576, &stats).ok());  // 3 pieces
  EXPECT_TRUE(fragment(build({.payload_length = 100}), 576, &stats).ok());   // fits
  EXPECT_FALSE(fragment(build({.payload_length = 1500, .df = true}), 576, &stats).ok());
  EXPECT_TRUE(fragment(build({.payload_length = 100}), 68, &stats).ok());  // 3 pieces
  EXPECT_FALSE(fragment(build({.payload_length = 100}), 60, &stats).ok());
  EXPECT_FALSE(fragment(Octets{0x45}, 576, &stats).ok());  // uncounted
  EXPECT_EQ(stats, (FragmenterStats{.frag_oks = 2, .frag_fails = 2, .frag_creates = 6}));
}

TEST(Fragment, StatsAreOptional) {
  EXPECT_TRUE(fragment(build({.payload_length = 1500}), 576).ok());
  EXPECT_FALSE(fragment(build({.payload_length = 1500, .df = true}), 576).ok());
}

// --- Identification (RFC 791 3.2; one 16-bit counter per stack) ---
struct IdCase {
  std::string name;
  std::uint16_t seed = 0;
  std::vector<std::uint16_t> expected;
};

class IdentificationCounterTest : public testing::TestWithParam<IdCase> {};

TEST_P(IdentificationCounterTest, StartsAtTheSeedAndCountsModulo65536) {
  const IdCase& c = GetParam();
  IdentificationCounter counter(c.seed);
  std::vector<std::uint16_t> got;
  for (std::size_t i = 0; i < c.expected.size(); ++i) {
    got.push_back(counter.next());
  }
  EXPECT_EQ(got, c.expected);
}

const IdCase kIdCases[] = {
    {"SeedZero", 0, {0, 1, 2}},
    {"Seed4242", 4242, {4242, 4243, 4244}},
    {"WrapsAfter65535", 65534, {65534, 65535, 0, 1}},
};

INSTANTIATE_TEST_SUITE_P(Rfc791, IdentificationCounterTest, testing::ValuesIn(kIdCases),
                         case_name<IdCase>);

TEST(Identification, DefaultSeedIsZero) {
  IdentificationCounter counter;
  EXPECT_EQ(counter.next(), 0);
}

TEST(Identification, FullCycleReturnsToTheSeed) {
  IdentificationCounter counter(777);
  for (std::size_t i = 0; i < 65536; ++i) {
    counter.next();
  }
  EXPECT_EQ(counter.next(), 777);
}

}  // namespace
}  // namespace ip4ref
