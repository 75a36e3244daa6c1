// checksum_kernel.h: the inline core of the fast Internet checksum (RFC 1071),
// shared by fast_checksum.cpp, the fast engine and the fast fragmenter.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace ip4ref::fast {

// Sum of the data as native-order 32-bit words (zero-padded at the end) in a
// 64-bit accumulator. RFC 1071 2(B): summing in either byte order and
// swapping the folded result gives the big-endian sum. No carry is lost:
// 2^32 words of < 2^32 each would be needed to pass 2^64.
inline std::uint64_t native_word_sum(const std::uint8_t* p, std::size_t n) {
  std::uint64_t s0 = 0;
  std::uint64_t s1 = 0;
  std::uint64_t s2 = 0;
  std::uint64_t s3 = 0;
  while (n >= 16) {
    std::uint32_t w[4];
    std::memcpy(w, p, 16);
    s0 += w[0];
    s1 += w[1];
    s2 += w[2];
    s3 += w[3];
    p += 16;
    n -= 16;
  }
  // The tail in 4-, 2- and 1-octet loads (no staging buffer: a narrow store
  // read back wide stalls store forwarding). Any piece that starts at an
  // even offset may be added as is, since 2^16 = 1 (mod 2^16 - 1).
  while (n >= 4) {
    std::uint32_t w;
    std::memcpy(&w, p, 4);
    s0 += w;
    p += 4;
    n -= 4;
  }
  if (n >= 2) {
    std::uint16_t w;
    std::memcpy(&w, p, 2);
    s1 += w;
    p += 2;
    n -= 2;
  }
  if (n != 0) {
    // A last odd octet is the first of a zero-padded 16-bit word.
    if constexpr (std::endian::native == std::endian::little) {
      s2 += p[0];
    } else {
      s2 += std::uint64_t{p[0]} << 8;
    }
  }
  return s0 + s1 + s2 + s3;
}

// A header's sum: `n` is a multiple of 4 (IHL counts 32-bit words).
inline std::uint64_t native_header_sum(const std::uint8_t* p, std::size_t n) {
  std::uint64_t s = 0;
  for (std::size_t i = 0; i < n; i += 4) {
    std::uint32_t w;
    std::memcpy(&w, p + i, 4);
    s += w;
  }
  return s;
}

// RFC 1071 4.1: "while (sum>>16) sum = (sum & 0xffff) + (sum >> 16);"
inline std::uint16_t fold16(std::uint64_t sum) {
  sum = (sum & 0xffffffffu) + (sum >> 32);
  sum = (sum & 0xffffffffu) + (sum >> 32);
  sum = (sum & 0xffffu) + (sum >> 16);
  sum = (sum & 0xffffu) + (sum >> 16);
  return static_cast<std::uint16_t>(sum);
}

inline std::uint16_t to_big_endian16(std::uint16_t native_sum) {
  if constexpr (std::endian::native == std::endian::little) {
    return static_cast<std::uint16_t>((native_sum << 8) | (native_sum >> 8));
  } else {
    return native_sum;
  }
}

// The one's complement sum of a header (length a multiple of 4), as
// ip4ref::ones_complement_sum computes it.
inline std::uint16_t header_sum16(const std::uint8_t* p, std::size_t n) {
  return to_big_endian16(fold16(native_header_sum(p, n)));
}

// Whether a header's sum is 0xffff (RFC 1071: the header verifies). 0xffff
// is its own byte swap, so the native-order fold is compared as it is.
inline bool header_verifies(const std::uint8_t* p, std::size_t n) {
  return fold16(native_header_sum(p, n)) == 0xffff;
}

// The one's complement sum as ip4ref::ones_complement_sum computes it.
inline std::uint16_t sum16(const std::uint8_t* p, std::size_t n, std::uint16_t initial) {
  // A 16-bit value swapped is the same value in the other byte order.
  const std::uint64_t start = to_big_endian16(initial);
  return to_big_endian16(fold16(start + native_word_sum(p, n)));
}

}  // namespace ip4ref::fast
