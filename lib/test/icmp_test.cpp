// icmp_test.cpp: the ICMP messages the stack answers and sends (RFC 792),
// with the RFC 1191 next-hop MTU, each checked octet for octet.
#include "ip4ref/icmp.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "ip4ref/checksum.h"

namespace ip4ref {
namespace {

using Octets = std::vector<std::uint8_t>;

// The 32 data octets Windows ping sends: "abcdefghijklmnopqrstuvwabcdefghi".
Octets windows_ping_data() {
  Octets data;
  for (char c = 'a'; c <= 'w'; ++c) {
    data.push_back(static_cast<std::uint8_t>(c));
  }
  for (char c = 'a'; c <= 'i'; ++c) {
    data.push_back(static_cast<std::uint8_t>(c));
  }
  return data;
}

Octets concat(Octets a, const Octets& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// Echo request, identifier 1, sequence 42; checksum 0x4d31 computed
// independently of this library.
Octets echo_request_vector() {
  return concat({0x08, 0x00, 0x4d, 0x31, 0x00, 0x01, 0x00, 0x2a}, windows_ping_data());
}

// The offset-0 fragment's header (UDP, MF, 192.0.2.1 -> 192.0.2.2, id 0x1c46,
// valid checksum 0xba87) and its first 64 bits of data: the RFC 792 quote.
const Octets kQuote = {0x45, 0x00, 0x00, 0x1c, 0x1c, 0x46, 0x20, 0x00, 0x40, 0x11,
                       0xba, 0x87, 0xc0, 0x00, 0x02, 0x01, 0xc0, 0x00, 0x02, 0x02,
                       0xd4, 0x31, 0x00, 0x35, 0x00, 0x08, 0xab, 0xcd};

// ---------------------------------------------------------------------------
// IcmpView

TEST(IcmpView, FewerThanEightOctetsAreTruncated) {
  for (std::size_t n = 0; n < kIcmpHeader; ++n) {
    const Octets bytes(n, 0x08);
    const auto view = IcmpView::parse(bytes);
    ASSERT_FALSE(view) << n;
    EXPECT_EQ(view.error(), Reason::kTruncated);
  }
}

TEST(IcmpView, EightOctetsAreAMessageWithNoData) {
  const Octets bytes = {0x08, 0x00, 0xf7, 0xff, 0x00, 0x00, 0x00, 0x00};
  const auto view = IcmpView::parse(bytes);
  ASSERT_TRUE(view);
  EXPECT_TRUE(view->data().empty());
  EXPECT_TRUE(view->checksum_ok());
}

TEST(IcmpView, EchoRequestFields) {
  const Octets bytes = echo_request_vector();
  const auto view = IcmpView::parse(bytes);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->type(), icmp_type::kEchoRequest);
  EXPECT_EQ(view->code(), 0);
  EXPECT_EQ(view->checksum(), 0x4d31);
  EXPECT_EQ(view->identifier(), 1);
  EXPECT_EQ(view->sequence(), 42);
  EXPECT_EQ(view->data().size(), 32u);
  EXPECT_EQ(view->bytes().size(), 40u);
  EXPECT_TRUE(view->checksum_ok());
}

// RFC 792: the checksum covers the whole message, data included.
TEST(IcmpView, ChecksumCoversTheData) {
  Octets bytes = echo_request_vector();
  bytes.back() ^= 0x01;
  const auto view = IcmpView::parse(bytes);
  ASSERT_TRUE(view);
  EXPECT_FALSE(view->checksum_ok());
}

// ---------------------------------------------------------------------------
// Echo request / reply (RFC 792 "Echo or Echo Reply Message")

TEST(MakeEchoRequest, MatchesTheIndependentVector) {
  EXPECT_EQ(make_echo_request(1, 42, windows_ping_data()), echo_request_vector());
}

TEST(MakeEchoRequest, OddLengthDataIsChecksummedWithZeroPad) {
  const Octets data = {0x01, 0x02, 0x03};
  const Octets msg = make_echo_request(0xbeef, 7, data);
  ASSERT_EQ(msg.size(), 11u);
  const auto view = IcmpView::parse(msg);
  ASSERT_TRUE(view);
  EXPECT_TRUE(view->checksum_ok());
  EXPECT_EQ(view->identifier(), 0xbeef);
  EXPECT_EQ(view->sequence(), 7);
}

TEST(MakeEchoReply, TypeZeroSameIdentifierSequenceAndData) {
  const Octets request = echo_request_vector();
  const auto reply = make_echo_reply(IcmpView::parse(request).value());
  ASSERT_TRUE(reply);
  // Checksum 0x5531 computed independently of this library.
  EXPECT_EQ(*reply, concat({0x00, 0x00, 0x55, 0x31, 0x00, 0x01, 0x00, 0x2a}, windows_ping_data()));
  const auto view = IcmpView::parse(*reply);
  ASSERT_TRUE(view);
  EXPECT_TRUE(view->checksum_ok());
  EXPECT_EQ(view->type(), icmp_type::kEchoReply);
}

// Only the type word changes (0x0800 -> 0x0000), so the reply's checksum is
// the request's updated by RFC 1624 eqn. 3.
TEST(MakeEchoReply, ChecksumIsTheIncrementalUpdateOfTheRequests) {
  const Octets request = echo_request_vector();
  const auto reply = make_echo_reply(IcmpView::parse(request).value());
  ASSERT_TRUE(reply);
  EXPECT_EQ(load_be16(*reply, 2), checksum_update16(0x4d31, 0x0800, 0x0000));
}

TEST(MakeEchoReply, NonZeroRequestCodeIsAnsweredWithCodeZero) {
  Octets request = make_echo_request(5, 6, Octets{0xaa});
  request[1] = 3;
  store_be16(request, 2, 0);
  store_be16(request, 2, internet_checksum(request));
  const auto reply = make_echo_reply(IcmpView::parse(request).value());
  ASSERT_TRUE(reply);
  EXPECT_EQ((*reply)[1], 0);
  EXPECT_TRUE(IcmpView::parse(*reply)->checksum_ok());
}

TEST(MakeEchoReply, RequestWithoutDataGetsAReplyWithoutData) {
  const Octets request = make_echo_request(0, 0, Bytes{});
  const auto reply = make_echo_reply(IcmpView::parse(request).value());
  ASSERT_TRUE(reply);
  EXPECT_EQ(*reply, (Octets{0x00, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00}));
}

TEST(MakeEchoReply, BadChecksumIsNotAnswered) {
  Octets request = echo_request_vector();
  request[2] ^= 0x01;
  const auto reply = make_echo_reply(IcmpView::parse(request).value());
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error(), Reason::kBadChecksum);
}

// A reply is never answered (two stacks would ping-pong forever).
TEST(MakeEchoReply, OnlyAnEchoRequestIsAnswered) {
  const Octets request = echo_request_vector();
  const Octets reply = make_echo_reply(IcmpView::parse(request).value()).value();
  const auto again = make_echo_reply(IcmpView::parse(reply).value());
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error(), Reason::kTruncated);
  const Octets exceeded = make_time_exceeded(icmp_code::kReassemblyTimeExceeded, kQuote);
  EXPECT_FALSE(make_echo_reply(IcmpView::parse(exceeded).value()));
}

