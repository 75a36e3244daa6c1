// models.h: small executable models of the reassembly rules, octet by octet.
//
// Written from DESIGN.md's policy table and from the order of rules that
// lib/src/ref/reassembly_store.h documents (and, for linux, the run model
// that lib/src/ref/overlap_policies.cpp documents), as independent code: no
// call into lib/src/ref, a different representation (an owner per octet
// instead of a bit per block, a set of trimmed pieces instead of a sorted
// list), so a mistake has to be made twice to go unnoticed.
//
// The model covers one datagram key pushed at one instant with the default
// (never reached) memory limits and no caps: steps 3-10 of the store's rule
// order. Time and memory have their own properties.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "generators.h"
#include "ip4ref/events.h"
#include "ip4ref/policy.h"
#include "ip4ref/reassembly_config.h"
#include "ip4ref/reassembly_stats.h"
#include "packets.h"

namespace ip4ref::props::model {

enum class Outcome { kAccepted, kDuplicate, kOverlap };

inline constexpr int kHole = -1;

// A fragment the datagram accepted.
struct Piece {
  std::size_t begin = 0;  // as it arrived
  std::size_t end = 0;
  std::size_t cur_begin = 0;  // bsd / linux-legacy: what is left after trimming
  std::size_t cur_end = 0;
  char fill = 0;
  bool alive = true;  // bsd / windows / solaris may remove it later
};

struct Run {
  std::size_t begin = 0;
  std::size_t end = 0;
};

// One datagram in progress.
struct Datagram {
  std::vector<int> owner;  // per octet: index into pieces, or kHole
  std::vector<Piece> pieces;
  std::vector<Run> runs;  // linux
  std::size_t tail = 0;   // linux: the run with the highest end
  std::optional<std::size_t> total;
  std::size_t max_end = 0;
  std::size_t charge = ReassemblyConfig::kDatagramCharge;
  std::uint32_t count = 0;
  // The first accepted offset-0 fragment as it arrived, and the octets of it
  // kept (linux rounds an MF fragment down).
  std::optional<FragSpec> header_fragment;
  std::size_t header_kept = 0;
  // linux's header bookkeeping over accepted fragments: the largest (header +
  // data kept), the largest with DF, the ECN codepoints seen (1 << ecn).
  std::size_t max_size = 0;
  std::size_t max_df_size = 0;
  unsigned ecn_seen = 0;

