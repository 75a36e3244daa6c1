// checksum.cpp: the Internet checksum (RFC 1071) and its incremental update
// (RFC 1624).
//
// RFC 1071 1 (1): "Adjacent octets to be checksummed are paired to form 16-bit
// integers, and the 1's complement sum of these 16-bit integers is formed."
// We add the words into a wide (64-bit) two's complement accumulator and fold
// the carries back in at the end: RFC 1071 2(B) "Deferred Carries" shows this
// gives the same sum as adding with end-around carry after every word.
#include "ip4ref/checksum.h"

#include <cstddef>
#include <cstdint>

namespace ip4ref {

namespace {

// RFC 1071 4.1: "while (sum>>16) sum = (sum & 0xffff) + (sum >> 16);"
// Folds a wide sum to 16 bits with end-around carry. A non-zero input never
// folds to 0x0000, so only all-zero data sums to +0.
std::uint16_t fold(std::uint64_t sum) {
  while ((sum >> 16) != 0) {
    sum = (sum & 0xffff) + (sum >> 16);
  }
  return static_cast<std::uint16_t>(sum);
}

}  // namespace

// Pieces summed one after another through `initial` must split at even
// offsets: an odd piece is padded with zero, which shifts the next one by 8 bits.
std::uint16_t ones_complement_sum(Bytes bytes, std::uint16_t initial) {
  std::uint64_t sum = initial;
  std::size_t i = 0;
  for (; i + 1 < bytes.size(); i += 2) {
    sum += load_be16(bytes, i);
  }
  // RFC 1071 1: an odd count sums "[A,B] + [C,D] + ... + [Z,0]": the
  // left-over octet is the high octet of a word whose low octet is zero.
  if (i < bytes.size()) {
    sum += std::uint64_t{bytes[i]} << 8;
  }
  return fold(sum);
}

// RFC 1071 1 (2): "the 16-bit 1's complement sum is computed over the octets
// concerned, and the 1's complement of this sum is placed in the checksum field."
std::uint16_t internet_checksum(Bytes bytes) {
  return static_cast<std::uint16_t>(~ones_complement_sum(bytes));
}

// RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'). Unlike RFC 1141's form
// HC' = HC + m + ~m', which RFC 1624 3 shows giving -0 (0xFFFF), this yields
// +0 (0x0000) exactly where a full recomputation does. It differs from recomputation
// only when the new data is all zero (recomputation gives 0xFFFF, eqn. 3 gives
// 0x0000), which no IPv4 header can be: its version nibble is 4.
std::uint16_t checksum_update16(std::uint16_t old_checksum, std::uint16_t old_word,
                                std::uint16_t new_word) {
  const std::uint64_t sum = std::uint64_t{static_cast<std::uint16_t>(~old_checksum)} +
                            std::uint64_t{static_cast<std::uint16_t>(~old_word)} + new_word;
  return static_cast<std::uint16_t>(~fold(sum));
}

}  // namespace ip4ref
