// checksum_test.cpp: the Internet checksum (RFC 1071) and its incremental
// update (RFC 1624 eqn. 3), against the RFCs' own numbers and a capture.
#include "ip4ref/checksum.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ip4ref {
namespace {

// RFC 1071 3 "Numerical Examples": bytes 00 01 f2 03 f4 f5 f6 f7 sum to 0xddf2.
const std::vector<std::uint8_t> kRfc1071Example = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};

// A captured IPv4 header (UDP, 192.168.0.1 -> 192.168.0.199) whose checksum
// field at octets 10-11 holds 0xb861.
const std::vector<std::uint8_t> kCapturedHeader = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40,
                                                   0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8,
                                                   0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};

std::vector<std::uint8_t> with_checksum_zeroed(std::vector<std::uint8_t> header) {
  header[10] = 0;
  header[11] = 0;
  return header;
}

TEST(OnesComplementSum, Rfc1071Section3ExampleSumsToDdf2) {
  EXPECT_EQ(ones_complement_sum(kRfc1071Example), 0xddf2);
}

TEST(InternetChecksum, Rfc1071Section3ExampleIsComplementOfSum) {
  EXPECT_EQ(internet_checksum(kRfc1071Example), 0x220d);
}

TEST(InternetChecksum, CapturedHeaderWithFieldZeroedGivesB861) {
  EXPECT_EQ(internet_checksum(with_checksum_zeroed(kCapturedHeader)), 0xb861);
}

TEST(InternetChecksum, CapturedHeaderWithItsChecksumVerifiesToZero) {
  EXPECT_EQ(ones_complement_sum(kCapturedHeader), 0xffff);
  EXPECT_EQ(internet_checksum(kCapturedHeader), 0x0000);
}

TEST(OnesComplementSum, EmptyDataSumsToZero) {
  EXPECT_EQ(ones_complement_sum(Bytes{}), 0x0000);
  EXPECT_EQ(internet_checksum(Bytes{}), 0xffff);
}

// RFC 1071 4.1: a left-over octet is the high octet of a word padded with zero.
TEST(OnesComplementSum, OddTrailingOctetIsPaddedWithZero) {
  const std::vector<std::uint8_t> one = {0xab};
  const std::vector<std::uint8_t> three = {0x00, 0x01, 0xf2};
  EXPECT_EQ(ones_complement_sum(one), 0xab00);
  EXPECT_EQ(ones_complement_sum(three), 0xf201);
}

TEST(OnesComplementSum, CarriesAreFoldedBackEndAround) {
  // 0xffff + 0x0002 = 0x10001 -> 0x0001 + 0x0001 = 0x0002.
  const std::vector<std::uint8_t> bytes = {0xff, 0xff, 0x00, 0x02};
  EXPECT_EQ(ones_complement_sum(bytes), 0x0002);
}

// The accumulator is wide enough for the largest datagram; 65535 octets is
// odd, so its last 0xff is summed as the word 0xff00.
TEST(OnesComplementSum, MaximalDatagramOfOnesFoldsWithoutOverflow) {
  const std::vector<std::uint8_t> even(65534, 0xff);
  const std::vector<std::uint8_t> odd(65535, 0xff);
  EXPECT_EQ(ones_complement_sum(even), 0xffff);
  EXPECT_EQ(ones_complement_sum(odd), 0xff00);
}

// Law: summing [a | b] in two pieces through `initial` equals one pass, when
// the split is at an even offset.
TEST(OnesComplementSum, PiecesSplitAtEvenOffsetsChainThroughInitial) {
  const Bytes whole{kCapturedHeader};
  for (std::size_t split = 0; split <= whole.size(); split += 2) {
    const std::uint16_t first = ones_complement_sum(whole.first(split));
    EXPECT_EQ(ones_complement_sum(whole.subspan(split), first), ones_complement_sum(whole))
        << "split at " << split;
  }
}