// ---------------------------------------------------------------------------
// Time exceeded (RFC 792), sent on reassembly timeout

TEST(MakeTimeExceeded, ReassemblyTimeoutQuotesHeaderAndSixtyFourBits) {
  const Octets msg = make_time_exceeded(icmp_code::kReassemblyTimeExceeded, kQuote);
  // Checksum 0x74c2 computed independently of this library.
  EXPECT_EQ(msg, concat({0x0b, 0x01, 0x74, 0xc2, 0x00, 0x00, 0x00, 0x00}, kQuote));
  const auto view = IcmpView::parse(msg);
  ASSERT_TRUE(view);
  EXPECT_TRUE(view->checksum_ok());
  EXPECT_EQ(view->type(), icmp_type::kTimeExceeded);
  EXPECT_EQ(view->code(), icmp_code::kReassemblyTimeExceeded);
  EXPECT_EQ(Octets(view->data().begin(), view->data().end()), kQuote);
}

TEST(MakeTimeExceeded, TtlExceededInTransitIsCodeZero) {
  const Octets msg = make_time_exceeded(icmp_code::kTtlExceeded, kQuote);
  EXPECT_EQ(msg[0], 11);
  EXPECT_EQ(msg[1], 0);
  EXPECT_TRUE(IcmpView::parse(msg)->checksum_ok());
}

// ---------------------------------------------------------------------------
// Destination unreachable (RFC 792) with the RFC 1191 next-hop MTU

TEST(MakeDestinationUnreachable, FragmentationNeededCarriesNextHopMtu) {
  const Octets msg = make_destination_unreachable(icmp_code::kFragmentationNeeded, 1500, kQuote);
  // Checksum 0x76e3 computed independently of this library; 1500 = 0x05dc.
  EXPECT_EQ(msg, concat({0x03, 0x04, 0x76, 0xe3, 0x00, 0x00, 0x05, 0xdc}, kQuote));
  const auto view = IcmpView::parse(msg);
  ASSERT_TRUE(view);
  EXPECT_TRUE(view->checksum_ok());
  EXPECT_EQ(view->type(), icmp_type::kDestinationUnreachable);
  EXPECT_EQ(view->next_hop_mtu(), 1500);
}

TEST(MakeDestinationUnreachable, MinimumMtu68) {
  const Octets msg = make_destination_unreachable(icmp_code::kFragmentationNeeded, 68, kQuote);
  EXPECT_EQ(IcmpView::parse(msg)->next_hop_mtu(), 68);
  EXPECT_TRUE(IcmpView::parse(msg)->checksum_ok());
}

// RFC 792: for other codes the second word is unused and zero.
TEST(MakeDestinationUnreachable, OtherCodesLeaveTheSecondWordZero) {
  const std::uint8_t kHostUnreachable = 1;
  const Octets msg = make_destination_unreachable(kHostUnreachable, 1500, kQuote);
  EXPECT_EQ(msg[1], kHostUnreachable);
  EXPECT_EQ(load_be32(msg, 4), 0u);
  EXPECT_TRUE(IcmpView::parse(msg)->checksum_ok());
}

}  // namespace
}  // namespace ip4ref
