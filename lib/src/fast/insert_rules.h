// insert_rules.h: the eight overlap policies of the fast engine. Each gives,
// for every fragment, exactly the outcome and the stored octets of its
// counterpart in lib/src/ref/overlap_policies.cpp (the contract and the
// sources are there and in DESIGN.md "Overlap policies"):
//   kAccepted   the fragment was stored (possibly only partly, by the rule)
//   kDuplicate  it brings nothing the rule keeps: drop it alone
//   kOverlap    the rule forbids this overlap: discard the whole datagram
// kDuplicate and kOverlap leave the datagram unchanged.
//
// Instead of the reference's lists of runs and held fragments, the state is
// two bit tables per datagram (blocks held, and where runs / fragments start)
// plus, for windows / solaris, block ownership. That is exact because of
// invariants the store's length rule guarantees: offsets are multiples of 8;
// every held fragment, run and trimmed fragment ends at a multiple of 8 or at
// the datagram's known end; nothing held passes max_end. So a range's octet
// end can be read back from block boundaries, and "same octets" is "same
// blocks". Each function says which reference rule it mirrors.
//
// Cost per fragment: O(L/8 / 64) word operations on the bit tables for a
// fragment of L octets, plus the L-octet copy; windows / solaris add O(L/8)
// for ownership and O(1) amortised per fragment they remove. Nothing depends
// on how many fragments the datagram already holds.
#pragma once

#include <cstdint>

#include "buffer_layout.h"
#include "datagram.h"
#include "ip4ref/policy.h"

namespace ip4ref::fast {

enum class Outcome { kAccepted, kDuplicate, kOverlap };

struct Incoming {
  std::uint32_t begin = 0;                // octets, multiple of 8
  std::uint32_t end = 0;                  // > begin
  const std::uint8_t* payload = nullptr;  // end - begin octets
};

// Preconditions: the store's checks passed (lengths consistent, non-empty,
// memory admitted); the buffer's capacity covers f.end; `touched` is whether
// any block of f is already held.
Outcome insert_fragment(Policy policy, Datagram& d, const BufferView& v, const Incoming& f,
                        bool touched);

}  // namespace ip4ref::fast
