// ipv4_header_test.cpp: the IPv4 header (RFC 791 3.1): the checked view, the
// options, and the header value's parse / emit.
#include "ip4ref/ipv4_header.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "ip4ref/checksum.h"

namespace ip4ref {

// Readable failure messages: gtest would print the struct as raw octets.
void PrintTo(const Ipv4Header& h, std::ostream* os) {
  *os << "{tos " << int{h.tos} << ", len " << h.total_length << ", id " << h.identification
      << ", flags " << h.reserved_flag << h.dont_fragment << h.more_fragments << ", off "
      << h.fragment_offset << ", ttl " << int{h.ttl} << ", proto " << int{h.protocol} << ", "
      << format_ipv4(h.source) << " -> " << format_ipv4(h.destination) << ", " << h.options.size()
      << " options}";
}

namespace {

using Octets = std::vector<std::uint8_t>;

// A captured IPv4 header: UDP, DF, TTL 64, total length 115,
// 192.168.0.1 -> 192.168.0.199, checksum 0xb861.
const Octets kCapturedHeader = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                                0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};

// The captured header followed by its 95 octets of payload (0x00, 0x01, ...).
Octets captured_packet() {
  Octets packet = kCapturedHeader;
  for (std::size_t i = 0; i < 95; ++i) {
    packet.push_back(static_cast<std::uint8_t>(i));
  }
  return packet;
}

Octets concat(Octets a, const Octets& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// A 20-octet header with every field given, checksum made right, followed by
// `options` (already padded) and `payload`; IHL and total length are derived.
Octets make_packet(const Octets& options, const Octets& payload) {
  Octets packet = {0x45, 0x00, 0x00, 0x00, 0xbe, 0xef, 0x00, 0x00, 0x40, 0x01,
                   0x00, 0x00, 0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x02};
  packet = concat(concat(packet, options), payload);
  packet[0] = static_cast<std::uint8_t>(0x40 | ((20 + options.size()) / 4));
  store_be16(packet, 2, static_cast<std::uint16_t>(packet.size()));
  const std::size_t header_length = 20 + options.size();
  store_be16(packet, 10, internet_checksum(Bytes{packet}.first(header_length)));
  return packet;
}

// ---------------------------------------------------------------------------
// Ipv4View::parse on good input

TEST(Ipv4View, CapturedPacketFieldsInNaturalUnits) {
  const Octets packet = captured_packet();
  const auto view = Ipv4View::parse(packet);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->version(), 4);
  EXPECT_EQ(view->ihl_raw(), 5);
  EXPECT_EQ(view->header_length(), 20u);
  EXPECT_EQ(view->tos(), 0);
  EXPECT_EQ(view->total_length(), 115u);
  EXPECT_EQ(view->identification(), 0);
  EXPECT_TRUE(view->dont_fragment());
  EXPECT_FALSE(view->more_fragments());
  EXPECT_FALSE(view->reserved_flag());
  EXPECT_FALSE(view->is_fragment());
  EXPECT_EQ(view->ttl(), 64);
  EXPECT_EQ(view->protocol(), 17);
  EXPECT_EQ(view->checksum(), 0xb861);
  EXPECT_EQ(view->source(), 0xc0a80001u);
  EXPECT_EQ(view->destination(), 0xc0a800c7u);
  EXPECT_TRUE(view->checksum_ok());
  EXPECT_EQ(view->header().size(), 20u);
  EXPECT_EQ(view->options().size(), 0u);
  EXPECT_EQ(view->payload().size(), 95u);
  EXPECT_EQ(view->payload()[0], 0x00);
  EXPECT_EQ(view->payload()[94], 94);
}

TEST(Ipv4View, ChecksumFailsWhenAnyHeaderOctetChanges) {
  for (std::size_t i = 0; i < 20; ++i) {
    Octets packet = captured_packet();
    packet[i] ^= 0x01;
    const auto view = Ipv4View::parse(packet);
    if (!view) {
      continue;  // flipping the version or total length may make it unparseable
    }
    EXPECT_FALSE(view->checksum_ok()) << "octet " << i;
  }
}

TEST(Ipv4View, ChecksumIgnoresThePayload) {
  Octets packet = captured_packet();
  packet[50] ^= 0xff;
  const auto view = Ipv4View::parse(packet);
  ASSERT_TRUE(view);
  EXPECT_TRUE(view->checksum_ok());
}

// Ethernet pads short frames to 60 octets: the view must stop at total length.
TEST(Ipv4View, LinkPaddingAfterTotalLengthIsOutsideTheView) {
  Octets packet = make_packet({}, {0xaa, 0xbb, 0xcc, 0xdd});
  packet.resize(46, 0x00);
  const auto view = Ipv4View::parse(packet);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->bytes().size(), 24u);
  EXPECT_EQ(view->payload().size(), 4u);
  EXPECT_EQ(view->payload()[3], 0xdd);
}

