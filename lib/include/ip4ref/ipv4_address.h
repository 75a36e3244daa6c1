// ipv4_address.h: IPv4 addresses and prefixes as the stack configures them
// ("192.0.2.2/24"), and the address classes RFC 1122 3.2.1.3 tells a host to
// recognise: limited broadcast, directed (subnet) broadcast, multicast.
//
// Addresses are host-order std::uint32_t throughout ip4ref (192.0.2.1 is
// 0xc0000201), as Ipv4View::source() returns them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ip4ref {

// RFC 919 / RFC 1122 3.2.1.3 (c): {-1, -1}, the limited broadcast address.
inline constexpr std::uint32_t kLimitedBroadcast = 0xffffffffu;

// RFC 5771: 224.0.0.0/4 is multicast.
constexpr bool is_multicast(std::uint32_t address) {
  return (address >> 28) == 0xe;
}

// Strict dotted quad: four decimal numbers 0..255 separated by dots, nothing
// else (no leading zeros beyond "0", no spaces, no shorthand like "10.1").
std::optional<std::uint32_t> parse_ipv4(std::string_view text);

// An address with its prefix length: the interface address and subnet of
// RFC 1122 3.3.1.1, or a route's destination.
struct Ipv4Prefix {
  std::uint32_t address = 0;
  std::uint8_t length = 0;  // 0..32

  // "a.b.c.d/len" or "a.b.c.d" (length 32). nullopt on anything else.
  static std::optional<Ipv4Prefix> parse(std::string_view text);

  std::uint32_t mask() const { return length == 0 ? 0 : ~std::uint32_t{0} << (32 - length); }
  std::uint32_t network() const { return address & mask(); }
  // RFC 1122 3.2.1.3 (e): {<Network-number>, -1}, the directed broadcast.
  // Only meaningful for length <= 30 (a /31 or /32 has no broadcast address).
  std::uint32_t broadcast() const { return network() | ~mask(); }
  bool contains(std::uint32_t a) const { return (a & mask()) == network(); }

  bool operator==(const Ipv4Prefix&) const = default;
};

// "192.0.2.2/24".
std::string to_string(const Ipv4Prefix& prefix);

}  // namespace ip4ref
