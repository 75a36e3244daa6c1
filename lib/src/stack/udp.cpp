// udp.cpp: the UDP format (RFC 768): view, pseudo-header checksum, building.
//
// RFC 768 "Checksum is the 16-bit one's complement of the one's complement
// sum of a pseudo header of information from the IP header, the UDP header,
// and the data, padded with zero octets at the end (if necessary) to make a
// multiple of two octets." The pseudo header is source address, destination
// address, zero, protocol (17), UDP length.
#include "ip4ref/udp.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "ip4ref/checksum.h"
#include "ip4ref/icmp.h"

namespace ip4ref {
namespace {

constexpr std::size_t kLengthAt = 4;
constexpr std::size_t kChecksumAt = 6;

// One's complement sum of the RFC 768 pseudo header.
std::uint16_t pseudo_header_sum(std::uint32_t source, std::uint32_t destination,
                                std::size_t udp_length) {
  std::array<std::uint8_t, 12> pseudo{};
  store_be32(pseudo, 0, source);
  store_be32(pseudo, 4, destination);
  pseudo[9] = kIpProtoUdp;
  store_be16(pseudo, 10, static_cast<std::uint16_t>(udp_length));
  return ones_complement_sum(pseudo);
}

}  // namespace

Result<UdpView> UdpView::parse(Bytes ip_payload) {
  // The fixed header must be present before its fields are read.
  if (ip_payload.size() < kUdpHeader) {
    return Fail{Reason::kTruncated};
  }
  // RFC 768: "the minimum value of the length is eight"; it cannot exceed
  // what the IP datagram carried.
  const std::size_t length = load_be16(ip_payload, kLengthAt);
  if (length < kUdpHeader || length > ip_payload.size()) {
    return Fail{Reason::kTruncated};
  }
  return UdpView{ip_payload.first(length)};
}

bool UdpView::checksum_ok(std::uint32_t source, std::uint32_t destination) const {
  if (checksum() == 0) {
    return true;  // RFC 768: the transmitter generated no checksum
  }
  const std::uint16_t pseudo = pseudo_header_sum(source, destination, bytes_.size());
  return ones_complement_sum(bytes_, pseudo) == 0xffff;
}

std::vector<std::uint8_t> make_udp(std::uint32_t source, std::uint32_t destination,
                                   std::uint16_t source_port, std::uint16_t destination_port,
                                   Bytes payload) {
  assert(payload.size() <= kUdpMaxPayload);
  const std::size_t length = kUdpHeader + payload.size();
  std::vector<std::uint8_t> out(length);
  const MutableBytes bytes{out};
  store_be16(bytes, 0, source_port);
  store_be16(bytes, 2, destination_port);
  store_be16(bytes, kLengthAt, static_cast<std::uint16_t>(length));
  std::copy(payload.begin(), payload.end(), out.begin() + kUdpHeader);
  const std::uint16_t pseudo = pseudo_header_sum(source, destination, length);
  std::uint16_t sum = static_cast<std::uint16_t>(~ones_complement_sum(bytes, pseudo));
  // RFC 768: "If the computed checksum is zero, it is transmitted as all
  // ones (the equivalent in one's complement arithmetic)."
  if (sum == 0) {
    sum = 0xffff;
  }
  store_be16(bytes, kChecksumAt, sum);
  return out;
}

}  // namespace ip4ref