TEST(Ipv4View, HeaderOnlyPacketHasEmptyPayload) {
  const Octets packet = make_packet({}, {});
  const auto view = Ipv4View::parse(packet);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->payload().size(), 0u);
}

TEST(Ipv4View, OptionsLieBetweenOctet20AndIhlTimes4) {
  const Octets options = {0x01, 0x01, 0x01, 0x00};
  const Octets packet = make_packet(options, {0x42});
  const auto view = Ipv4View::parse(packet);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->ihl_raw(), 6);
  EXPECT_EQ(view->header_length(), 24u);
  EXPECT_EQ(Octets(view->options().begin(), view->options().end()), options);
  EXPECT_EQ(view->payload().size(), 1u);
  EXPECT_TRUE(view->checksum_ok());
}

// RFC 791 3.1: the fragment offset field counts 8-octet units.
TEST(Ipv4View, FragmentOffsetIsInOctetsAndRawIsInUnits) {
  Octets packet = make_packet({}, Octets(8, 0));
  store_be16(packet, ipv4_field::kFlagsFragment, kFlagMf | 185);
  const auto view = Ipv4View::parse(packet);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->fragment_offset_raw(), 185);
  EXPECT_EQ(view->fragment_offset(), 1480u);
  EXPECT_TRUE(view->more_fragments());
  EXPECT_TRUE(view->is_fragment());
}

TEST(Ipv4View, LastFragmentIsAFragmentWithoutMf) {
  Octets packet = make_packet({}, Octets(8, 0));
  store_be16(packet, ipv4_field::kFlagsFragment, kFragmentOffsetMask);
  const auto view = Ipv4View::parse(packet);
  ASSERT_TRUE(view);
  EXPECT_FALSE(view->more_fragments());
  EXPECT_TRUE(view->is_fragment());
  EXPECT_EQ(view->fragment_offset(), 65528u);
}

// ---------------------------------------------------------------------------
// Ipv4View::parse failures, one named case per guard (and for the order)

struct ParseFailure {
  const char* name;
  Octets bytes;
  Reason expected;
};

Octets header_with(std::uint8_t version_ihl, std::uint16_t total_length, std::size_t size) {
  Octets b(size, 0);
  if (size >= 1) {
    b[0] = version_ihl;
  }
  if (size >= 4) {
    store_be16(b, 2, total_length);
  }
  return b;
}

const ParseFailure kParseFailures[] = {
    {"Empty", {}, Reason::kTruncated},
    {"OneOctet", {0x45}, Reason::kTruncated},
    {"NineteenOctets", header_with(0x45, 19, 19), Reason::kTruncated},
    {"TruncationBeforeVersion", header_with(0x65, 19, 19), Reason::kTruncated},
    {"Version0", header_with(0x05, 20, 20), Reason::kBadVersion},
    {"Version6", header_with(0x65, 20, 20), Reason::kBadVersion},
    {"Version15", header_with(0xf5, 20, 20), Reason::kBadVersion},
    {"VersionBeforeIhl", header_with(0x64, 20, 20), Reason::kBadVersion},
    {"Ihl0", header_with(0x40, 20, 20), Reason::kBadHeaderLength},
    {"Ihl4", header_with(0x44, 20, 20), Reason::kBadHeaderLength},
    {"IhlBeforeTotalLength", header_with(0x44, 0, 20), Reason::kBadHeaderLength},
    {"Ihl6ButTwentyOctets", header_with(0x46, 20, 20), Reason::kTruncated},
    {"Ihl15ButFiftyNineOctets", header_with(0x4f, 59, 59), Reason::kTruncated},
    {"TruncatedOptionsBeforeTotalLength", header_with(0x4f, 0, 20), Reason::kTruncated},
    {"TotalLength0", header_with(0x45, 0, 20), Reason::kBadTotalLength},
    {"TotalLength19", header_with(0x45, 19, 20), Reason::kBadTotalLength},
    {"TotalLengthBelowIhl", header_with(0x46, 20, 24), Reason::kBadTotalLength},
    {"TotalLengthPastTheOctets", header_with(0x45, 21, 20), Reason::kBadTotalLength},
    {"TotalLength65535InSmallBuffer", header_with(0x45, 65535, 100), Reason::kBadTotalLength},
};

