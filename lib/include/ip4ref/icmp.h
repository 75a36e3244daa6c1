// icmp.h: the ICMP messages the stack sends and answers (RFC 792): echo and
// echo reply, time exceeded, destination unreachable (with the RFC 1191
// next-hop MTU for "fragmentation needed").
//
//     0                   1                   2                   3
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |     Type      |     Code      |          Checksum             |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |  rest of header (identifier + sequence, unused, or MTU)      |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |  data: echo payload, or the original IP header + 64 bits      |
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "ip4ref/bytes.h"
#include "ip4ref/result.h"

namespace ip4ref {

inline constexpr std::uint8_t kIpProtoIcmp = 1;
inline constexpr std::uint8_t kIpProtoUdp = 17;

namespace icmp_type {
inline constexpr std::uint8_t kEchoReply = 0;
inline constexpr std::uint8_t kDestinationUnreachable = 3;
inline constexpr std::uint8_t kEchoRequest = 8;
inline constexpr std::uint8_t kTimeExceeded = 11;
}  // namespace icmp_type

namespace icmp_code {
inline constexpr std::uint8_t kFragmentationNeeded = 4;  // type 3 (RFC 792, RFC 1191)
inline constexpr std::uint8_t kTtlExceeded = 0;          // type 11
inline constexpr std::uint8_t kReassemblyTimeExceeded = 1;  // type 11 (RFC 792)
}  // namespace icmp_code

inline constexpr std::size_t kIcmpHeader = 8;

// A checked view of one ICMP message (the IP payload).
class IcmpView {
 public:
  // kTruncated if fewer than 8 octets. The checksum is not verified here.
  static Result<IcmpView> parse(Bytes bytes);

  std::uint8_t type() const { return bytes_[0]; }
  std::uint8_t code() const { return bytes_[1]; }
  std::uint16_t checksum() const { return load_be16(bytes_, 2); }
  // Echo / echo reply.
  std::uint16_t identifier() const { return load_be16(bytes_, 4); }
  std::uint16_t sequence() const { return load_be16(bytes_, 6); }
  // Destination unreachable, code 4 (RFC 1191 4): next-hop MTU in the low 16 bits.
  std::uint16_t next_hop_mtu() const { return load_be16(bytes_, 6); }
  // RFC 792: the checksum covers the whole ICMP message.
  bool checksum_ok() const;
  Bytes data() const { return bytes_.subspan(kIcmpHeader); }
  Bytes bytes() const { return bytes_; }

 private:
  explicit IcmpView(Bytes b) : bytes_(b) {}
  Bytes bytes_;
};

// Echo reply to an echo request: same identifier, sequence and data,
// type 0, fresh checksum (RFC 792 "Echo or Echo Reply Message").
// kTruncated / kBadChecksum if `request` is not a valid echo request
// (kTruncated when its type is not 8: no echo request is present).
Result<std::vector<std::uint8_t>> make_echo_reply(const IcmpView& request);

// An echo request with the given identifier, sequence and data.
std::vector<std::uint8_t> make_echo_request(std::uint16_t identifier, std::uint16_t sequence,
                                            Bytes data);

// Time exceeded (type 11) with `code`; `quote` is the original header + the
// first 64 bits of its data (RFC 792), copied as given.
std::vector<std::uint8_t> make_time_exceeded(std::uint8_t code, Bytes quote);

// Destination unreachable (type 3) with `code`; for code 4 `next_hop_mtu` goes
// in the low 16 bits of the second word (RFC 1191 4), else it must be 0.
std::vector<std::uint8_t> make_destination_unreachable(std::uint8_t code,
                                                       std::uint16_t next_hop_mtu, Bytes quote);

}  // namespace ip4ref
