// datagram_arena.h: storage for the fast engine's datagrams in progress:
// slots in one vector (indices stay valid; references do not survive
// create()), a free list of slot indices, and the creation-ordered list that
// eviction walks oldest first (DESIGN.md "Limits and accounting").
//
// Nothing here allocates unless the number of datagrams in progress grows
// past its previous peak.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "datagram.h"

namespace ip4ref::fast {

class DatagramArena {
 public:
  // A slot linked as the newest. Only the links are set: a recycled slot
  // keeps its old field values and the caller sets every other field (it is
  // cheaper than a 128-octet reset on every datagram). Invalidates references.
  std::uint32_t create();
  // Unlinks the slot and puts it on the free list.
  void destroy(std::uint32_t index);

  Datagram& operator[](std::uint32_t index) { return slots_[index]; }
  const Datagram& operator[](std::uint32_t index) const { return slots_[index]; }

  std::uint32_t oldest() const { return oldest_; }
  std::uint32_t newest() const { return newest_; }
  std::size_t size() const { return live_; }

 private:
  std::vector<Datagram> slots_;
  std::vector<std::uint32_t> free_;
  std::uint32_t oldest_ = kNil;
  std::uint32_t newest_ = kNil;
  std::size_t live_ = 0;
};

}  // namespace ip4ref::fast