// RFC 1624 3: m = 0x5555 changes to m' = 0x3285 where the rest of the header
// sums to 0xCD7A. Recomputation gives HC' = 0x0000; RFC 1141's
// HC + m + ~m' would give 0xFFFF, eqn. 3 gives 0x0000 like recomputation.
TEST(ChecksumUpdate16, Rfc1624Section3ExampleYieldsPlusZeroLikeRecomputation) {
  const std::vector<std::uint8_t> before = {0xcd, 0x7a, 0x55, 0x55};
  const std::vector<std::uint8_t> after = {0xcd, 0x7a, 0x32, 0x85};
  const std::uint16_t hc = internet_checksum(before);
  ASSERT_EQ(hc, 0xdd2f);
  ASSERT_EQ(internet_checksum(after), 0x0000);
  EXPECT_EQ(checksum_update16(hc, 0x5555, 0x3285), 0x0000);
}

// What a router does to every packet it forwards (RFC 1624 4: TTL decrement).
TEST(ChecksumUpdate16, TtlDecrementOfCapturedHeaderEqualsRecomputation) {
  std::vector<std::uint8_t> header = kCapturedHeader;
  header[8] = 0x3f;  // TTL 64 -> 63; the word at octets 8-9 is 0x4011 -> 0x3f11
  const std::uint16_t updated = checksum_update16(0xb861, 0x4011, 0x3f11);
  EXPECT_EQ(updated, internet_checksum(with_checksum_zeroed(header)));
  EXPECT_EQ(updated, 0xb961);
}

// Law: for every new value of one word, eqn. 3 equals recomputation (the
// header's version nibble keeps the data from ever being all zero).
TEST(ChecksumUpdate16, EqualsRecomputationForEveryNewValueOfAWord) {
  std::vector<std::uint8_t> header = with_checksum_zeroed(kCapturedHeader);
  const std::uint16_t old_checksum = internet_checksum(header);
  const std::size_t at = 4;  // identification
  const std::uint16_t old_word = load_be16(header, at);
  for (std::uint32_t v = 0; v <= 0xffff; ++v) {
    const auto new_word = static_cast<std::uint16_t>(v);
    store_be16(header, at, new_word);
    ASSERT_EQ(checksum_update16(old_checksum, old_word, new_word), internet_checksum(header))
        << "new word " << v;
  }
}

// Law: updates compose; changing a word twice equals recomputing once.
TEST(ChecksumUpdate16, SuccessiveUpdatesEqualRecomputation) {
  std::vector<std::uint8_t> header = with_checksum_zeroed(kCapturedHeader);
  std::uint16_t checksum = internet_checksum(header);
  const std::uint16_t words[] = {0x0000, 0xffff, 0x1234, 0x0001, 0xfffe};
  for (const std::uint16_t w : words) {
    checksum = checksum_update16(checksum, load_be16(header, 2), w);
    store_be16(header, 2, w);
    ASSERT_EQ(checksum, internet_checksum(header)) << "total length word " << w;
  }
}

TEST(ChecksumUpdate16, UnchangedWordLeavesChecksumUnchanged) {
  EXPECT_EQ(checksum_update16(0xb861, 0x4011, 0x4011), 0xb861);
}

// The one documented difference: data that becomes all zero. Recomputation
// gives 0xFFFF, eqn. 3 gives 0x0000 (both zero in one's complement); no IPv4
// header or ICMP message with a non-zero type can be all zero.
TEST(ChecksumUpdate16, AllZeroNewDataIsTheOnlyDifferenceFromRecomputation) {
  const std::vector<std::uint8_t> zero = {0x00, 0x00};
  EXPECT_EQ(internet_checksum(zero), 0xffff);
  EXPECT_EQ(checksum_update16(static_cast<std::uint16_t>(~0x0001), 0x0001, 0x0000), 0x0000);
}

}  // namespace
}  // namespace ip4ref
