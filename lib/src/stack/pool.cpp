// pool.cpp: PacketPool, a single-producer/single-consumer ring of fixed slots.
//
// The classic Lamport ring with monotonic 64-bit indices: the producer owns
// tail_, the consumer owns head_; each reads the other's index with acquire
// and publishes its own with release, so a slot's bytes and length written
// before a release are visible after the matching acquire.
#include "ip4ref/pool.h"

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstdint>

namespace ip4ref {
namespace {

// +1 on a counter only one thread writes (the producer's or the consumer's
// own): a relaxed load and store, not a locked read-modify-write, since no
// other writer can interleave; readers on other threads (stats()) still see
// a whole value.
void bump(std::atomic<std::uint64_t>& counter) {
  counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

}  // namespace

PacketPool::PacketPool(std::size_t capacity, std::size_t packet_size, std::size_t headroom)
    : capacity_(capacity),
      packet_size_(packet_size),
      headroom_(headroom),
      slot_size_(headroom + packet_size),
      // new T[n] default-initialises: no zeroing (see storage_).
      storage_(new std::uint8_t[capacity * (headroom + packet_size)]),
      lengths_(capacity, 0) {
  assert(capacity >= 1 && packet_size >= 1);
}

std::uint8_t* PacketPool::slot(std::uint64_t index) {
  return storage_.get() + (index % capacity_) * slot_size_;
}

const std::uint8_t* PacketPool::slot(std::uint64_t index) const {
  return storage_.get() + (index % capacity_) * slot_size_;
}

MutableBytes PacketPool::reserve() {
  const std::uint64_t tail = tail_.load(std::memory_order_relaxed);
  const std::uint64_t head = head_.load(std::memory_order_acquire);
  if (tail - head == capacity_) {
    if (!producer_blocked_) {
      producer_blocked_ = true;
      bump(backpressure_);
    }
    return {};
  }
  producer_blocked_ = false;
  return MutableBytes{slot(tail), slot_size_};
}

void PacketPool::commit(std::size_t length) {
  assert(length <= packet_size_);
  const std::uint64_t tail = tail_.load(std::memory_order_relaxed);
  assert(tail - head_.load(std::memory_order_acquire) < capacity_);
  lengths_[tail % capacity_] = length;
  tail_.store(tail + 1, std::memory_order_release);
  bump(pushed_);
  const std::size_t held =
      static_cast<std::size_t>(tail + 1 - head_.load(std::memory_order_relaxed));
  if (held > high_water_.load(std::memory_order_relaxed)) {
    high_water_.store(held, std::memory_order_relaxed);
  }
}

bool PacketPool::push(Bytes packet) {
  if (packet.size() > packet_size_) {
    bump(oversize_);
    return false;
  }
  const MutableBytes frame = reserve();
  if (frame.empty()) {
    return false;
  }
  std::copy(packet.begin(), packet.end(), frame.begin() + static_cast<std::ptrdiff_t>(headroom_));
  commit(packet.size());
  return true;
}

std::size_t PacketPool::free_slots() const {
  return capacity_ - std::min(capacity_, size());
}

bool PacketPool::empty() const {
  return head_.load(std::memory_order_relaxed) == tail_.load(std::memory_order_acquire);
}

Bytes PacketPool::front() const {
  assert(!empty());
  const std::uint64_t head = head_.load(std::memory_order_relaxed);
  return Bytes{slot(head) + headroom_, lengths_[head % capacity_]};
}

MutableBytes PacketPool::front_frame() {
  assert(!empty());
  const std::uint64_t head = head_.load(std::memory_order_relaxed);
  return MutableBytes{slot(head), headroom_ + lengths_[head % capacity_]};
}

void PacketPool::pop() {
  assert(!empty());
  head_.store(head_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
  bump(popped_);
}

std::size_t PacketPool::size() const {
  // Head first: the tail read after it is never behind it. Between the two
  // loads the other side may move, so a snapshot is clamped to the capacity.
  const std::uint64_t head = head_.load(std::memory_order_acquire);
  const std::uint64_t tail = tail_.load(std::memory_order_acquire);
  return std::min(capacity_, static_cast<std::size_t>(tail - head));
}

PoolStats PacketPool::stats() const {
  PoolStats s;
  s.pushed = pushed_.load(std::memory_order_relaxed);
  s.popped = popped_.load(std::memory_order_relaxed);
  s.backpressure = backpressure_.load(std::memory_order_relaxed);
  s.oversize = oversize_.load(std::memory_order_relaxed);
  s.high_water = high_water_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace ip4ref
