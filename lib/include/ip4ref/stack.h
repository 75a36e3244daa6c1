// stack.h: Stack, the reference IPv4 host stack (DESIGN.md "The way data
// flows"): a traffic manager, an input manager with a reassembly engine, an
// output manager, and the pools between them, on one Link.
//
//   link -> traffic mgr -> in_pool -> input mgr (ip_recv) -> handlers
//   callers  -> ip_write -> send_queue  -+-> output mgr (fragment)
//   handlers -> ip_write -> reply_queue -+   -> out_pool -> traffic mgr -> link
//
// Time is a parameter: poll(now) does one round of every manager at `now`;
// only run() and the threaded mode read a clock (the one they are given).
//
// Deterministic mode (default): the caller calls poll(now), one thread, every
// run a pure function of the packets and the times given. Threaded mode
// (start_threads): one thread per manager, the pools between them; handlers
// then run on the input thread and ip_write may be called from any thread.
//
// Back-pressure, never silent loss: a full pool stops its producer. What a
// handler sends (from inside the input manager's step) goes to a reply queue
// that only the input manager fills, and the input manager handles the next
// packet only when that queue has room: the replies to a burst are never
// lost, the burst waits in the link (the kernel's queue) instead, and
// applications filling the send queue cannot stall input.
//
// Two stacks joined by a MemoryLink form a closed, lossless loop: if both
// answer everything and applications inject more than every buffer on the
// loop holds, the loop can fill and stop. A real link (TUN) never blocks the
// stack's writes, so no such cycle exists there.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "ip4ref/bytes.h"
#include "ip4ref/fragmenter.h"
#include "ip4ref/ipv4_header.h"
#include "ip4ref/link.h"
#include "ip4ref/reassembly_engine.h"
#include "ip4ref/stack_config.h"
#include "ip4ref/stack_reason.h"
#include "ip4ref/stack_stats.h"
#include "ip4ref/time.h"
#include "ip4ref/udp.h"

namespace ip4ref {

// One datagram for a protocol handler: reassembled, or a packet that came
// whole. The bytes are valid only during the call.
struct ReceivedDatagram {
  Ipv4View ip;                       // the whole datagram; ip.payload() is the transport data
  std::uint32_t fragment_count = 1;  // 1 when it came unfragmented
  Instant now;
};

using ProtocolHandler = std::function<void(const ReceivedDatagram&)>;

struct WriteOptions {
  std::uint32_t source = 0;  // 0: the local address on the route's subnet, else the first
  std::uint8_t ttl = 0;      // 0: StackConfig::ttl
  std::uint8_t tos = 0;
  bool dont_fragment = false;
};

// What ip_write did. On success the datagram is queued; it reaches the link
// on a later poll (or at once in threaded mode).
struct SendResult {
  StackReason error = StackReason::kCount;  // kCount on success
  std::uint16_t identification = 0;         // the datagram's ID (success, kFragmentationNeeded)
  FragmentationNeeded icmp;                 // kFragmentationNeeded: RFC 1191 next-hop MTU + quote
  bool ok() const { return error == StackReason::kCount; }
};

// The clock of run() and of the threaded mode.
using Clock = std::function<Instant()>;
// CLOCK_MONOTONIC as an Instant: the default Clock, and the only clock
// read in lib/ outside the link backends.
Instant steady_now();

class InputManager;
class LocalAddresses;
class OutputManager;
class TrafficManager;
class IcmpResponder;
class UdpLayer;
class PacketPool;

class Stack {
 public:
  // nullptr with a one-line `error` when the config cannot work: no
  // address, an unknown engine, an MTU under 68, an empty pool.
  static std::unique_ptr<Stack> create(Link& link, StackConfig config, std::string* error);
  ~Stack();  // stops the threads if they run
  Stack(const Stack&) = delete;
  Stack& operator=(const Stack&) = delete;

  // --- handlers (register before start_threads) ---