  void grow(std::size_t end) {
    if (owner.size() < end) {
      owner.resize(end, kHole);
    }
  }
  bool held(std::size_t i) const { return i < owner.size() && owner[i] != kHole; }
  bool any_held(std::size_t b, std::size_t e) const {
    for (std::size_t i = b; i < e; ++i) {
      if (held(i)) {
        return true;
      }
    }
    return false;
  }
  bool any_hole(std::size_t b, std::size_t e) const {
    for (std::size_t i = b; i < e; ++i) {
      if (!held(i)) {
        return true;
      }
    }
    return false;
  }
  int add_piece(std::size_t b, std::size_t e, char fill) {
    pieces.push_back(Piece{b, e, b, e, fill, true});
    return static_cast<int>(pieces.size() - 1);
  }
};

// ------------------------------------------------------------------ policies

// first: "every byte comes from the earliest fragment that carried it".
inline Outcome insert_first(Datagram& d, std::size_t b, std::size_t e, char fill) {
  if (!d.any_hole(b, e)) {
    return Outcome::kDuplicate;
  }
  const int id = d.add_piece(b, e, fill);
  d.grow(e);
  for (std::size_t i = b; i < e; ++i) {
    if (d.owner[i] == kHole) {
      d.owner[i] = id;
    }
  }
  return Outcome::kAccepted;
}

// last: "every byte comes from the latest fragment that carried it".
inline Outcome insert_last(Datagram& d, std::size_t b, std::size_t e, char fill) {
  const int id = d.add_piece(b, e, fill);
  d.grow(e);
  for (std::size_t i = b; i < e; ++i) {
    d.owner[i] = id;
  }
  return Outcome::kAccepted;
}

// reject (RFC 5722 + erratum 3089): no overlap at all, except an exact
// duplicate (same offset, length and octets), dropped alone; same offset and
// length with other octets discards.
inline Outcome insert_reject(Datagram& d, std::size_t b, std::size_t e, char fill) {
  if (d.any_held(b, e)) {
    for (const Piece& p : d.pieces) {
      if (p.begin == b && p.end == e) {
        return p.fill == fill ? Outcome::kDuplicate : Outcome::kOverlap;
      }
    }
    return Outcome::kOverlap;
  }
  return insert_last(d, b, e, fill);  // nothing held there: same as writing it
}

// linux, as overlap_policies.cpp documents the kernel's runs: a fragment that
// ends past the tail run extends it (starts at its end), starts a new tail
// run (leaves a gap) or overlaps (starts before its end); any other fragment
// is a duplicate inside one run, an overlap if it touches any run, else a run
// of its own.
inline Outcome insert_linux(Datagram& d, std::size_t b, std::size_t e, char fill) {
  if (d.runs.empty()) {
    d.runs.push_back(Run{b, e});
    d.tail = 0;
  } else if (e > d.runs[d.tail].end) {
    if (b < d.runs[d.tail].end) {
      return Outcome::kOverlap;
    }
    if (b == d.runs[d.tail].end) {
      d.runs[d.tail].end = e;
    } else {
      d.runs.push_back(Run{b, e});
      d.tail = d.runs.size() - 1;
    }
  } else {
    bool inside_one = false;
    bool touches = false;
    for (const Run& r : d.runs) {
      inside_one = inside_one || (r.begin <= b && e <= r.end);
      touches = touches || (b < r.end && r.begin < e);
    }
    if (inside_one) {
      return Outcome::kDuplicate;
    }
    if (touches) {
      return Outcome::kOverlap;
    }
    d.runs.push_back(Run{b, e});
  }
  return insert_last(d, b, e, fill);  // a run never overlaps held data
}

// bsd (FreeBSD ip_reass) and linux-legacy (Novak): the new fragment is
// front-trimmed by the piece at or before its offset (bsd) / strictly before
// it (linux-legacy), dropped when fully covered; then every piece after it
// that it reaches is trimmed at the front or, wholly covered, removed.
// Offsets compare as trimmed so far. The owners are rebuilt from the pieces.
inline Outcome insert_bsd_like(Datagram& d, std::size_t b, std::size_t e, char fill,
                               bool new_wins_ties) {
  auto before = [&](const Piece& p) { return new_wins_ties ? p.cur_begin < b : p.cur_begin <= b; };
  const Piece* pred = nullptr;
  for (const Piece& p : d.pieces) {
    if (p.alive && before(p) && (pred == nullptr || p.cur_begin > pred->cur_begin)) {
      pred = &p;
    }
  }
  std::size_t nb = b;
  if (pred != nullptr && pred->cur_end > b) {
    if (pred->cur_end >= e) {
      return Outcome::kDuplicate;
    }
    nb = pred->cur_end;
  }
  for (Piece& p : d.pieces) {
    if (!p.alive || before(p) || p.cur_begin >= e) {
      continue;
    }
    if (p.cur_end > e) {
      p.cur_begin = e;
    } else {
      p.alive = false;
    }
  }
  d.add_piece(b, e, fill);
  d.pieces.back().cur_begin = nb;
  d.grow(e);
  std::fill(d.owner.begin(), d.owner.end(), kHole);
  for (std::size_t k = 0; k < d.pieces.size(); ++k) {
    const Piece& p = d.pieces[k];
    for (std::size_t i = p.cur_begin; p.alive && i < p.cur_end; ++i) {
      d.owner[i] = static_cast<int>(k);
    }
  }
  return Outcome::kAccepted;
}

// windows: existing data wins, except that every piece the new fragment
// surrounds (starts strictly before it, ends strictly after it, both as it
// arrived) is discarded first; solaris: an equal end counts as surrounding.
// The new fragment then fills only the octets still empty.
inline Outcome insert_windows_like(Datagram& d, std::size_t b, std::size_t e, char fill,
                                   bool equal_end_counts) {
  auto surrounded = [&](const Piece& p) {
    return p.alive && b < p.begin && (e > p.end || (equal_end_counts && e == p.end));
  };
  bool any = false;
  for (const Piece& p : d.pieces) {
    any = any || surrounded(p);
  }
  if (!any && !d.any_hole(b, e)) {
    return Outcome::kDuplicate;
  }
  d.grow(e);
  for (std::size_t k = 0; k < d.pieces.size(); ++k) {
    if (surrounded(d.pieces[k])) {
      d.pieces[k].alive = false;
      for (int& o : d.owner) {
        o = o == static_cast<int>(k) ? kHole : o;
      }
    }
  }
  const int id = d.add_piece(b, e, fill);
  for (std::size_t i = b; i < e; ++i) {
    if (d.owner[i] == kHole) {
      d.owner[i] = id;
    }
  }
  return Outcome::kAccepted;
}

inline Outcome insert(Policy p, Datagram& d, std::size_t b, std::size_t e, char fill) {
  switch (p) {
    case Policy::kLinux:
      return insert_linux(d, b, e, fill);
    case Policy::kReject:
      return insert_reject(d, b, e, fill);
    case Policy::kFirst:
      return insert_first(d, b, e, fill);
    case Policy::kLast:
      return insert_last(d, b, e, fill);
    case Policy::kBsd:
      return insert_bsd_like(d, b, e, fill, false);
    case Policy::kLinuxLegacy:
      return insert_bsd_like(d, b, e, fill, true);
    case Policy::kWindows:
      return insert_windows_like(d, b, e, fill, false);
    case Policy::kSolaris:
      return insert_windows_like(d, b, e, fill, true);
  }
  return Outcome::kOverlap;
}

// ------------------------------------------------------------------ the store, one key

// The store's documented rule order (reassembly_store.h, steps 3-10) for one
// key at one instant, producing the events and the counters the engine must
// produce.
class Store {
 public:
  Store(Policy policy, std::uint16_t id) : policy_(policy), id_(id) {}

