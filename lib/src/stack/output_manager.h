// output_manager.h (private): the send path. ip_write (any thread) builds a
// whole datagram into the send queue, or into the reply queue when called
// from inside the input manager's step (a ReplyScope is open on that
// thread); step() (the output thread) takes datagrams from the two queues in
// turn, fragments them to the MTU with ip4ref::fragment and feeds the
// fragments to out_pool as room appears, holding the rest meanwhile
// (back-pressure, never a drop).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

#include "ip4ref/fragmenter.h"
#include "ip4ref/ipv4_header.h"
#include "ip4ref/pool.h"
#include "ip4ref/reason.h"
#include "ip4ref/route_table.h"
#include "ip4ref/stack.h"
#include "ip4ref/stack_config.h"
#include "ip4ref/stack_reason.h"
#include "local_addresses.h"

namespace ip4ref {

// Counters written under the write mutex (ip_write, any thread).
struct WriteCounters {
  std::uint64_t out_requests = 0;
  std::uint64_t out_queued = 0;
  std::array<std::uint64_t, kStackReasonCount> by_stack_reason{};
};

// Counters written by step() (the output thread).
struct FragmentCounters {
  std::uint64_t out_shuffled = 0;
  FragmenterStats fragmenter;
  std::array<std::uint64_t, kReasonCount> by_reason{};  // fragment() failures (none expected)
};

class OutputManager {
 public:
  OutputManager(const StackConfig& config, const RouteTable& routes, const LocalAddresses& local,
                std::size_t mtu, PacketPool& send_queue, PacketPool& reply_queue,
                PacketPool& out_pool);

  // While one is alive on a thread, that thread's ip_write calls to this
  // manager use the reply queue. The input manager opens one around its step.
  class ReplyScope {
   public:
    explicit ReplyScope(const OutputManager& output);
    ~ReplyScope();
    ReplyScope(const ReplyScope&) = delete;
    ReplyScope& operator=(const ReplyScope&) = delete;

   private:
    const OutputManager* previous_;
  };

  // See Stack::ip_write. Thread-safe: producers serialise on a mutex.
  SendResult ip_write(Bytes payload, std::uint8_t protocol, std::uint32_t destination,
                      const WriteOptions& options);
  // The source address for a datagram to `destination`.
  std::uint32_t source_for(std::uint32_t destination) const;

  // Send queue -> fragments -> out_pool until the queue is empty or out_pool
  // is full. Returns whether anything moved.
  bool step();
  // Room in the reply queue (the input manager waits for one slot).
  std::size_t reply_queue_free() const { return reply_queue_.free_slots(); }

  WriteCounters write_counters() const;
  const FragmentCounters& fragment_counters() const { return fragments_; }

 private:
  SendResult refuse(StackReason reason);
  Ipv4Header make_header(std::size_t payload_size, std::uint8_t protocol, std::uint32_t destination,
                         const WriteOptions& options);
  SendResult fragmentation_needed(Bytes datagram, std::uint16_t identification);
  PacketPool* next_queue();
  void take_datagram(PacketPool& queue);
  void shuffle(std::vector<std::vector<std::uint8_t>>& fragments);

  const StackConfig& config_;
  const RouteTable& routes_;
  const LocalAddresses& local_;
  const std::size_t mtu_;
  PacketPool& send_queue_;
  PacketPool& reply_queue_;
  PacketPool& out_pool_;

  mutable std::mutex write_mutex_;  // guards ids_, write_ and both queues' producer sides
  IdentificationCounter ids_;
  WriteCounters write_;

  // Output thread only.
  std::vector<std::vector<std::uint8_t>> pending_;  // fragments of one datagram
  std::size_t next_pending_ = 0;
  bool replies_next_ = true;  // round robin between the two queues
  std::uint64_t shuffle_state_;
  FragmentCounters fragments_;
};

}  // namespace ip4ref