class Ipv4ViewParseFailure : public testing::TestWithParam<ParseFailure> {};

TEST_P(Ipv4ViewParseFailure, RefusedWithTheFirstFailingReason) {
  const ParseFailure& c = GetParam();
  const auto view = Ipv4View::parse(c.bytes);
  ASSERT_FALSE(view);
  EXPECT_EQ(view.error(), c.expected) << to_string(view.error());
}

INSTANTIATE_TEST_SUITE_P(Guards, Ipv4ViewParseFailure, testing::ValuesIn(kParseFailures),
                         [](const testing::TestParamInfo<ParseFailure>& param_info) {
                           return std::string(param_info.param.name);
                         });

TEST(Ipv4View, SmallestValidPacketIsTwentyOctets) {
  EXPECT_TRUE(Ipv4View::parse(header_with(0x45, 20, 20)));
  EXPECT_TRUE(Ipv4View::parse(header_with(0x4f, 60, 60)));
}

// Every prefix of a packet with options, each in a buffer of exactly that
// size so that ASan sees any read past it: parse either refuses it or gives
// a view whose every accessor stays inside.
TEST(Ipv4View, EveryPrefixIsRefusedOrReadInBounds) {
  const Octets options = {0x83, 0x07, 0x04, 0xc0, 0x00, 0x02, 0x01, 0x00};
  const Octets packet = make_packet(options, {1, 2, 3, 4, 5, 6, 7, 8});
  for (std::size_t n = 0; n <= packet.size(); ++n) {
    const Octets prefix(packet.begin(), packet.begin() + static_cast<std::ptrdiff_t>(n));
    const auto view = Ipv4View::parse(prefix);
    if (n < packet.size()) {
      EXPECT_FALSE(view) << "prefix " << n;
      continue;
    }
    ASSERT_TRUE(view);
    EXPECT_TRUE(view->checksum_ok());
    EXPECT_TRUE(Ipv4Header::parse(*view));
  }
}

// Every value of octet 0 and of the total length's low octet over a 24-octet
// buffer: no combination reads out of bounds.
TEST(Ipv4View, EveryVersionIhlAndLengthIsRefusedOrReadInBounds) {
  for (int vi = 0; vi < 256; ++vi) {
    for (int len = 0; len < 256; ++len) {
      Octets b(24, 0x01);
      b[0] = static_cast<std::uint8_t>(vi);
      b[2] = 0;
      b[3] = static_cast<std::uint8_t>(len);
      const auto view = Ipv4View::parse(b);
      if (!view) {
        continue;
      }
      ASSERT_LE(view->bytes().size(), b.size());
      ASSERT_EQ(view->header().size() + view->payload().size(), view->bytes().size());
      (void)view->checksum_ok();
      (void)Ipv4Header::parse(*view);
    }
  }
}

// ---------------------------------------------------------------------------
// parse_options (RFC 791 3.1 "Options")

TEST(ParseOptions, EmptyAreaHasNoOptions) {
  const auto options = parse_options(Bytes{});
  ASSERT_TRUE(options);
  EXPECT_TRUE(options->empty());
}

TEST(ParseOptions, NopIsOneOctetAndEolEndsTheListAndIsKept) {
  const Octets area = {0x01, 0x01, 0x00, 0x00};
  const auto options = parse_options(area);
  ASSERT_TRUE(options);
  ASSERT_EQ(options->size(), 3u);
  EXPECT_EQ((*options)[0].type, Ipv4Option::kNoOperation);
  EXPECT_EQ((*options)[1].type, Ipv4Option::kNoOperation);
  EXPECT_EQ((*options)[2].type, Ipv4Option::kEndOfList);
  for (const Ipv4Option& o : *options) {
    EXPECT_TRUE(o.data.empty());
    EXPECT_EQ(o.size(), 1u);
  }
}

