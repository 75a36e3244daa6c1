// icmp.cpp: the ICMP messages the stack sends and answers (RFC 792), with the
// RFC 1191 next-hop MTU in "fragmentation needed".
//
// RFC 792: "The checksum is the 16-bit ones's complement of the one's
// complement sum of the ICMP message starting with the ICMP Type. For
// computing the checksum, the checksum field should be zero."
#include "ip4ref/icmp.h"

#include <cstddef>
#include <cstdint>
#include <vector>

#include "ip4ref/checksum.h"

namespace ip4ref {

namespace {

constexpr std::size_t kTypeAt = 0;
constexpr std::size_t kCodeAt = 1;
constexpr std::size_t kChecksumAt = 2;
constexpr std::size_t kWord2At = 4;  // identifier, or "unused"
constexpr std::size_t kWord3At = 6;  // sequence, or the RFC 1191 next-hop MTU

// Writes the checksum over the whole message (field zeroed first, RFC 792).
void seal(std::vector<std::uint8_t>& message) {
  const MutableBytes bytes{message};
  store_be16(bytes, kChecksumAt, 0);
  store_be16(bytes, kChecksumAt, internet_checksum(bytes));
}

// An 8-octet header (type, code, zero checksum, the two 16-bit words), then data.
std::vector<std::uint8_t> make_message(std::uint8_t type, std::uint8_t code, std::uint16_t word2,
                                       std::uint16_t word3, Bytes data) {
  std::vector<std::uint8_t> message(kIcmpHeader + data.size());
  const MutableBytes bytes{message};
  bytes[kTypeAt] = type;
  bytes[kCodeAt] = code;
  store_be16(bytes, kWord2At, word2);
  store_be16(bytes, kWord3At, word3);
  for (std::size_t i = 0; i < data.size(); ++i) {
    bytes[kIcmpHeader + i] = data[i];
  }
  seal(message);
  return message;
}

}  // namespace

Result<IcmpView> IcmpView::parse(Bytes bytes) {
  // Every ICMP message has at least type, code, checksum and one 32-bit word.
  if (bytes.size() < kIcmpHeader) {
    return Fail{Reason::kTruncated};
  }
  return IcmpView{bytes};
}

// RFC 1071 1 (3): the sum over the message, checksum included, is all one bits.
bool IcmpView::checksum_ok() const {
  return ones_complement_sum(bytes_) == 0xffff;
}

Result<std::vector<std::uint8_t>> make_echo_reply(const IcmpView& request) {
  // Only an echo request is answered. There is no Reason for "wrong type";
  // the request this function needs is absent, so it reports kTruncated.
  if (request.type() != icmp_type::kEchoRequest) {
    return Fail{Reason::kTruncated};
  }
  // A request whose checksum fails may be corrupted: answering would echo
  // corrupted data back, so it is refused (as Linux's icmp_rcv drops it).
  if (!request.checksum_ok()) {
    return Fail{Reason::kBadChecksum};
  }
  // RFC 792 "Echo or Echo Reply Message": "To form an echo reply message,
  // the source and destination addresses are simply reversed, the type code
  // changed to 0, and the checksum recomputed." The data, identifier and
  // sequence are returned unchanged; the code is 0 for both messages.
  return make_message(icmp_type::kEchoReply, 0, request.identifier(), request.sequence(),
                      request.data());
}

std::vector<std::uint8_t> make_echo_request(std::uint16_t identifier, std::uint16_t sequence,
                                            Bytes data) {
  // RFC 792: type 8, code 0, identifier and sequence "to aid in matching".
  return make_message(icmp_type::kEchoRequest, 0, identifier, sequence, data);
}

std::vector<std::uint8_t> make_time_exceeded(std::uint8_t code, Bytes quote) {
  // RFC 792 "Time Exceeded Message": the second word is "unused" (zero),
  // then "Internet Header + 64 bits of Original Data Datagram".
  return make_message(icmp_type::kTimeExceeded, code, 0, 0, quote);
}

std::vector<std::uint8_t> make_destination_unreachable(std::uint8_t code,
                                                       std::uint16_t next_hop_mtu, Bytes quote) {
  // RFC 1191 4: "the router MUST include the MTU of that next-hop network in
  // the low-order 16 bits of the ICMP header field that is labelled 'unused'
  // in the ICMP specification". For every other code RFC 792 keeps the word
  // unused, so it is written as zero whatever the caller passed.
  const std::uint16_t word3 = code == icmp_code::kFragmentationNeeded ? next_hop_mtu : 0;
  return make_message(icmp_type::kDestinationUnreachable, code, 0, word3, quote);
}

}  // namespace ip4ref
