// icmp_responder.h (private): the stack's ICMP (RFC 792, RFC 1122 3.2.2):
// the echo server, the errors the stack originates (time exceeded code 1 on
// reassembly timeout, protocol and port unreachable), and the RFC 1122 3.2.2
// rules for when an error must not be sent.
#pragma once

#include <array>
#include <cstdint>
#include <utility>

#include "ip4ref/bytes.h"
#include "ip4ref/icmp.h"
#include "ip4ref/stack.h"
#include "ip4ref/stack_config.h"
#include "ip4ref/stack_reason.h"
#include "local_addresses.h"
#include "output_manager.h"

namespace ip4ref {

// Written by the input thread only.
struct IcmpCounters {
  std::uint64_t in_echo_requests = 0;
  std::uint64_t out_echo_replies = 0;
  std::uint64_t out_time_exceeded = 0;
  std::uint64_t out_unreachable = 0;
  std::uint64_t errors_suppressed = 0;
  std::array<std::uint64_t, kStackReasonCount> by_stack_reason{};
};

class IcmpResponder {
 public:
  IcmpResponder(const StackConfig& config, const LocalAddresses& local, OutputManager& output);

  // Protocol 1: answers echo requests; passes every other valid message to
  // the handler (if any). Drops are counted with a StackReason.
  void handle(const ReceivedDatagram& datagram);
  void set_handler(ProtocolHandler handler) { handler_ = std::move(handler); }

  // RFC 792 time exceeded, code 1 ("fragment reassembly time exceeded"), to
  // the source quoted in `quote` (the offset-0 fragment's header + 8 octets,
  // from the engine's Discarded event).
  void reassembly_timeout(Bytes quote);
  // RFC 792 destination unreachable with `code` (2 protocol, 3 port) about
  // `datagram` (header + its first 8 data octets are quoted).
  void unreachable(std::uint8_t code, const Ipv4View& datagram);

  const IcmpCounters& counters() const { return counters_; }

 private:
  void answer_echo(const ReceivedDatagram& datagram, const IcmpView& request);
  bool may_send_error_about(Bytes quote) const;
  bool send_error(Bytes message, Bytes quote);
  void drop(StackReason reason);

  const StackConfig& config_;
  const LocalAddresses& local_;
  OutputManager& output_;
  ProtocolHandler handler_;
  IcmpCounters counters_;
};

}  // namespace ip4ref
