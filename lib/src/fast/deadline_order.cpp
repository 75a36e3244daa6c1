// deadline_order.cpp: creation list while deadlines are monotone, indexed
// binary heap after the clock stepped back.
#include "deadline_order.h"

namespace ip4ref::fast {

void DeadlineOrder::on_create(DatagramArena& arena, std::uint32_t index) {
  if (!heap_mode_) {
    const std::uint32_t previous = arena[index].older;
    if (previous == kNil || !(arena[index].deadline < arena[previous].deadline)) {
      return;  // still sorted: the creation list is the timer
    }
    build_heap(arena);  // includes `index`
    return;
  }
  heap_.push_back(index);
  const auto pos = static_cast<std::uint32_t>(heap_.size() - 1);
  put(arena, pos, index);
  sift_up(arena, pos);
}

void DeadlineOrder::on_remove(DatagramArena& arena, std::uint32_t index) {
  if (!heap_mode_) {
    return;
  }
  const std::uint32_t pos = arena[index].heap_pos;
  const std::uint32_t last = heap_.back();
  heap_.pop_back();
  arena[index].heap_pos = kNil;
  if (pos < heap_.size()) {
    put(arena, pos, last);
    sift_up(arena, pos);
    sift_down(arena, arena[last].heap_pos);
  }
  if (arena.size() == 1) {  // the last datagram goes: back to the free timer
    heap_mode_ = false;
    heap_.clear();
  }
}

void DeadlineOrder::build_heap(DatagramArena& arena) {
  heap_mode_ = true;
  heap_.clear();
  for (std::uint32_t i = arena.oldest(); i != kNil; i = arena[i].newer) {
    heap_.push_back(i);
    put(arena, static_cast<std::uint32_t>(heap_.size() - 1), i);
  }
  for (std::uint32_t pos = static_cast<std::uint32_t>(heap_.size() / 2); pos-- > 0;) {
    sift_down(arena, pos);
  }
}

void DeadlineOrder::put(DatagramArena& arena, std::uint32_t pos, std::uint32_t index) {
  heap_[pos] = index;
  arena[index].heap_pos = pos;
}

void DeadlineOrder::sift_up(DatagramArena& arena, std::uint32_t pos) {
  const std::uint32_t index = heap_[pos];
  while (pos > 0) {
    const std::uint32_t parent = (pos - 1) / 2;
    if (!before(arena[index], arena[heap_[parent]])) {
      break;
    }
    put(arena, pos, heap_[parent]);
    pos = parent;
  }
  put(arena, pos, index);
}

void DeadlineOrder::sift_down(DatagramArena& arena, std::uint32_t pos) {
  const std::uint32_t index = heap_[pos];
  const auto n = static_cast<std::uint32_t>(heap_.size());
  while (true) {
    std::uint32_t child = 2 * pos + 1;
    if (child >= n) {
      break;
    }
    if (child + 1 < n && before(arena[heap_[child + 1]], arena[heap_[child]])) {
      ++child;
    }
    if (!before(arena[heap_[child]], arena[index])) {
      break;
    }
    put(arena, pos, heap_[child]);
    pos = child;
  }
  put(arena, pos, index);
}

}  // namespace ip4ref::fast