// After EOL come padding octets: even ones that would not parse are ignored.
TEST(ParseOptions, OctetsAfterEolAreIgnored) {
  const Octets area = {0x00, 0x07, 0xff, 0x01};
  const auto options = parse_options(area);
  ASSERT_TRUE(options);
  ASSERT_EQ(options->size(), 1u);
  EXPECT_EQ((*options)[0].type, Ipv4Option::kEndOfList);
}

// RFC 791 3.1 "Record Route": type 7, length, pointer, route data.
TEST(ParseOptions, RecordRouteIsTypeLengthData) {
  const Octets area = {0x07, 0x07, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00};
  const auto options = parse_options(area);
  ASSERT_TRUE(options);
  ASSERT_EQ(options->size(), 2u);
  const Ipv4Option& rr = (*options)[0];
  EXPECT_EQ(rr.type, 7);
  EXPECT_EQ(rr.data, (Octets{0x04, 0x00, 0x00, 0x00, 0x00}));
  EXPECT_EQ(rr.size(), 7u);
  EXPECT_FALSE(rr.copied());  // RFC 791: record route is not copied on fragmentation
  EXPECT_EQ(rr.option_class(), 0);
  EXPECT_EQ(rr.number(), 7);
  EXPECT_EQ((*options)[1].type, Ipv4Option::kEndOfList);
}

