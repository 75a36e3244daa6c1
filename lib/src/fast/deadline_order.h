// deadline_order.h: which datagram times out next, ordered by (deadline,
// creation) as DESIGN.md requires ("Ties are broken by creation order").
//
// Deadlines are first arrival + a fixed timeout, so while the clock only
// moves forward the creation list (oldest first) is already in deadline
// order and the timer costs nothing: the earliest is the oldest. The clock
// may step backwards between pushes (replayed captures do); the first
// datagram created with a deadline earlier than the newest one's switches to
// an indexed binary heap (O(log n) insert and removal, positions kept in the
// slots), which lasts until no datagram is left in progress.
#pragma once

#include <cstdint>
#include <vector>

#include "datagram_arena.h"

namespace ip4ref::fast {

class DeadlineOrder {
 public:
  // After arena.create() linked `index` as the newest and set its deadline.
  void on_create(DatagramArena& arena, std::uint32_t index);
  // Before arena.destroy(index).
  void on_remove(DatagramArena& arena, std::uint32_t index);
  // The datagram with the least (deadline, creation); kNil when none.
  std::uint32_t earliest(const DatagramArena& arena) const {
    if (!heap_mode_) {
      return arena.oldest();
    }
    return heap_.empty() ? kNil : heap_.front();
  }
  bool heap_mode() const { return heap_mode_; }

 private:
  static bool before(const Datagram& a, const Datagram& b) {
    return a.deadline != b.deadline ? a.deadline < b.deadline : a.creation < b.creation;
  }
  void build_heap(DatagramArena& arena);
  void sift_up(DatagramArena& arena, std::uint32_t pos);
  void sift_down(DatagramArena& arena, std::uint32_t pos);
  void put(DatagramArena& arena, std::uint32_t pos, std::uint32_t index);

  bool heap_mode_ = false;
  std::vector<std::uint32_t> heap_;  // slot indices
};

}  // namespace ip4ref::fast
