// memory_link.cpp: two link ends joined by two PacketPools, one per direction.
//
// End a writes into a_to_b and reads from b_to_a; end b the other way round.
// Each pool has one producer (the writing end's traffic manager) and one
// consumer (the reading end's), which is what PacketPool is safe for.
#include "ip4ref/memory_link.h"

#include <algorithm>
#include <cerrno>
#include <memory>
#include <utility>

namespace ip4ref {

struct MemoryLink::Channel {
  Channel(std::size_t capacity, std::size_t mtu) : a_to_b(capacity, mtu), b_to_a(capacity, mtu) {}
  PacketPool a_to_b;
  PacketPool b_to_a;
};

std::pair<std::unique_ptr<MemoryLink>, std::unique_ptr<MemoryLink>> MemoryLink::make_pair(
    const MemoryLinkConfig& config) {
  auto channel = std::make_shared<Channel>(config.capacity, config.mtu);
  std::unique_ptr<MemoryLink> a{
      new MemoryLink(channel, channel->b_to_a, channel->a_to_b, config.mtu, "memory:a")};
  std::unique_ptr<MemoryLink> b{
      new MemoryLink(channel, channel->a_to_b, channel->b_to_a, config.mtu, "memory:b")};
  return {std::move(a), std::move(b)};
}

MemoryLink::MemoryLink(std::shared_ptr<Channel> channel, PacketPool& in, PacketPool& out,
                       std::size_t mtu, std::string name)
    : channel_(std::move(channel)), in_(in), out_(out), mtu_(mtu), name_(std::move(name)) {}

LinkIo MemoryLink::read(MutableBytes frame) {
  if (in_.empty()) {
    return LinkIo::would_block();
  }
  // Headroom is 0 for this link, so the packet goes at the start of the frame.
  const Bytes packet = in_.front();
  const std::size_t n = std::min(packet.size(), frame.size());
  std::copy(packet.begin(), packet.begin() + static_cast<std::ptrdiff_t>(n), frame.begin());
  in_.pop();
  return LinkIo::ok(n);
}

LinkIo MemoryLink::write(MutableBytes frame) {
  // A real device refuses a packet over its MTU (write(2) on a TUN fd says
  // EMSGSIZE-like errors); the stack never builds one.
  if (frame.size() > mtu_) {
    return LinkIo::failed(EMSGSIZE);
  }
  if (!out_.push(frame)) {
    return LinkIo::would_block();
  }
  return LinkIo::ok(frame.size());
}

PoolStats MemoryLink::incoming_stats() const {
  return in_.stats();
}

std::size_t MemoryLink::pending() const {
  return in_.size();
}

}  // namespace ip4ref