// RFC 791 3.1 "Security": type 130, length 11; copied into every fragment.
TEST(ParseOptions, SecurityOptionIsCopiedControlNumber2) {
  const Octets area = {0x82, 0x0b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  const auto options = parse_options(area);
  ASSERT_TRUE(options);
  ASSERT_EQ(options->size(), 2u);
  const Ipv4Option& sec = (*options)[0];
  EXPECT_EQ(sec.type, 130);
  EXPECT_EQ(sec.data.size(), 9u);
  EXPECT_TRUE(sec.copied());
  EXPECT_EQ(sec.option_class(), 0);
  EXPECT_EQ(sec.number(), 2);
}

// RFC 791 3.1 "Loose Source and Record Route": type 131, copied.
TEST(ParseOptions, LooseSourceRouteFillingTheAreaExactly) {
  const Octets area = {0x01, 0x83, 0x07, 0x04, 0xc0, 0x00, 0x02, 0x01};
  const auto options = parse_options(area);
  ASSERT_TRUE(options);
  ASSERT_EQ(options->size(), 2u);
  EXPECT_EQ((*options)[0].type, Ipv4Option::kNoOperation);
  const Ipv4Option& lsrr = (*options)[1];
  EXPECT_EQ(lsrr.type, 131);
  EXPECT_TRUE(lsrr.copied());
  EXPECT_EQ(lsrr.data, (Octets{0x04, 0xc0, 0x00, 0x02, 0x01}));
}

// RFC 791 3.1 "Internet Timestamp": type 68, class 2 (debugging and measurement).
TEST(ParseOptions, TimestampIsDebuggingClass) {
  const Octets area = {0x44, 0x04, 0x05, 0x00};
  const auto options = parse_options(area);
  ASSERT_TRUE(options);
  ASSERT_EQ(options->size(), 1u);
  EXPECT_EQ((*options)[0].option_class(), 2);
  EXPECT_EQ((*options)[0].number(), 4);
  EXPECT_FALSE((*options)[0].copied());
}

TEST(ParseOptions, LengthTwoMeansNoData) {
  const Octets area = {0x99, 0x02, 0x01, 0x00};
  const auto options = parse_options(area);
  ASSERT_TRUE(options);
  ASSERT_EQ(options->size(), 3u);
  EXPECT_TRUE((*options)[0].data.empty());
  EXPECT_EQ((*options)[0].size(), 2u);
}

struct BadOptions {
  const char* name;
  Octets area;
};

const BadOptions kBadOptionAreas[] = {
    {"LengthOctetMissing", {0x07}},
    {"LengthOctetMissingAfterNops", {0x01, 0x01, 0x01, 0x07}},
    {"LengthZero", {0x07, 0x00, 0x00, 0x00}},
    {"LengthOne", {0x07, 0x01, 0x00, 0x00}},
    {"LengthPastTheArea", {0x07, 0x05, 0x04, 0x00}},
    {"LengthPastTheAreaByOne", {0x01, 0x83, 0x08, 0x04, 0xc0, 0x00, 0x02, 0x01}},
    {"SecondOptionPastTheArea", {0x44, 0x02, 0x82, 0x0b}},
    {"LengthMax", {0x82, 0xff, 0x00, 0x00}},
};

class ParseOptionsFailure : public testing::TestWithParam<BadOptions> {};

TEST_P(ParseOptionsFailure, RefusedAsBadOptions) {
  const auto options = parse_options(GetParam().area);
  ASSERT_FALSE(options);
  EXPECT_EQ(options.error(), Reason::kBadOptions);
  EXPECT_FALSE(options_well_formed(GetParam().area));
}

INSTANTIATE_TEST_SUITE_P(Areas, ParseOptionsFailure, testing::ValuesIn(kBadOptionAreas),
                         [](const testing::TestParamInfo<BadOptions>& param_info) {
                           return std::string(param_info.param.name);
                         });

// Every two-octet area, each in an exactly sized buffer: no read past it.
TEST(ParseOptions, EveryTwoOctetAreaIsRefusedOrReadInBounds) {
  for (int first = 0; first < 256; ++first) {
    for (int second = 0; second < 256; ++second) {
      const Octets area = {static_cast<std::uint8_t>(first), static_cast<std::uint8_t>(second)};
      const auto options = parse_options(area);
      if (options) {
        std::size_t octets = 0;
        for (const Ipv4Option& o : *options) {
          octets += o.size();
        }
        ASSERT_LE(octets, area.size()) << first << " " << second;
      }
    }
  }
}

// options_well_formed is parse_options' verdict without the list: the same
// on every area of up to three octets drawn from the octets that matter
// (EOL, NOP, the lengths around 2 and the area's size, a long option type).
TEST(OptionsWellFormed, AgreesWithParseOptionsOnEverySmallArea) {
  const std::uint8_t interesting[] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x07, 0x44, 0x83, 0xff};
  std::vector<Octets> areas = {{}};
  std::vector<Octets> level = {{}};  // the areas of the length just made
  for (std::size_t n = 0; n < 3; ++n) {
    std::vector<Octets> next;
    for (const Octets& a : level) {
      for (const std::uint8_t octet : interesting) {
        Octets longer = a;
        longer.push_back(octet);
        next.push_back(longer);
      }
    }
    areas.insert(areas.end(), next.begin(), next.end());
    level = next;
  }
  std::size_t accepted = 0;
  for (const Octets& area : areas) {
    const bool parsed = parse_options(area).has_value();
    EXPECT_EQ(options_well_formed(area), parsed) << testing::PrintToString(area);
    accepted += parsed ? 1 : 0;
  }
  EXPECT_GT(accepted, 0u);
  EXPECT_LT(accepted, areas.size());
}

TEST(OptionsWireSize, PadsUpToAMultipleOfFour) {
  EXPECT_EQ(options_wire_size({}), 0u);
  EXPECT_EQ(options_wire_size({Ipv4Option{1, {}}}), 4u);
  EXPECT_EQ(options_wire_size({Ipv4Option{7, {4, 0, 0, 0, 0}}}), 8u);
  EXPECT_EQ(options_wire_size({Ipv4Option{1, {}}, Ipv4Option{7, {4, 0, 0, 0, 0}}}), 8u);
  EXPECT_EQ(options_wire_size({Ipv4Option{0x44, {5, 0}}}), 4u);
}

// ---------------------------------------------------------------------------
// Ipv4Header parse / emit

