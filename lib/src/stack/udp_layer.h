// udp_layer.h (private): UDP (RFC 768) on the stack: checks each datagram,
// hands it to the receiver bound to its destination port, answers an unbound
// port with ICMP port unreachable (RFC 1122 4.1.3.1), and sends.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>

#include "icmp_responder.h"
#include "ip4ref/stack.h"
#include "ip4ref/udp.h"
#include "output_manager.h"

namespace ip4ref {

struct UdpCounters {
  std::uint64_t in_datagrams = 0;
  std::uint64_t out_datagrams = 0;
  std::array<std::uint64_t, kStackReasonCount> by_stack_reason{};
};

class UdpLayer {
 public:
  UdpLayer(OutputManager& output, IcmpResponder& icmp) : output_(output), icmp_(icmp) {}

  // Protocol 17 (input thread).
  void handle(const ReceivedDatagram& datagram);
  // Bind before threads start; an empty receiver unbinds.
  void bind(std::uint16_t port, UdpReceiver receiver);
  // Any thread.
  SendResult send(std::uint16_t source_port, std::uint32_t destination,
                  std::uint16_t destination_port, Bytes payload, const WriteOptions& options);

  UdpCounters counters() const;

 private:
  void drop(StackReason reason) { ++by_stack_reason_[static_cast<std::size_t>(reason)]; }

  OutputManager& output_;
  IcmpResponder& icmp_;
  std::map<std::uint16_t, UdpReceiver> receivers_;
  std::uint64_t in_datagrams_ = 0;                                  // input thread
  std::array<std::uint64_t, kStackReasonCount> by_stack_reason_{};  // input thread
  std::atomic<std::uint64_t> out_datagrams_{0};                     // any thread
  std::atomic<std::uint64_t> send_too_large_{0};                    // any thread
};

}  // namespace ip4ref
