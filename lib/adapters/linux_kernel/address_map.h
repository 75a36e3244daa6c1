// address_map.h: maps the addresses of the packets an engine is given onto
// the test addresses of its private namespace, and back.
//
// The kernel delivers to a raw socket only datagrams addressed to itself, and
// accepts them only from sources it does not consider martian. So each
// distinct source address is given its own namespace source (192.0.2.2 ..
// 192.0.2.253, RFC 5737 TEST-NET-1) and each distinct destination its own
// local address (192.0.2.1 first, then 198.51.100.1 .. 198.51.100.254,
// TEST-NET-2, local through a route on lo). Both maps are injective, so
// fragment keys (source, destination, protocol, identification) stay apart
// exactly when they were apart. 192.0.2.254 is the sentinel source and is
// never handed out.
//
// Rewriting fixes the header checksum incrementally (RFC 1624), so a header
// whose checksum was wrong stays exactly as wrong. Upper-layer checksums
// (UDP/TCP pseudo-headers) are not touched: raw sockets do not verify them,
// and the reverse map restores the original addresses before anything is
// compared. Addresses inside options (source routes) are not rewritten.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <vector>

namespace ip4ref::linux_kernel {

inline constexpr std::uint32_t kKernelAddress = 0xc0000201u;   // 192.0.2.1
inline constexpr std::uint32_t kSentinelSource = 0xc00002feu;  // 192.0.2.254

class AddressMap {
 public:
  // Rewrites source and destination of the IPv4 header at the front of
  // `packet` (at least 20 octets) to namespace addresses, allocating slots
  // for new addresses. False when a pool is exhausted (more than 252 sources
  // or 255 destinations in this engine's life): the packet is left unchanged.
  bool to_namespace(std::span<std::uint8_t> packet);

  // Rewrites a header the kernel delivered back to the original addresses.
  // False when an address was never handed out (the packet is not ours).
  bool from_namespace(std::span<std::uint8_t> packet) const;

  std::size_t sources() const { return source_out_.size(); }
  std::size_t destinations() const { return destination_out_.size(); }

 private:
  std::optional<std::uint32_t> source_slot(std::uint32_t original);
  std::optional<std::uint32_t> destination_slot(std::uint32_t original);

  std::map<std::uint32_t, std::uint32_t> source_out_, source_back_;
  std::map<std::uint32_t, std::uint32_t> destination_out_, destination_back_;
};

// Replaces the 32-bit field at `at` (a multiple of 2 inside an IPv4 header
// of `header_length` octets) and updates the header checksum (RFC 1624 eqn 3).
void rewrite_address(std::span<std::uint8_t> header, std::size_t at, std::uint32_t value);

}  // namespace ip4ref::linux_kernel
