// overlap_policies.cpp: the eight overlap policies, each in its plainest form.
// See overlap_policies.h for the contract and DESIGN.md for the table.
#include "overlap_policies.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace ip4ref::ref {
namespace {

std::size_t first_block(Span s) { return s.begin / kBlock; }
std::size_t end_block(Span s) { return (s.end + kBlock - 1) / kBlock; }

// The octets of block k that lie inside `s`.
Span block_part(std::size_t k, Span s) {
  return Span{std::max(k * kBlock, s.begin), std::min((k + 1) * kBlock, s.end)};
}

void grow_to(DatagramEntry& e, std::size_t end) {
  if (e.data.size() < end) {
    e.data.resize(end, 0);
  }
  e.have.grow(end_block(Span{0, end}));
}

// Copies the fragment's octets for `part` (a sub-range of f.range) into the
// buffer and marks the blocks held.
void write_part(DatagramEntry& e, const IncomingFragment& f, Span part) {
  if (part.end <= part.begin) {
    return;
  }
  grow_to(e, part.end);
  std::memcpy(e.data.data() + part.begin, f.payload.data() + (part.begin - f.range.begin),
              part.end - part.begin);
  e.have.set_range(first_block(part), end_block(part));
}

// True when every block the range touches is held.
bool all_held(const DatagramEntry& e, Span s) {
  return e.have.all(first_block(s), end_block(s));
}

// Existing data wins (first, windows, solaris): writes the fragment's octets
// into the blocks of its range that are not held yet, one run of such blocks
// at a time, and calls on_run(run) with each run as a block range
// [first, end) once it is written.
template <typename OnRun>
void fill_empty_blocks(DatagramEntry& e, const IncomingFragment& f, OnRun&& on_run) {
  const std::size_t end = end_block(f.range);
  std::size_t k = e.have.find(first_block(f.range), end, /*held=*/false);
  while (k < end) {
    const std::size_t run_end = e.have.find(k, end, /*held=*/true);
    write_part(e, f, Span{block_part(k, f.range).begin, block_part(run_end - 1, f.range).end});
    on_run(Span{k, run_end});
    k = e.have.find(run_end, end, /*held=*/false);
  }
}

// --- linux ------------------------------------------------------------------
// Linux net/ipv4/inet_fragment.c inet_frag_queue_insert() (v5.x-v6.x): the
// queue holds "runs" of fragments that arrived adjacent and in order. A
// fragment that ends past the tail run either extends it (starts exactly at
// its end), starts a new tail run (leaves a gap) or overlaps (starts before
// its end). Any other fragment is a duplicate if it lies wholly inside one
// run, an overlap if it touches any run, else a new run of its own. Kernel
// comment: "Duplicates, however, should be ignored (i.e. skb dropped, but the
// queue/fragments kept for later reassembly)."
InsertOutcome insert_linux(DatagramEntry& e, const IncomingFragment& f) {
  const Span r = f.range;
  if (e.runs.empty()) {
    e.runs.push_back(r);
    e.tail_run = 0;
  } else if (r.end > e.runs[e.tail_run].end) {
    Span& tail = e.runs[e.tail_run];
    if (r.begin < tail.end) {
      return InsertOutcome::kOverlap;
    }
    if (r.begin == tail.end) {
      tail.end = r.end;
    } else {
      e.runs.push_back(r);
      e.tail_run = e.runs.size() - 1;
    }
  } else {
    for (const Span& run : e.runs) {
      if (r.begin >= run.begin && r.end <= run.end) {
        return InsertOutcome::kDuplicate;
      }
    }
    for (const Span& run : e.runs) {
      if (r.begin < run.end && r.end > run.begin) {
        return InsertOutcome::kOverlap;
      }
    }
    e.runs.push_back(r);
  }
  write_part(e, f, r);
  return InsertOutcome::kAccepted;
}

// --- reject -----------------------------------------------------------------
// RFC 5722 4, amended by erratum 3089: "If one or more its constituent
// fragments is determined to be an overlapping fragment, the entire datagram
// (and any constituent fragments) MUST be silently discarded", while an exact
// duplicate (same offset, length and contents) is ignored. Same offset and
// length with different octets is an overlap.
InsertOutcome insert_reject(DatagramEntry& e, const IncomingFragment& f) {
  if (!intersects_held(e, f.range)) {
    e.held.push_back(HeldFragment{f.range, f.range, e.next_fragment_id++});
    write_part(e, f, f.range);
    return InsertOutcome::kAccepted;
  }
  for (const HeldFragment& h : e.held) {
    if (h.arrived == f.range) {
      const bool same = std::equal(f.payload.begin(), f.payload.end(),
                                   e.data.begin() + static_cast<std::ptrdiff_t>(f.range.begin));
      return same ? InsertOutcome::kDuplicate : InsertOutcome::kOverlap;
    }
  }
  return InsertOutcome::kOverlap;
}

// --- first / last -------------------------------------------------------------
// first: every octet comes from the earliest fragment that carried it; a
// fragment that carries no new octet is a duplicate.
InsertOutcome insert_first(DatagramEntry& e, const IncomingFragment& f) {
  if (all_held(e, f.range)) {
    return InsertOutcome::kDuplicate;
  }
  fill_empty_blocks(e, f, [](Span) {});
  return InsertOutcome::kAccepted;
}

// last: every octet comes from the latest fragment that carried it.
InsertOutcome insert_last(DatagramEntry& e, const IncomingFragment& f) {
  write_part(e, f, f.range);
  return InsertOutcome::kAccepted;
}

// --- bsd / linux-legacy ---------------------------------------------------------
// FreeBSD sys/netinet/ip_reass.c: fragments are kept sorted by offset. "If
// there is a preceding segment, it may provide some of our data already. If
// so, drop the data from the incoming segment. If it provides all of our
// data, drop us." Then "while we overlap succeeding segments trim them or, if
// they are completely covered, dequeue them." The preceding segment is the
// last one whose (trimmed) offset is <= ours; linux-legacy (Novak 2005) takes
// the last one whose offset is strictly < ours, so on an equal offset the new
// fragment wins.
InsertOutcome insert_bsd_like(DatagramEntry& e, const IncomingFragment& f, bool new_wins_ties) {
  const Span r = f.range;
  auto precedes = [&](const HeldFragment& h) {
    return new_wins_ties ? h.current.begin < r.begin : h.current.begin <= r.begin;
  };
  std::size_t idx = 0;
  while (idx < e.held.size() && precedes(e.held[idx])) {
    ++idx;
  }
  std::size_t begin = r.begin;
  if (idx > 0 && e.held[idx - 1].current.end > begin) {
    if (e.held[idx - 1].current.end >= r.end) {
      return InsertOutcome::kDuplicate;
    }
    begin = e.held[idx - 1].current.end;
  }
  std::size_t j = idx;
  while (j < e.held.size() && e.held[j].current.begin < r.end) {
    if (r.end < e.held[j].current.end) {
      e.held[j].current.begin = r.end;  // trim the successor's front
      break;
    }
    e.held.erase(e.held.begin() + static_cast<std::ptrdiff_t>(j));  // wholly covered
  }
  e.held.insert(e.held.begin() + static_cast<std::ptrdiff_t>(idx),
                HeldFragment{r, Span{begin, r.end}, e.next_fragment_id++});
  write_part(e, f, Span{begin, r.end});
  return InsertOutcome::kAccepted;
}

// --- windows / solaris ------------------------------------------------------------
// Novak 2005 as DESIGN.md states it: existing data wins, except that every
// existing fragment the new one surrounds (the new one starts strictly before
// it and ends strictly after it, both as it arrived; solaris: or ends exactly
// where it ends) is discarded first; the new fragment then fills only the
// octets still empty. Ownership is kept per block.
bool surrounds(Span outer, Span inner, bool equal_end_counts) {
  if (outer.begin >= inner.begin) {
    return false;
  }
  return outer.end > inner.end || (equal_end_counts && outer.end == inner.end);
}

InsertOutcome insert_windows_like(DatagramEntry& e, const IncomingFragment& f,
                                  bool equal_end_counts) {
  const Span r = f.range;
  bool any_surrounded = false;
  for (const HeldFragment& h : e.held) {
    any_surrounded = any_surrounded || surrounds(r, h.arrived, equal_end_counts);
  }
  if (!any_surrounded && all_held(e, r)) {
    return InsertOutcome::kDuplicate;
  }
  grow_to(e, r.end);
  e.owner.resize(e.have.size(), kNoOwner);  // grows with the bit table, never shrinks
  for (std::size_t i = 0; i < e.held.size();) {
    const HeldFragment h = e.held[i];
    if (!surrounds(r, h.arrived, equal_end_counts)) {
      ++i;
      continue;
    }
    for (std::size_t k = first_block(h.arrived); k < end_block(h.arrived); ++k) {
      if (e.owner[k] == h.id) {
        e.owner[k] = kNoOwner;
        e.have.set(k, false);
      }
    }
    e.held.erase(e.held.begin() + static_cast<std::ptrdiff_t>(i));
  }
  const std::uint32_t id = e.next_fragment_id++;
  fill_empty_blocks(e, f, [&e, id](Span blocks) {
    std::fill(e.owner.begin() + static_cast<std::ptrdiff_t>(blocks.begin),
              e.owner.begin() + static_cast<std::ptrdiff_t>(blocks.end), id);
  });
  e.held.push_back(HeldFragment{r, r, id});
  return InsertOutcome::kAccepted;
}

}  // namespace

