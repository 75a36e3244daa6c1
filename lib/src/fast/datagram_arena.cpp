// datagram_arena.cpp: slots, free list, creation order.
#include "datagram_arena.h"

namespace ip4ref::fast {

std::uint32_t DatagramArena::create() {
  std::uint32_t index;
  if (!free_.empty()) {
    index = free_.back();
    free_.pop_back();  // its fields are the caller's to set (see create())
  } else {
    index = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
    free_.reserve(slots_.capacity());  // destroy() then never allocates
  }
  Datagram& d = slots_[index];
  d.older = newest_;
  if (newest_ != kNil) {
    slots_[newest_].newer = index;
  } else {
    oldest_ = index;
  }
  newest_ = index;
  ++live_;
  return index;
}

void DatagramArena::destroy(std::uint32_t index) {
  Datagram& d = slots_[index];
  if (d.older != kNil) {
    slots_[d.older].newer = d.newer;
  } else {
    oldest_ = d.newer;
  }
  if (d.newer != kNil) {
    slots_[d.newer].older = d.older;
  } else {
    newest_ = d.older;
  }
  d.older = d.newer = kNil;
  --live_;
  free_.push_back(index);
}

}  // namespace ip4ref::fast
