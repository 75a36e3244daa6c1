// packet_builder.h (tests only): hand-built IPv4 packets and fragments with
// correct checksums, from a few named fields.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "ip4ref/ipv4_header.h"

namespace ip4ref::test {

inline constexpr std::uint32_t kSrc = 0xc0000201;  // 192.0.2.1 (RFC 5737 TEST-NET-1)
inline constexpr std::uint32_t kDst = 0xc0000202;  // 192.0.2.2

struct FragmentSpec {
  std::size_t offset = 0;  // octets, multiple of 8
  bool more = false;
  std::vector<std::uint8_t> payload;
  std::uint16_t id = 1;
  std::uint8_t protocol = 17;
  std::uint32_t source = kSrc;
  std::uint32_t destination = kDst;
  bool dont_fragment = false;
  std::vector<Ipv4Option> options;
};

inline std::vector<std::uint8_t> build(const FragmentSpec& s) {
  Ipv4Header h;
  h.identification = s.id;
  h.protocol = s.protocol;
  h.source = s.source;
  h.destination = s.destination;
  h.more_fragments = s.more;
  h.dont_fragment = s.dont_fragment;
  h.fragment_offset = static_cast<std::uint16_t>(s.offset);
  h.options = s.options;
  const std::size_t hl = *h.size();
  h.total_length = static_cast<std::uint16_t>(hl + s.payload.size());
  std::vector<std::uint8_t> out(hl + s.payload.size());
  (void)h.emit(out);
  std::copy(s.payload.begin(), s.payload.end(), out.begin() + static_cast<std::ptrdiff_t>(hl));
  return out;
}

inline std::vector<std::uint8_t> fill(char c, std::size_t n) {
  return std::vector<std::uint8_t>(n, static_cast<std::uint8_t>(c));
}

inline std::vector<std::uint8_t> frag(std::size_t offset, bool more, char c, std::size_t n,
                                      std::uint16_t id = 1) {
  FragmentSpec s;
  s.offset = offset;
  s.more = more;
  s.payload = fill(c, n);
  s.id = id;
  return build(s);
}

}  // namespace ip4ref::test
