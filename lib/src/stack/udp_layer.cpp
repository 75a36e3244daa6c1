// udp_layer.cpp: UDP receive and send (RFC 768, RFC 1122 4.1).
#include "udp_layer.h"

#include <cstdint>
#include <utility>
#include <vector>

#include "ip4ref/icmp.h"

namespace ip4ref {
namespace {

// RFC 792: destination unreachable code 3, "port unreachable".
constexpr std::uint8_t kPortUnreachable = 3;

}  // namespace

void UdpLayer::handle(const ReceivedDatagram& datagram) {
  const Ipv4View& ip = datagram.ip;
  const Result<UdpView> udp = UdpView::parse(ip.payload());
  if (!udp) {
    return drop(StackReason::kUdpMalformed);
  }
  // RFC 1122 4.1.3.4: "If a UDP datagram is received with a checksum that is
  // non-zero and invalid, UDP MUST silently discard the datagram."
  if (!udp->checksum_ok(ip.source(), ip.destination())) {
    return drop(StackReason::kUdpBadChecksum);
  }
  const auto receiver = receivers_.find(udp->destination_port());
  if (receiver == receivers_.end()) {
    // RFC 1122 4.1.3.1: "If a datagram arrives addressed to a UDP port for
    // which there is no pending LISTEN call, UDP SHOULD send an ICMP Port
    // Unreachable message." (Suppressed for broadcasts by the ICMP rules.)
    drop(StackReason::kUdpNoListener);
    icmp_.unreachable(kPortUnreachable, ip);
    return;
  }
  ++in_datagrams_;
  UdpDatagram d;
  d.source = ip.source();
  d.source_port = udp->source_port();
  d.destination = ip.destination();
  d.destination_port = udp->destination_port();
  d.payload = udp->payload();
  d.fragment_count = datagram.fragment_count;
  d.now = datagram.now;
  receiver->second(d);
}

void UdpLayer::bind(std::uint16_t port, UdpReceiver receiver) {
  if (!receiver) {
    receivers_.erase(port);
    return;
  }
  receivers_[port] = std::move(receiver);
}

SendResult UdpLayer::send(std::uint16_t source_port, std::uint32_t destination,
                          std::uint16_t destination_port, Bytes payload,
                          const WriteOptions& options) {
  // 8 + payload must fit in the 65515 octets an IPv4 datagram carries.
  if (payload.size() > kUdpMaxPayload) {
    send_too_large_.fetch_add(1, std::memory_order_relaxed);
    SendResult refused;
    refused.error = StackReason::kDatagramTooLarge;
    return refused;
  }
  // The checksum covers the source address, so it is chosen here as
  // ip_write would choose it.
  const std::uint32_t source =
      options.source != 0 ? options.source : output_.source_for(destination);
  const std::vector<std::uint8_t> datagram =
      make_udp(source, destination, source_port, destination_port, payload);
  WriteOptions with_source = options;
  with_source.source = source;
  const SendResult result = output_.ip_write(datagram, kIpProtoUdp, destination, with_source);
  if (result.ok()) {
    out_datagrams_.fetch_add(1, std::memory_order_relaxed);
  }
  return result;
}

UdpCounters UdpLayer::counters() const {
  UdpCounters c;
  c.in_datagrams = in_datagrams_;
  c.out_datagrams = out_datagrams_.load(std::memory_order_relaxed);
  c.by_stack_reason = by_stack_reason_;
  c.by_stack_reason[static_cast<std::size_t>(StackReason::kDatagramTooLarge)] +=
      send_too_large_.load(std::memory_order_relaxed);
  return c;
}

}  // namespace ip4ref
