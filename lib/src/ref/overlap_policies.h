// overlap_policies.h: how each named policy inserts one fragment into a
// datagram in progress (DESIGN.md "Overlap policies").
//
// Every function here gets a fragment that already passed the store's checks
// (lengths consistent, non-empty, memory admitted) and decides one of:
//   kAccepted   the fragment was stored (possibly only partly, by the rule)
//   kDuplicate  it brings nothing the rule keeps: drop it alone
//   kOverlap    the rule forbids this overlap: discard the whole datagram
// A function that returns kDuplicate or kOverlap has not changed the entry.
//
// Complexity per fragment: O(L/8 + H) where L is its length and H the number
// of fragments or runs the entry holds. Held fragments and runs never overlap
// each other (or own disjoint, non-empty sets of blocks), so H <= 8192 for any
// datagram: the work per fragment is bounded by the datagram's size, never by
// how many fragments came before, and a storm of N fragments costs O(N).
#pragma once

#include "datagram_entry.h"
#include "ip4ref/bytes.h"
#include "ip4ref/policy.h"

namespace ip4ref::ref {

enum class InsertOutcome { kAccepted, kDuplicate, kOverlap };

// One fragment's data: octets [range.begin, range.end) of the datagram.
struct IncomingFragment {
  Span range;
  Bytes payload;  // exactly range.end - range.begin octets
};

InsertOutcome insert_fragment(Policy policy, DatagramEntry& entry, const IncomingFragment& f);

// For a new entry: room for the first few entries of the list `policy`
// keeps, in one allocation (grown from empty a fragment at a time, a vector
// is reallocated at 1, 2 and 4 entries, each an allocation the fuzz targets
// pay for under ASan). Changes no content.
void reserve_bookkeeping(Policy policy, DatagramEntry& entry);

// True when any octet of `range` is already held (the bit table says so).
bool intersects_held(const DatagramEntry& entry, Span range);

// True when every octet of [0, total) is held.
bool complete(const DatagramEntry& entry);

}  // namespace ip4ref::ref
