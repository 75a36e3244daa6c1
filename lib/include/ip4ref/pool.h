// pool.h: PacketPool, a fixed-capacity ring of fixed-size packet slots.
//
// The stack's managers hand packets to each other through pools (DESIGN.md
// "The way data flows"): link -> in_pool -> input manager, output manager ->
// out_pool -> link. Memory is allocated once, at construction; a full pool is
// back-pressure: the producer keeps its packet and tries again later, and the
// episode is counted. Nothing is ever dropped by a pool.
//
// Threads: safe for exactly one producer thread and one consumer thread at a
// time (a single-producer/single-consumer ring). The producer publishes a slot
// with a release store of the tail index; the consumer sees the slot's bytes
// after an acquire load of it, and gives the slot back with a release store of
// the head index, which the producer acquires before reusing it. Several
// producers must serialise among themselves (the output manager holds a mutex).
//
// Each slot is `headroom` scratch octets followed by room for `packet_size`
// octets, so a link that needs a prefix in front of the packet (macOS utun's
// 4-octet address family) can write it there without copying the packet.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "ip4ref/bytes.h"

namespace ip4ref {

struct PoolStats {
  std::uint64_t pushed = 0;  // packets committed by the producer
  std::uint64_t popped = 0;  // packets released by the consumer
  // Back-pressure episodes: times the producer found the pool full after its
  // previous attempt had found room.
  std::uint64_t backpressure = 0;
  // push() calls refused because the packet is longer than a slot (a caller
  // bug or a misconfigured size; the caller still holds the packet).
  std::uint64_t oversize = 0;
  std::size_t high_water = 0;  // most packets held at once
  bool operator==(const PoolStats&) const = default;
};

class PacketPool {
 public:
  // Allocates capacity * (headroom + packet_size) octets once.
  // Preconditions: capacity >= 1, packet_size >= 1.
  PacketPool(std::size_t capacity, std::size_t packet_size, std::size_t headroom = 0);
  PacketPool(const PacketPool&) = delete;
  PacketPool& operator=(const PacketPool&) = delete;

  // --- producer side ---

  // The next free slot as a frame: headroom() scratch octets, then room for
  // packet_size() octets. Empty when the pool is full (back-pressure; counted
  // once per episode). Calling it again without commit() returns the same slot.
  MutableBytes reserve();
  // Publishes the reserved slot holding a packet of `length` octets after the
  // headroom. Preconditions: reserve() returned a slot; length <= packet_size().
  void commit(std::size_t length);
  // reserve() + copy + commit(). False, with nothing stored, when the pool is
  // full (back-pressure) or the packet is longer than packet_size() (oversize).
  bool push(Bytes packet);
  // Free slots as the producer sees them (the consumer may free more at once).
  std::size_t free_slots() const;

  // --- consumer side ---

  bool empty() const;
  // The oldest packet. Precondition: !empty().
  Bytes front() const;
  // The oldest packet with its headroom in front: [0, headroom + length).
  // The headroom octets are scratch the consumer may overwrite.
  MutableBytes front_frame();
  // Releases the oldest slot. Precondition: !empty().
  void pop();

  // --- either side ---

  // Packets held; exact when one thread is quiescent, a snapshot otherwise.
  std::size_t size() const;
  std::size_t capacity() const { return capacity_; }
  std::size_t packet_size() const { return packet_size_; }
  std::size_t headroom() const { return headroom_; }
  // Counters (relaxed atomics: a snapshot, safe to read from any thread).
  PoolStats stats() const;

 private:
  std::uint8_t* slot(std::uint64_t index);
  const std::uint8_t* slot(std::uint64_t index) const;

  const std::size_t capacity_;
  const std::size_t packet_size_;
  const std::size_t headroom_;
  const std::size_t slot_size_;
  // capacity_ slots of slot_size_ octets, allocated once and NOT zeroed: a
  // slot's octets are read only up to the length committed into it, which
  // its producer wrote, so no stale or uninitialised octet is ever handed
  // on. Untouched memory costs no page faults: a stack whose 65535-octet
  // queues carry small packets touches only the pages it uses.
  std::unique_ptr<std::uint8_t[]> storage_;
  std::vector<std::size_t> lengths_;   // packet length per slot

  // Monotonic indices (never wrap in practice: 2^64 packets); slot = index % capacity.
  alignas(64) std::atomic<std::uint64_t> head_{0};  // next to consume; written by the consumer
  alignas(64) std::atomic<std::uint64_t> tail_{0};  // next to produce; written by the producer

  // Producer-owned.
  bool producer_blocked_ = false;
  std::atomic<std::uint64_t> pushed_{0};
  std::atomic<std::uint64_t> backpressure_{0};
  std::atomic<std::uint64_t> oversize_{0};
  std::atomic<std::size_t> high_water_{0};
  // Consumer-owned.
  std::atomic<std::uint64_t> popped_{0};
};

}  // namespace ip4ref
