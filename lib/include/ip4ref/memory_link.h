// memory_link.h: MemoryLink, two joined link ends in one process.
//
// What one end writes, the other reads, in order, unchanged. Each direction is
// a PacketPool (fixed memory, one producer and one consumer thread), so two
// stacks on the two ends may run in threaded mode. A full direction makes
// write() say kWouldBlock (back-pressure); a packet over the MTU is refused
// with EMSGSIZE, as a real device refuses it.
//
// Tests also drive one end by hand (write_packet / read into a buffer) to feed
// a stack arbitrary bytes and see exactly what it sends.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <utility>

#include "ip4ref/link.h"
#include "ip4ref/pool.h"

namespace ip4ref {

struct MemoryLinkConfig {
  std::size_t mtu = 1500;      // octets; packets up to this length pass
  std::size_t capacity = 256;  // packets in flight per direction
};

class MemoryLink final : public Link {
 public:
  // The two ends, named "memory:a" and "memory:b".
  static std::pair<std::unique_ptr<MemoryLink>, std::unique_ptr<MemoryLink>> make_pair(
      const MemoryLinkConfig& config = {});

  std::size_t mtu() const override { return mtu_; }
  LinkIo read(MutableBytes frame) override;
  LinkIo write(MutableBytes frame) override;
  std::string name() const override { return name_; }

  // The direction this end reads from (its counters: back-pressure, high water).
  PoolStats incoming_stats() const;
  // Packets waiting to be read at this end.
  std::size_t pending() const;

  struct Channel;  // the two directions, shared by both ends (memory_link.cpp)

 private:
  MemoryLink(std::shared_ptr<Channel> channel, PacketPool& in, PacketPool& out, std::size_t mtu,
             std::string name);

  std::shared_ptr<Channel> channel_;
  PacketPool& in_;
  PacketPool& out_;
  std::size_t mtu_;
  std::string name_;
};

}  // namespace ip4ref
