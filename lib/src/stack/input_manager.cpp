// input_manager.cpp: ip_recv (RFC 791 3.2 "Receiving", RFC 1122 3.2.1).
#include "input_manager.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>

#include "ip4ref/icmp.h"
#include "ip4ref/ipv4_header.h"

namespace ip4ref {
namespace {

// RFC 792: destination unreachable code 2, "protocol unreachable".
constexpr std::uint8_t kProtocolUnreachable = 2;

}  // namespace

InputManager::InputManager(const LocalAddresses& local, ReassemblyEngine& engine,
                           PacketPool& in_pool, OutputManager& output, IcmpResponder& icmp,
                           UdpLayer& udp)
    : local_(local), engine_(engine), in_pool_(in_pool), output_(output), icmp_(icmp), udp_(udp) {}

void InputManager::set_handler(std::uint8_t protocol, ProtocolHandler handler) {
  if (protocol == kIpProtoIcmp) {
    icmp_.set_handler(std::move(handler));  // echo stays answered by the stack
    return;
  }
  handlers_[protocol] = std::move(handler);
}

void InputManager::drop_header(Reason reason) {
  ++counters_.in_hdr_errors;
  ++counters_.by_reason[static_cast<std::size_t>(reason)];
}

void InputManager::drop(StackReason reason) {
  ++counters_.by_stack_reason[static_cast<std::size_t>(reason)];
}

bool InputManager::step(Instant now) {
  // Whatever handlers and ICMP send from here on this thread is a reply.
  const OutputManager::ReplyScope replies(output_);
  bool progress = false;
  // RFC 1122 3.3.2: the reassembly timer runs whether or not packets arrive.
  const std::optional<Instant> deadline = engine_.next_expiry();
  if (deadline && *deadline <= now) {
    now_ = now;
    engine_.expire(now, *this);
    progress = true;
  }
  while (!in_pool_.empty()) {
    // Back-pressure: one packet may cause one datagram to be sent (an echo
    // reply, an ICMP error, what a handler sends back). Without room for it
    // in the reply queue (which only this thread fills), the packet waits in
    // in_pool, and the link's queue behind it.
    if (output_.reply_queue_free() == 0) {
      if (!stalled_) {
        stalled_ = true;
        ++counters_.input_stalls;
      }
      break;
    }
    stalled_ = false;
    ip_recv(in_pool_.front(), now);
    in_pool_.pop();
    progress = true;
  }
  return progress;
}

void InputManager::ip_recv(Bytes packet, Instant now) {
  // Version 4, IHL >= 5, total length within the packet (octets past it are
  // link padding and are cut off by the view).
  const Result<Ipv4View> parsed = Ipv4View::parse(packet);
  if (!parsed) {
    return drop_header(parsed.error());
  }
  const Ipv4View& ip = *parsed;
  // RFC 791 3.1: "If the header checksum fails, the internet datagram is
  // discarded at once by the entity which detects the error."
  if (!ip.checksum_ok()) {
    return drop_header(Reason::kBadChecksum);
  }
  // RFC 1122 3.2.1.8: options must be parseable (their lengths consistent).
  if (!options_well_formed(ip.options())) {
    return drop_header(Reason::kBadOptions);
  }
  // RFC 1122 3.2.1.3: "A host MUST silently discard an incoming datagram
  // containing an IP source address that is invalid" (broadcast, multicast).
  if (local_.is_broadcast(ip.source()) || is_multicast(ip.source())) {
    ++counters_.in_hdr_errors;
    return drop(StackReason::kBadSource);
  }
  // RFC 1122 3.2.1.3 / 3.3.4.2: a host accepts datagrams for its addresses
  // and the broadcasts; it does not forward the rest.
  if (!local_.is_local(ip.destination()) && !local_.is_broadcast(ip.destination())) {
    ++counters_.in_addr_errors;
    return drop(StackReason::kNotForUs);
  }
  // RFC 791 3.2: fragments are reassembled before delivery.
  if (ip.is_fragment()) {
    ++counters_.in_fragments;
    now_ = now;
    engine_.push(ip.bytes(), now, *this);
    return;
  }
  ++counters_.in_delivers_unfragmented;
  now_ = now;
  deliver(ip, 1);
}

// Demultiplexes a whole datagram by protocol (RFC 791 3.1 "Protocol").
void InputManager::deliver(const Ipv4View& ip, std::uint32_t fragment_count) {
  const ReceivedDatagram datagram{ip, fragment_count, now_};
  const std::uint8_t protocol = ip.protocol();
  if (protocol == kIpProtoIcmp) {
    ++counters_.in_delivers;
    icmp_.handle(datagram);
    return;
  }
  if (handlers_[protocol]) {
    ++counters_.in_delivers;
    handlers_[protocol](datagram);
    return;
  }
  if (protocol == kIpProtoUdp) {
    ++counters_.in_delivers;
    udp_.handle(datagram);
    return;
  }
  // RFC 1122 3.2.2.1: a host SHOULD send protocol unreachable.
  ++counters_.in_unknown_protos;
  drop(StackReason::kUnknownProtocol);
  icmp_.unreachable(kProtocolUnreachable, ip);
}

void InputManager::on_delivered(const Delivered& e) {
  // The engine built a valid datagram; parse it to get the view handlers use.
  const Result<Ipv4View> parsed = Ipv4View::parse(e.datagram);
  if (!parsed) {
    return drop_header(parsed.error());  // unreachable with a correct engine; counted
  }
  deliver(*parsed, e.fragment_count);
}

void InputManager::on_dropped(const Dropped& e) {
  ++counters_.by_reason[static_cast<std::size_t>(e.reason)];
}

void InputManager::on_discarded(const Discarded& e) {
  ++counters_.by_reason[static_cast<std::size_t>(e.reason)];
  if (e.reason == Reason::kTimeout && e.first_fragment_seen) {
    icmp_.reassembly_timeout(e.quote);
  }
}

}  // namespace ip4ref
