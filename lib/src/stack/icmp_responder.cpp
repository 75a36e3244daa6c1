// icmp_responder.cpp: echo server and ICMP errors (RFC 792, RFC 1122 3.2.2).
#include "icmp_responder.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "ip4ref/icmp.h"
#include "ip4ref/ipv4_header.h"

namespace ip4ref {
namespace {

// RFC 792: the error quotes "the internet header plus the first 64 bits of
// the original datagram's data".
constexpr std::size_t kQuoteDataOctets = 8;

// RFC 1122 3.2.2: the ICMP error messages are Destination Unreachable,
// Redirect, Source Quench, Time Exceeded and Parameter Problem.
bool is_icmp_error_type(std::uint8_t type) {
  return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

// RFC 1122 3.2.2 (last bullet): a source that "does not define a single host
// -- e.g., a zero address, a loopback address, a broadcast address, a
// multicast address, or a Class E address".
bool single_host(std::uint32_t address) {
  const std::uint32_t first_octet = address >> 24;
  return address != 0 && first_octet != 127 && first_octet < 224;
}

}  // namespace

IcmpResponder::IcmpResponder(const StackConfig& config, const LocalAddresses& local,
                             OutputManager& output)
    : config_(config), local_(local), output_(output) {}

void IcmpResponder::drop(StackReason reason) {
  ++counters_.by_stack_reason[static_cast<std::size_t>(reason)];
}

void IcmpResponder::handle(const ReceivedDatagram& datagram) {
  const Result<IcmpView> parsed = IcmpView::parse(datagram.ip.payload());
  if (!parsed) {
    return drop(StackReason::kIcmpMalformed);
  }
  // RFC 792: the checksum covers the whole ICMP message; a corrupted message
  // is not trusted (Linux icmp_rcv drops it too).
  if (!parsed->checksum_ok()) {
    return drop(StackReason::kIcmpBadChecksum);
  }
  if (parsed->type() == icmp_type::kEchoRequest && config_.answer_echo) {
    return answer_echo(datagram, *parsed);
  }
  if (!handler_) {
    return drop(StackReason::kIcmpUnhandled);
  }
  handler_(datagram);
}

void IcmpResponder::answer_echo(const ReceivedDatagram& datagram, const IcmpView& request) {
  ++counters_.in_echo_requests;
  // RFC 1122 3.2.2.6: "An ICMP Echo Request destined to an IP broadcast or
  // IP multicast address MAY be silently discarded." Linux does so by default
  // (icmp_echo_ignore_broadcasts); so do we, counted.
  if (!local_.is_local(datagram.ip.destination())) {
    return drop(StackReason::kIcmpEchoBroadcast);
  }
  const Result<std::vector<std::uint8_t>> reply = make_echo_reply(request);
  if (!reply) {
    return drop(StackReason::kIcmpMalformed);  // unreachable: type and checksum checked
  }
  // RFC 1122 3.2.2.6: "The IP source address in an ICMP Echo Reply MUST be
  // the same as the specific-destination address ... of the corresponding
  // ICMP Echo Request message." Same TOS, as Linux's icmp_reply does. The
  // reply is sent without DF so it fragments like the request did.
  // (Record Route / Timestamp options are not reflected: the stack sends
  // no options.)
  WriteOptions options;
  options.source = datagram.ip.destination();
  options.tos = datagram.ip.tos();
  const SendResult sent = output_.ip_write(*reply, kIpProtoIcmp, datagram.ip.source(), options);
  if (sent.ok()) {
    ++counters_.out_echo_replies;
  }
}

// RFC 1122 3.2.2: "An ICMP error message MUST NOT be sent as the result of
// receiving: an ICMP error message, or a datagram destined to an IP
// broadcast or IP multicast address, or ... a non-initial fragment, or a
// datagram whose source address does not define a single host". `quote`
// starts with a header that passed ip_recv, but only its first octets are
// here (total length names the whole datagram), so fields are read directly.
bool IcmpResponder::may_send_error_about(Bytes quote) const {
  if (quote.size() < kIpv4MinHeader) {
    return false;
  }
  const std::size_t header_length = std::size_t{quote[0] & 0x0fu} * 4;
  const std::uint16_t offset = load_be16(quote, ipv4_field::kFlagsFragment) & kFragmentOffsetMask;
  const std::uint32_t source = load_be32(quote, ipv4_field::kSource);
  const std::uint32_t destination = load_be32(quote, ipv4_field::kDestination);
  if (offset != 0 || !local_.is_local(destination) || !single_host(source) ||
      local_.is_broadcast(source)) {
    return false;
  }
  if (quote[ipv4_field::kProtocol] == kIpProtoIcmp) {
    // Without the ICMP type we cannot tell an error from a query: stay quiet.
    return header_length < quote.size() && !is_icmp_error_type(quote[header_length]);
  }
  return true;
}

// Sends `message` (a complete ICMP message) back to the source of `quote`,
// from the address the quoted datagram was sent to.
bool IcmpResponder::send_error(Bytes message, Bytes quote) {
  WriteOptions options;
  options.source = load_be32(quote, ipv4_field::kDestination);
  const std::uint32_t destination = load_be32(quote, ipv4_field::kSource);
  return output_.ip_write(message, kIpProtoIcmp, destination, options).ok();
}

void IcmpResponder::reassembly_timeout(Bytes quote) {
  // RFC 1122 3.3.2: "If the timer runs out, the partially-reassembled
  // datagram MUST be discarded and an ICMP Time Exceeded message sent to the
  // source host (if fragment zero has been received)." The caller checked
  // that fragment zero arrived (the quote is its header).
  if (!config_.send_time_exceeded || !may_send_error_about(quote)) {
    ++counters_.errors_suppressed;
    return;
  }
  const std::vector<std::uint8_t> message =
      make_time_exceeded(icmp_code::kReassemblyTimeExceeded, quote);
  if (send_error(message, quote)) {
    ++counters_.out_time_exceeded;
  }
}

void IcmpResponder::unreachable(std::uint8_t code, const Ipv4View& datagram) {
  const std::size_t quoted =
      std::min(datagram.total_length(), datagram.header_length() + kQuoteDataOctets);
  const Bytes quote = datagram.bytes().first(quoted);
  if (!config_.send_unreachable || !may_send_error_about(quote)) {
    ++counters_.errors_suppressed;
    return;
  }
  const std::vector<std::uint8_t> message = make_destination_unreachable(code, 0, quote);
  if (send_error(message, quote)) {
    ++counters_.out_unreachable;
  }
}

}  // namespace ip4ref
