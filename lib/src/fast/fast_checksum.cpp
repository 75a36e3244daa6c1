// fast_checksum.cpp: the optimised Internet checksum (RFC 1071).
#include "ip4ref/fast_checksum.h"

#include "checksum_kernel.h"

namespace ip4ref::fast {

std::uint16_t ones_complement_sum(Bytes bytes, std::uint16_t initial) {
  return sum16(bytes.data(), bytes.size(), initial);
}

std::uint16_t internet_checksum(Bytes bytes) {
  return static_cast<std::uint16_t>(~sum16(bytes.data(), bytes.size(), 0));
}

}  // namespace ip4ref::fast