TEST(Ipv4Header, ParsesCapturedHeaderIntoFields) {
  const Octets packet = captured_packet();
  const auto view = Ipv4View::parse(packet);
  ASSERT_TRUE(view);
  const auto h = Ipv4Header::parse(*view);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->tos, 0);
  EXPECT_EQ(h->total_length, 115);
  EXPECT_EQ(h->identification, 0);
  EXPECT_FALSE(h->reserved_flag);
  EXPECT_TRUE(h->dont_fragment);
  EXPECT_FALSE(h->more_fragments);
  EXPECT_EQ(h->fragment_offset, 0);
  EXPECT_EQ(h->ttl, 64);
  EXPECT_EQ(h->protocol, 17);
  EXPECT_EQ(h->checksum, 0xb861);
  EXPECT_EQ(h->source, 0xc0a80001u);
  EXPECT_EQ(h->destination, 0xc0a800c7u);
  EXPECT_TRUE(h->options.empty());
  EXPECT_EQ(h->size().value(), 20u);
}

TEST(Ipv4Header, EmitsCapturedHeaderByteForByte) {
  Ipv4Header h;
  h.total_length = 115;
  h.dont_fragment = true;
  h.ttl = 64;
  h.protocol = 17;
  h.checksum = 0x1234;  // ignored: emit computes a fresh one
  h.source = 0xc0a80001;
  h.destination = 0xc0a800c7;
  Octets out(20, 0xee);
  const auto written = h.emit(out);
  ASSERT_TRUE(written);
  EXPECT_EQ(*written, 20u);
  EXPECT_EQ(out, kCapturedHeader);
}

TEST(Ipv4Header, EmitWritesOnlySizeOctets) {
  Ipv4Header h;
  h.total_length = 20;
  Octets out(24, 0xee);
  ASSERT_EQ(h.emit(out).value(), 20u);
  EXPECT_EQ(out[20], 0xee);
  EXPECT_EQ(out[23], 0xee);
}

TEST(Ipv4Header, EmitsFlagsAndOffsetInEightOctetUnits) {
  Ipv4Header h;
  h.total_length = 20;
  h.reserved_flag = true;
  h.more_fragments = true;
  h.fragment_offset = 1480;
  Octets out(20);
  ASSERT_TRUE(h.emit(out));
  EXPECT_EQ(load_be16(out, ipv4_field::kFlagsFragment), 0x8000 | 0x2000 | 185);
  const auto view = Ipv4View::parse(out);
  ASSERT_TRUE(view);
  EXPECT_TRUE(view->checksum_ok());
  EXPECT_TRUE(view->reserved_flag());
  EXPECT_EQ(view->fragment_offset(), 1480u);
}

// Law: parse(emit(h)) == h, and emit(parse(bytes)) == bytes, with options
// (NOP, a copied LSRR, record route, EOL) that fill the area to a word.
TEST(Ipv4Header, OptionsRoundTripThroughBytes) {
  const Octets options = {0x01,                                      // NOP
                          0x83, 0x07, 0x04, 0xc0, 0x00, 0x02, 0x01,  // LSRR
                          0x07, 0x07, 0x04, 0x00, 0x00, 0x00, 0x00,  // record route
                          0x00};                                     // EOL
  const Octets packet = make_packet(options, {9, 8, 7});
  const auto view = Ipv4View::parse(packet);
  ASSERT_TRUE(view);
  const auto h = Ipv4Header::parse(*view);
  ASSERT_TRUE(h);
  ASSERT_EQ(h->options.size(), 4u);
  EXPECT_EQ(h->options[0], (Ipv4Option{1, {}}));
  EXPECT_EQ(h->options[1], (Ipv4Option{131, {0x04, 0xc0, 0x00, 0x02, 0x01}}));
  EXPECT_EQ(h->options[2], (Ipv4Option{7, {0x04, 0x00, 0x00, 0x00, 0x00}}));
  EXPECT_EQ(h->options[3], (Ipv4Option{0, {}}));
  ASSERT_EQ(h->size().value(), 36u);

  Octets out(36);
  ASSERT_EQ(h->emit(out).value(), 36u);
  EXPECT_EQ(out, Octets(packet.begin(), packet.begin() + 36));

  const Octets again_packet = concat(out, {9, 8, 7});
  const auto again = Ipv4View::parse(again_packet);
  ASSERT_TRUE(again);
  EXPECT_EQ(Ipv4Header::parse(*again).value(), *h);
}