  std::vector<RecordedEvent> push(const FragSpec& f) {
    events_.clear();
    // 3. Not a fragment: delivered as it is.
    if (f.offset == 0 && !f.more) {
      ++stats_.passthrough;
      emit_delivered(build(f, id_), 1);
      return events_;
    }
    ++stats_.reasm_reqds;
    // 4. Geometry: linux rounds an MF fragment's end down, the others drop it.
    std::size_t length = f.length;
    if (f.more && length % 8 != 0) {
      if (policy_ != Policy::kLinux) {
        drop(Reason::kUnalignedFragment);
        return events_;
      }
      length -= length % 8;
    }
    const std::size_t b = f.offset;
    const std::size_t e = b + length;
    // 5. Ping of death (not under linux: the kernel queues such a fragment
    // and refuses the datagram at completion).
    if (policy_ != Policy::kLinux && e > kIpv4MaxDatagram - kIpv4MinHeader) {
      drop(Reason::kOversize);
      return events_;
    }
    // 6. Find or create.
    if (!dg_) {
      if (length == 0) {
        drop(Reason::kEmptyFragment);
        return events_;
      }
      dg_ = Datagram{};
      charge_ += ReassemblyConfig::kDatagramCharge;
      peak();
    }
    // 7. Lengths, the kernel's way, for every policy.
    if (!f.more) {
      if (e < dg_->max_end) {
        return discard(Reason::kPastEnd);
      }
      if (dg_->total && *dg_->total != e) {
        return discard(Reason::kConflictingEnd);
      }
      dg_->total = e;
      dg_->max_end = e;
    } else if (e > dg_->max_end) {
      if (dg_->total) {
        return discard(Reason::kPastEnd);
      }
      dg_->max_end = e;
    }
    // 8. Empty: linux discards the datagram, the others drop the fragment.
    if (length == 0) {
      if (policy_ == Policy::kLinux) {
        return discard(Reason::kEmptyFragment);
      }
      drop(Reason::kEmptyFragment);
      return events_;
    }
    // 9. The policy.
    const bool touched = dg_->any_held(b, e);
    const Outcome outcome = insert(policy_, *dg_, b, e, f.fill);
    if (outcome != Outcome::kDuplicate && touched) {
      ++stats_.reasm_overlaps;
    }
    if (outcome == Outcome::kOverlap) {
      return discard(Reason::kOverlap);
    }
    if (outcome == Outcome::kDuplicate) {
      drop(Reason::kDuplicate);
      if (policy_ == Policy::kLinux) {
        return events_;  // only an insertion completes a datagram under linux
      }
    } else {
      dg_->charge += length + ReassemblyConfig::kFragmentCharge;
      charge_ += length + ReassemblyConfig::kFragmentCharge;
      peak();
      ++dg_->count;
      const std::size_t size = kIpv4MinHeader + length;
      dg_->max_size = std::max(dg_->max_size, size);
      dg_->max_df_size = f.df ? std::max(dg_->max_df_size, size) : dg_->max_df_size;
      dg_->ecn_seen |= 1u << f.ecn;
      if (b == 0 && !dg_->header_fragment) {
        dg_->header_fragment = f;
        dg_->header_kept = length;
      }
    }
    // 10. Complete?
    if (dg_->total && !dg_->any_hole(0, *dg_->total)) {
      deliver();
    }
    return events_;
  }

