// link.cpp: helpers shared by every Link backend.
#include "ip4ref/link.h"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace ip4ref {

LinkIo write_packet(Link& link, Bytes packet) {
  std::vector<std::uint8_t> frame(link.headroom() + packet.size());
  std::copy(packet.begin(), packet.end(),
            frame.begin() + static_cast<std::ptrdiff_t>(link.headroom()));
  return link.write(frame);
}

}  // namespace ip4ref
