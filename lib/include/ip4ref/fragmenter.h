// fragmenter.h: RFC 791 fragmentation of an IPv4 datagram (or of a fragment,
// re-fragmented) to a link MTU, and the per-stack identification counter.
//
// RFC 791 3.2 "Fragmentation": payload per fragment is
// floor((MTU - header) / 8) * 8; options with the copied flag go into every
// fragment, the others only into the first; the last piece keeps the
// original's MF; offsets stay relative to the original datagram.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "ip4ref/bytes.h"
#include "ip4ref/ipv4_header.h"
#include "ip4ref/result.h"

namespace ip4ref {

struct FragmenterStats {
  std::uint64_t frag_oks = 0;      // RFC 4293 ipSystemStatsOutFragOKs
  std::uint64_t frag_fails = 0;    // RFC 4293 ipSystemStatsOutFragFails
  std::uint64_t frag_creates = 0;  // RFC 4293 ipSystemStatsOutFragCreates
  bool operator==(const FragmenterStats&) const = default;
};

// What the sender needs for ICMP "fragmentation needed" (type 3 code 4,
// RFC 1191): the MTU that was too small and the original header + 8 octets.
struct FragmentationNeeded {
  std::uint16_t next_hop_mtu = 0;
  std::vector<std::uint8_t> quote;
};

struct FragmentResult {
  Reason error = Reason::kCount;             // kCount on success
  std::vector<std::vector<std::uint8_t>> fragments;  // on success, in offset order
  FragmentationNeeded icmp;                  // filled when error == kFragmentationNeeded
  bool ok() const { return error == Reason::kCount; }
};

// Fragments one IPv4 packet (checked with Ipv4View::parse and
// Ipv4Header::parse) to `mtu` octets. A packet that already fits is returned
// unchanged as the single fragment (FragOKs not counted), as its
// [0, total length) octets (link padding after it dropped). Errors, checked
// in this order:
//   kMtuTooSmall           mtu < 68 (whatever the packet's size)
//   any Ipv4View / options parse reason for a malformed packet
//   kFragmentationNeeded   DF set and the packet exceeds mtu (`icmp` filled)
//   kDatagramTooLarge      a piece's offset would pass 65528, the largest the
//                          13-bit field holds (re-fragmenting a bogus fragment)
//   kMtuTooSmall           a later piece's header + 8 octets exceeds mtu (not
//                          reachable with mtu >= 68; a guard against looping)
// The input's header checksum is not verified (the send side built it, or
// ip_recv verified it); every emitted fragment has a fresh, correct one.
// The first piece carries all the input's options, the others only those
// with the copied flag, padded to 4 octets; non-last pieces have MF set, the
// last keeps the input's MF; offsets add the input's fragment offset.
// Counters: frag_oks += 1 and frag_creates += pieces on success; frag_fails
// += 1 on every error except a malformed packet (never fragmented, RFC 4293).
FragmentResult fragment(Bytes packet, std::size_t mtu, FragmenterStats* stats = nullptr);

// A 16-bit identification counter, one per stack (RFC 791 3.2; RFC 6864 4.1
// lets a source pick IDs as it likes for atomic datagrams). Seedable so runs
// are reproducible; next() returns the seed first, then seed + 1, ...
class IdentificationCounter {
 public:
  explicit IdentificationCounter(std::uint16_t seed = 0) : next_(seed) {}
  std::uint16_t next() { return next_++; }

 private:
  std::uint16_t next_;
};

}  // namespace ip4ref
