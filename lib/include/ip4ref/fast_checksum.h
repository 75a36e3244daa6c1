// fast_checksum.h: the Internet checksum (RFC 1071), optimised. Same results
// as checksum.h's ones_complement_sum / internet_checksum for every input
// (lib/test/fast_engine_test.cpp checks it).
//
// RFC 1071 2(B) "Byte Order Independence" and 2(C) "Parallel Summation":
// the sum is formed over native 32-bit words in a 64-bit accumulator and
// folded and byte-swapped once at the end, instead of one 16-bit big-endian
// word at a time.
#pragma once

#include <cstdint>

#include "ip4ref/bytes.h"

namespace ip4ref::fast {

// As ip4ref::ones_complement_sum: the one's complement sum of `bytes` as
// big-endian 16-bit words (an odd last octet padded with zero), folded to 16
// bits, starting from `initial`. Only all-zero data with initial 0 gives 0.
std::uint16_t ones_complement_sum(Bytes bytes, std::uint16_t initial = 0);

// As ip4ref::internet_checksum: ~ones_complement_sum(bytes).
std::uint16_t internet_checksum(Bytes bytes);

}  // namespace ip4ref::fast
