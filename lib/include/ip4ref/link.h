// link.h: Link, where the stack's packets enter and leave: whole IPv4
// packets, no link-layer header.
//
// Backends (lib/src/link): TunLink (Linux /dev/net/tun, IFF_TUN|IFF_NO_PI),
// UtunLink (macOS utun, compiled only there), PcapLink (a capture in, a
// capture out, for offline runs; pcap_link.h), MemoryLink (two ends joining
// two stacks in one process). Every backend is non-blocking: a read with nothing
// waiting, or a write the link cannot take now, says kWouldBlock, and the
// traffic manager tries again later (back-pressure, never a silent drop).
//
// Frames and headroom: the caller's buffer starts with headroom() scratch
// octets, then the packet. A backend that needs a prefix on the wire (utun's
// 4-octet address family) reads and writes it there, so the packet is never
// copied to make room for it.
#pragma once

#include <cstddef>
#include <string>

#include "ip4ref/bytes.h"

namespace ip4ref {

enum class LinkStatus {
  kOk,          // one packet read or written
  kWouldBlock,  // nothing to read now, or the link cannot take the packet now
  kError,       // the operation failed; `error` holds the errno value
};

struct LinkIo {
  LinkStatus status = LinkStatus::kOk;
  std::size_t length = 0;  // kOk: the packet's octets (without headroom)
  int error = 0;           // kError: errno

  static LinkIo ok(std::size_t n) { return {LinkStatus::kOk, n, 0}; }
  static LinkIo would_block() { return {LinkStatus::kWouldBlock, 0, 0}; }
  static LinkIo failed(int errno_value) { return {LinkStatus::kError, 0, errno_value}; }
};

class Link {
 public:
  virtual ~Link() = default;

  // Octets of scratch the link needs in front of every packet (0 for most).
  virtual std::size_t headroom() const { return 0; }

  // The largest packet the link carries, in octets (the device MTU).
  virtual std::size_t mtu() const = 0;

  // Reads one packet, non-blocking. `frame` is headroom() scratch octets,
  // then room for the packet; on kOk the packet is
  // frame[headroom(), headroom() + length). A packet longer than the room is
  // cut to it (as a TUN read with a short buffer is); the input manager then
  // drops it for its total length. kWouldBlock when nothing is waiting.
  virtual LinkIo read(MutableBytes frame) = 0;

  // Writes the packet frame[headroom(), end), non-blocking. The headroom
  // octets are scratch. kWouldBlock: not written, try again later.
  virtual LinkIo write(MutableBytes frame) = 0;

  // A file descriptor that polls readable when read() may succeed, or -1 when
  // there is none (a memory link: just call read()).
  virtual int poll_fd() const { return -1; }

  // For messages: "tun0", "memory:a".
  virtual std::string name() const = 0;
};

// Writes `packet` through `link`, copying it behind the link's headroom
// (tests and tools; the stack itself writes from pool slots with headroom).
LinkIo write_packet(Link& link, Bytes packet);

}  // namespace ip4ref
