// udp.h: the User Datagram Protocol (RFC 768) as the stack carries it: a
// checked view, the checksum over the pseudo-header, and what a receiver bound
// to a port is given.
//
//     0      7 8     15 16    23 24    31
//    +--------+--------+--------+--------+
//    |     Source      |   Destination   |
//    |      Port       |      Port       |
//    +--------+--------+--------+--------+
//    |                 |                 |
//    |     Length      |    Checksum     |
//    +--------+--------+--------+--------+
//    |          data octets ...
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "ip4ref/bytes.h"
#include "ip4ref/result.h"
#include "ip4ref/time.h"

namespace ip4ref {

inline constexpr std::size_t kUdpHeader = 8;
// 65535 - 20 (IPv4 header) - 8 (UDP header).
inline constexpr std::size_t kUdpMaxPayload = 65507;

// A checked view of one UDP datagram (the IP payload), cut to the UDP length.
class UdpView {
 public:
  // kTruncated: fewer than 8 octets, or the UDP length is under 8 or over
  // the octets present. Octets after the UDP length are ignored (RFC 768:
  // "Length is the length in octets of this user datagram including this
  // header and the data"). The checksum is not verified here.
  static Result<UdpView> parse(Bytes ip_payload);

  std::uint16_t source_port() const { return load_be16(bytes_, 0); }
  std::uint16_t destination_port() const { return load_be16(bytes_, 2); }
  std::size_t length() const { return bytes_.size(); }
  std::uint16_t checksum() const { return load_be16(bytes_, 6); }
  Bytes payload() const { return bytes_.subspan(kUdpHeader); }
  Bytes bytes() const { return bytes_; }

  // RFC 768: "An all zero transmitted checksum value means that the
  // transmitter generated no checksum"; else the sum over the pseudo-header
  // (source, destination, zero, protocol 17, UDP length) and the datagram
  // must be all ones.
  bool checksum_ok(std::uint32_t source, std::uint32_t destination) const;

 private:
  explicit UdpView(Bytes b) : bytes_(b) {}
  Bytes bytes_;
};

// A UDP datagram with a computed checksum (0 is sent as 0xffff, RFC 768).
// Precondition: payload.size() <= kUdpMaxPayload.
std::vector<std::uint8_t> make_udp(std::uint32_t source, std::uint32_t destination,
                                   std::uint16_t source_port, std::uint16_t destination_port,
                                   Bytes payload);

// What a receiver bound to a port sees; bytes valid only during the call.
struct UdpDatagram {
  std::uint32_t source = 0;
  std::uint16_t source_port = 0;
  std::uint32_t destination = 0;  // a local address, or a broadcast
  std::uint16_t destination_port = 0;
  Bytes payload;
  std::uint32_t fragment_count = 1;
  Instant now;
};

using UdpReceiver = std::function<void(const UdpDatagram&)>;

}  // namespace ip4ref