void reserve_bookkeeping(Policy policy, DatagramEntry& e) {
  constexpr std::size_t kFirstEntries = 8;
  if (policy == Policy::kLinux) {
    e.runs.reserve(kFirstEntries);
  } else if (policy != Policy::kFirst && policy != Policy::kLast) {
    e.held.reserve(kFirstEntries);
  }
}

bool intersects_held(const DatagramEntry& entry, Span range) {
  return entry.have.any(first_block(range), end_block(range));
}

bool complete(const DatagramEntry& entry) {
  return entry.total.has_value() && all_held(entry, Span{0, *entry.total});
}

InsertOutcome insert_fragment(Policy policy, DatagramEntry& entry, const IncomingFragment& f) {
  switch (policy) {
    case Policy::kLinux:
      return insert_linux(entry, f);
    case Policy::kReject:
      return insert_reject(entry, f);
    case Policy::kFirst:
      return insert_first(entry, f);
    case Policy::kLast:
      return insert_last(entry, f);
    case Policy::kBsd:
      return insert_bsd_like(entry, f, /*new_wins_ties=*/false);
    case Policy::kLinuxLegacy:
      return insert_bsd_like(entry, f, /*new_wins_ties=*/true);
    case Policy::kWindows:
      return insert_windows_like(entry, f, /*equal_end_counts=*/false);
    case Policy::kSolaris:
      return insert_windows_like(entry, f, /*equal_end_counts=*/true);
  }
  return InsertOutcome::kOverlap;  // unreachable: every policy is handled above
}

}  // namespace ip4ref::ref
