// traffic_manager.cpp: the link <-> pool pump.
#include "traffic_manager.h"

#include <cstddef>

namespace ip4ref {

bool TrafficManager::receive() {
  bool progress = false;
  while (true) {
    // The slot is read into directly: headroom, then the packet.
    const MutableBytes frame = in_pool_.reserve();
    if (frame.empty()) {
      return progress;  // back-pressure, counted by in_pool
    }
    const LinkIo io = link_.read(frame);
    if (io.status == LinkStatus::kWouldBlock) {
      return progress;
    }
    if (io.status == LinkStatus::kError) {
      // Nothing was read, so nothing is lost here; count it and let the next
      // round try again rather than spin on a failing descriptor.
      ++counters_.by_stack_reason[static_cast<std::size_t>(StackReason::kLinkReadError)];
      return progress;
    }
    in_pool_.commit(io.length);
    ++counters_.in_receives;
    progress = true;
  }
}

bool TrafficManager::transmit() {
  bool progress = false;
  while (!out_pool_.empty()) {
    const LinkIo io = link_.write(out_pool_.front_frame());
    if (io.status == LinkStatus::kWouldBlock) {
      if (!link_blocked_) {
        link_blocked_ = true;
        ++counters_.link_stalls;
      }
      return progress;  // keep the packet, try again later
    }
    link_blocked_ = false;
    if (io.status == LinkStatus::kError) {
      // The link refused this packet for good (e.g. the device is down):
      // retrying would block every later packet behind it. Counted.
      ++counters_.by_stack_reason[static_cast<std::size_t>(StackReason::kLinkWriteError)];
    } else {
      ++counters_.out_transmits;
    }
    out_pool_.pop();
    progress = true;
  }
  return progress;
}

}  // namespace ip4ref
