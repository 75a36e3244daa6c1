// ecn_combination.h: how the Linux kernel combines the ECN codepoints of a
// datagram's fragments (net/ipv4/inet_fragment.c ip_frag_ecn_table, RFC 3168
// 5.3). Shared by the reference and the fast engine under policy linux.
#pragma once

#include <cstdint>

namespace ip4ref {

// One bit per codepoint seen: 1 << (tos & 3), i.e. 1 Not-ECT, 2 ECT(1),
// 4 ECT(0), 8 CE (the kernel's ip4_frag_ecn()).
constexpr std::uint8_t ecn_bit(std::uint8_t tos) {
  return static_cast<std::uint8_t>(1u << (tos & 0x03));
}

inline constexpr std::uint8_t kEcnInvalid = 0xff;

// The ECN bits to OR into the reassembled TOS, or kEcnInvalid (drop) when
// Not-ECT is mixed with any ECT or CE. CE mixed with ECT gives CE.
constexpr std::uint8_t ecn_for(std::uint8_t bits) {
  const bool not_ect = (bits & 1) != 0;
  const bool ect_or_ce = (bits & 0x0e) != 0;
  if (not_ect && ect_or_ce) {
    return kEcnInvalid;
  }
  return (bits & 8) != 0 && (bits & 6) != 0 ? 3 : 0;
}

}  // namespace ip4ref