  // Raw handler for a protocol number. ICMP (1) is answered by the stack
  // (echo); its handler sees every other valid ICMP message (echo replies,
  // errors). UDP (17) is demultiplexed by port (udp_bind) unless a raw handler
  // replaces it. An empty function unregisters.
  void set_protocol_handler(std::uint8_t protocol, ProtocolHandler handler);
  // UDP receiver on a local port (RFC 768); an empty function unbinds.
  void udp_bind(std::uint16_t port, UdpReceiver receiver);

  // --- sending ---

  // The output manager's entry (DESIGN.md "ip_write(payload, proto, dst)"):
  // builds the header (identification from the seeded counter, TTL, DF,
  // checksum), picks the source and the next hop, and queues the datagram;
  // the output manager fragments it to the MTU. Payload up to 65515 octets.
  // Called from inside a handler, the datagram goes to the reply queue (room
  // for one reply per received datagram is guaranteed), else to the send
  // queue. Errors (nothing queued): kDatagramTooLarge, kNoRoute, kSendQueueFull,
  // kFragmentationNeeded (DF set and 20 + payload > mtu(): `icmp` carries the
  // RFC 1191 next-hop MTU and the header + 8 octets an ICMP type 3 code 4
  // message would quote). Thread-safe.
  SendResult ip_write(Bytes payload, std::uint8_t protocol, std::uint32_t destination,
                      const WriteOptions& options = {});
  // A UDP datagram (RFC 768, checksum always computed) through ip_write.
  // Payload up to 65507 octets.
  SendResult udp_send(std::uint16_t source_port, std::uint32_t destination,
                      std::uint16_t destination_port, Bytes payload,
                      const WriteOptions& options = {});

  // --- running ---

  // Deterministic mode: one round at `now`: link -> in_pool, input (timers,
  // then in_pool -> handlers), output (send and reply queues -> out_pool), out_pool ->
  // link. Returns whether anything moved. Not while threads run.
  bool poll(Instant now);
  // Earliest reassembly deadline (the next time poll() has work without
  // traffic); nullopt when none.
  std::optional<Instant> next_timer() const;
  // poll() with clock() until `stop` is set; between idle rounds it waits on
  // the link's descriptor (or sleeps briefly) until traffic or the next timer,
  // at most 100 ms, so `stop` is seen promptly.
  void run(const Clock& clock, const std::atomic<bool>& stop);

  // Threaded mode: a traffic, an input and an output thread. Threads idle by
  // polling the link descriptor or sleeping 50 us.
  void start_threads(Clock clock);
  void stop_threads();
  bool threaded() const { return threads_ != nullptr; }

  // --- state ---

  // A snapshot of every counter. In threaded mode call it after stop_threads().
  StackStats stats() const;
  std::size_t mtu() const { return mtu_; }
  const StackConfig& config() const { return config_; }
  const RouteTable& routes() const { return routes_; }
  const ReassemblyEngine& engine() const { return *engine_; }
  // A local address, or a broadcast the stack accepts (RFC 1122 3.2.1.3).
  bool is_local(std::uint32_t address) const;
  bool is_broadcast(std::uint32_t address) const;
  // The source ip_write would pick for `destination`.
  std::uint32_t source_for(std::uint32_t destination) const;

 private:
  struct Threads;  // stack_threads.h
  void wait_for_work(Instant now, std::int64_t max_wait_ns);
  Stack(Link& link, StackConfig config, std::unique_ptr<ReassemblyEngine> engine, std::size_t mtu);

  Link& link_;
  StackConfig config_;
  std::size_t mtu_;
  std::unique_ptr<LocalAddresses> local_;
  RouteTable routes_;
  std::unique_ptr<ReassemblyEngine> engine_;
  std::unique_ptr<PacketPool> in_pool_;
  std::unique_ptr<PacketPool> send_queue_;
  std::unique_ptr<PacketPool> reply_queue_;
  std::unique_ptr<PacketPool> out_pool_;
  std::unique_ptr<OutputManager> output_;
  std::unique_ptr<IcmpResponder> icmp_;
  std::unique_ptr<UdpLayer> udp_;
  std::unique_ptr<InputManager> input_;
  std::unique_ptr<TrafficManager> traffic_;
  std::unique_ptr<Threads> threads_;
};

}  // namespace ip4ref