  // What the engine's counters must read now.
  ReassemblyStats stats() const {
    ReassemblyStats s = stats_;
    s.charge = charge_;
    s.peak_charge = peak_;
    s.datagrams_in_progress = dg_ ? 1 : 0;
    return s;
  }

  // The octets held so far and who carried them (for invariant checks).
  const std::optional<Datagram>& datagram() const { return dg_; }

 private:
  void peak() { peak_ = std::max(peak_, charge_); }

  void drop(Reason r) {
    ++stats_.by_reason[static_cast<std::size_t>(r)];
    if (r != Reason::kDuplicate) {
      ++stats_.reasm_fails;
    }
    RecordedEvent ev;
    ev.kind = RecordedEvent::Kind::kDropped;
    ev.reason = r;
    events_.push_back(ev);
  }

  std::vector<RecordedEvent> discard(Reason r) {
    ++stats_.by_reason[static_cast<std::size_t>(r)];
    ++stats_.reasm_fails;
    RecordedEvent ev;
    ev.kind = RecordedEvent::Kind::kDiscarded;
    ev.key = key_of(id_);
    ev.reason = r;
    if (dg_->header_fragment) {
      // ICMP time exceeded quote: the offset-0 fragment's header as it
      // arrived + the first 8 octets it kept.
      ev.first_fragment_seen = true;
      Packet q = build(*dg_->header_fragment, id_);
      q.resize(kIpv4MinHeader + std::min<std::size_t>(dg_->header_kept, 8));
      ev.bytes = q;
    }
    end_datagram();
    events_.push_back(ev);
    return events_;
  }

  // RFC 3168 5.3 as the kernel applies it: Not-ECT (codepoint 0) mixed with
  // ECT(0), ECT(1) or CE cannot be reassembled; CE mixed with ECT gives CE.
  bool ecn_invalid() const { return (dg_->ecn_seen & 1u) != 0 && (dg_->ecn_seen & ~1u) != 0; }
  std::uint8_t ecn_or() const {
    const bool ce = (dg_->ecn_seen & (1u << 3)) != 0;
    const bool ect = (dg_->ecn_seen & ((1u << 1) | (1u << 2))) != 0;
    return ce && ect ? 3 : 0;
  }

  void deliver() {
    if (policy_ == Policy::kLinux && ecn_invalid()) {
      discard(Reason::kEcnMismatch);
      return;
    }
    if (kIpv4MinHeader + *dg_->total > kIpv4MaxDatagram) {
      discard(Reason::kOversize);
      return;
    }
    std::optional<LinuxHeaderRule> rule;
    if (policy_ == Policy::kLinux) {
      rule = LinuxHeaderRule{dg_->max_df_size == dg_->max_size, ecn_or()};
    }
    std::vector<std::uint8_t> data(*dg_->total);
    for (std::size_t i = 0; i < data.size(); ++i) {
      data[i] =
          static_cast<std::uint8_t>(dg_->pieces[static_cast<std::size_t>(dg_->owner[i])].fill);
    }
    const Packet first = build(*dg_->header_fragment, id_);
    const std::uint32_t count = dg_->count;
    ++stats_.reasm_oks;
    const Packet datagram = reassembled(first, data, false, rule);
    end_datagram();
    emit_delivered(datagram, count);
  }

  void emit_delivered(const Packet& bytes, std::uint32_t count) {
    RecordedEvent ev;
    ev.kind = RecordedEvent::Kind::kDelivered;
    ev.key = key_of(id_);
    ev.bytes = bytes;
    ev.fragment_count = count;
    events_.push_back(ev);
  }

  void end_datagram() {
    charge_ -= dg_->charge;
    dg_.reset();
  }

  Policy policy_;
  std::uint16_t id_;
  std::optional<Datagram> dg_;
  ReassemblyStats stats_;
  std::size_t charge_ = 0;
  std::size_t peak_ = 0;
  std::vector<RecordedEvent> events_;
};

}  // namespace ip4ref::props::model