// Options that do not fill a word are padded with zero octets, which read
// back as an EOL: the wire form, not the option list, is what round-trips.
TEST(Ipv4Header, EmitPadsOptionsWithEolOctets) {
  Ipv4Header h;
  h.total_length = 28;
  h.options = {Ipv4Option{7, {0x04, 0xaa, 0xbb, 0xcc, 0xdd}}};
  ASSERT_EQ(h.size().value(), 28u);
  Octets out(28, 0xee);
  ASSERT_EQ(h.emit(out).value(), 28u);
  EXPECT_EQ(out[0], 0x47);  // IHL 7
  EXPECT_EQ(Octets(out.begin() + 20, out.end()),
            (Octets{0x07, 0x07, 0x04, 0xaa, 0xbb, 0xcc, 0xdd, 0x00}));
  const auto view = Ipv4View::parse(out);
  ASSERT_TRUE(view);
  EXPECT_TRUE(view->checksum_ok());
  const auto back = Ipv4Header::parse(*view);
  ASSERT_TRUE(back);
  ASSERT_EQ(back->options.size(), 2u);
  EXPECT_EQ(back->options[0], h.options[0]);
  EXPECT_EQ(back->options[1].type, Ipv4Option::kEndOfList);
}

TEST(Ipv4Header, FortyOctetsOfOptionsMakeTheLargestHeader) {
  Ipv4Header h;
  h.total_length = 60;
  h.options = {Ipv4Option{7, Octets(38, 0)}};
  ASSERT_EQ(h.size().value(), 60u);
  Octets out(60);
  ASSERT_EQ(h.emit(out).value(), 60u);
  EXPECT_EQ(out[0], 0x4f);
  EXPECT_EQ(out[21], 40);  // the option's length octet
  const auto view = Ipv4View::parse(out);
  ASSERT_TRUE(view);
  EXPECT_TRUE(view->checksum_ok());
  EXPECT_EQ(Ipv4Header::parse(*view).value(), h);
}

TEST(Ipv4Header, MoreThanFortyOctetsOfOptionsAreTooLong) {
  Ipv4Header h;
  h.options = {Ipv4Option{7, Octets(38, 0)}, Ipv4Option{1, {}}};
  const auto size = h.size();
  ASSERT_FALSE(size);
  EXPECT_EQ(size.error(), Reason::kOptionsTooLong);
  Octets out(64);
  const auto written = h.emit(out);
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error(), Reason::kOptionsTooLong);
}

TEST(Ipv4Header, EmitIntoTooSmallBufferIsTruncated) {
  Ipv4Header h;
  h.options = {Ipv4Option{1, {}}};
  Octets out(23);
  const auto written = h.emit(out);
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error(), Reason::kTruncated);
}

TEST(Ipv4Header, ParseRefusesBadOptions) {
  Octets packet = make_packet({0x07, 0x09, 0x04, 0x00}, {});
  const auto view = Ipv4View::parse(packet);
  ASSERT_TRUE(view);
  const auto h = Ipv4Header::parse(*view);
  ASSERT_FALSE(h);
  EXPECT_EQ(h.error(), Reason::kBadOptions);
}

TEST(Ipv4Header, EqualityIgnoresTheChecksumOnly) {
  Ipv4Header a;
  a.source = 0xc0000201;
  Ipv4Header b = a;
  b.checksum = 0xffff;
  EXPECT_EQ(a, b);
  b.ttl = 63;
  EXPECT_NE(a, b);
  b = a;
  b.options = {Ipv4Option{1, {}}};
  EXPECT_NE(a, b);
  b = a;
  b.reserved_flag = true;
  EXPECT_NE(a, b);
}

// ---------------------------------------------------------------------------
// format_ipv4

TEST(FormatIpv4, DottedQuadMostSignificantOctetFirst) {
  EXPECT_EQ(format_ipv4(0xc0a80001), "192.168.0.1");
  EXPECT_EQ(format_ipv4(0xc0000201), "192.0.2.1");
  EXPECT_EQ(format_ipv4(0x00000000), "0.0.0.0");
  EXPECT_EQ(format_ipv4(0xffffffff), "255.255.255.255");
  EXPECT_EQ(format_ipv4(0x0a000001), "10.0.0.1");
}

}  // namespace
}  // namespace ip4ref
