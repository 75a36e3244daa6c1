// input_manager.h (private): ip_recv, the input side of the stack (RFC 791
// 3.2, RFC 1122 3.2.1): header checks, "is it for us", fragments to the
// reassembly engine, whole datagrams to the protocol handlers. Every packet
// ends delivered, in the engine, or dropped under a counted reason.
#pragma once

#include <array>
#include <cstdint>

#include "icmp_responder.h"
#include "ip4ref/events.h"
#include "ip4ref/pool.h"
#include "ip4ref/reassembly_engine.h"
#include "ip4ref/stack.h"
#include "local_addresses.h"
#include "output_manager.h"
#include "udp_layer.h"

namespace ip4ref {

// Written by the input thread only.
struct InputCounters {
  std::uint64_t in_hdr_errors = 0;
  std::uint64_t in_addr_errors = 0;
  std::uint64_t in_unknown_protos = 0;
  std::uint64_t in_fragments = 0;
  std::uint64_t in_delivers_unfragmented = 0;
  std::uint64_t in_delivers = 0;
  std::uint64_t input_stalls = 0;
  std::array<std::uint64_t, kReasonCount> by_reason{};
  std::array<std::uint64_t, kStackReasonCount> by_stack_reason{};
};

class InputManager final : private EventSink {
 public:
  InputManager(const LocalAddresses& local, ReassemblyEngine& engine, PacketPool& in_pool,
               OutputManager& output, IcmpResponder& icmp, UdpLayer& udp);

  // Timers (reassembly deadlines <= now), then in_pool -> ip_recv while the
  // reply queue has room for a reply. Returns whether anything moved.
  bool step(Instant now);
  // One packet from the link (no link header), at `now`.
  void ip_recv(Bytes packet, Instant now);

  void set_handler(std::uint8_t protocol, ProtocolHandler handler);
  const InputCounters& counters() const { return counters_; }

 private:
  void deliver(const Ipv4View& ip, std::uint32_t fragment_count);
  void drop_header(Reason reason);
  void drop(StackReason reason);

  // EventSink: what the reassembly engine says about fragments.
  void on_delivered(const Delivered& e) override;
  void on_dropped(const Dropped& e) override;
  void on_discarded(const Discarded& e) override;

  const LocalAddresses& local_;
  ReassemblyEngine& engine_;
  PacketPool& in_pool_;
  OutputManager& output_;
  IcmpResponder& icmp_;
  UdpLayer& udp_;
  std::array<ProtocolHandler, 256> handlers_;  // raw handlers by protocol number
  Instant now_;                                // the time of the packet being handled
  bool stalled_ = false;                       // waiting for the reply queue
  InputCounters counters_;
};

}  // namespace ip4ref
