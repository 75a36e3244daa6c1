// checksum.h: the Internet checksum (RFC 1071) and its incremental update
// (RFC 1624).
//
// RFC 791 3.1: "The checksum field is the 16 bit one's complement of the one's
// complement sum of all 16 bit words in the header."
#pragma once

#include <cstdint>

#include "ip4ref/bytes.h"

namespace ip4ref {

// One's complement sum of `bytes` as big-endian 16-bit words, folded to 16
// bits, starting from `initial` (a previous partial sum, for data in pieces).
// An odd trailing octet is padded with a zero octet (RFC 1071 4.1).
std::uint16_t ones_complement_sum(Bytes bytes, std::uint16_t initial = 0);

// The Internet checksum of `bytes`: ~ones_complement_sum(bytes).
// A header whose checksum field is correct yields internet_checksum(header) == 0.
std::uint16_t internet_checksum(Bytes bytes);

// RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), the checksum after one 16-bit word
// changes from `old_word` to `new_word`. Equals recomputation over the new data.
std::uint16_t checksum_update16(std::uint16_t old_checksum, std::uint16_t old_word,
                                std::uint16_t new_word);

}  // namespace ip4ref
