// reassembly_store.cpp: the reference reassembly store. The order of the
// rules is documented once, in reassembly_store.h.
#include "reassembly_store.h"

#include <algorithm>
#include <vector>

#include "ip4ref/checksum.h"
#include "ip4ref/ipv4_header.h"
#include "overlap_policies.h"
#include "wire/ecn_combination.h"

namespace ip4ref::ref {

// One fragment, parsed and measured.
struct ReassemblyStore::Fragment {
  FragmentKey key;
  Span range;       // data octets, after Linux's rounding where it applies
  bool more = false;
  Bytes header;     // this fragment's IP header, options included
  Bytes payload;    // exactly range.end - range.begin octets
  bool dont_fragment = false;
  std::uint8_t tos = 0;
};

namespace {

FragmentKey key_of(const Ipv4View& v) {
  return FragmentKey{v.source(), v.destination(), v.protocol(), v.identification()};
}

}  // namespace

ReassemblyStore::ReassemblyStore(const ReassemblyConfig& config) : config_(effective(config)) {}

bool ReassemblyStore::reset(const ReassemblyConfig& config) {
  config_ = effective(config);
  entries_.clear();
  by_key_.clear();
  stats_ = ReassemblyStats{};
  next_creation_ = 0;
  return true;
}

void ReassemblyStore::push(Bytes packet, Instant now, EventSink& sink) {
  expire(now, sink);
  auto view = Ipv4View::parse(packet);
  if (!view) {
    drop(view.error(), false, sink);
    return;
  }
  // RFC 791 3.2: "If the header checksum fails, the internet datagram is
  // discarded at once by the entity which detects the error."
  if (!view->checksum_ok()) {
    drop(Reason::kBadChecksum, false, sink);
    return;
  }
  if (!options_well_formed(view->options())) {
    drop(Reason::kBadOptions, false, sink);
    return;
  }
  if (!view->is_fragment()) {
    ++stats_.passthrough;
    sink.on_delivered(Delivered{key_of(*view), view->bytes(), 1});
    return;
  }
  ++stats_.reasm_reqds;
  Fragment f{key_of(*view), Span{view->fragment_offset(), 0}, view->more_fragments(),
             view->header(), view->payload(), view->dont_fragment(), view->tos()};
  std::size_t length = view->payload().size();
  if (f.more && length % kBlock != 0) {
    if (config_.policy != Policy::kLinux) {
      // RFC 791 3.2: every fragment but the last carries a multiple of 8 octets.
      drop(Reason::kUnalignedFragment, true, sink);
      return;
    }
    length -= length % kBlock;  // kernel ip_frag_queue: "end &= ~7"
  }
  f.range.end = f.range.begin + length;
  f.payload = f.payload.first(length);
  // A datagram longer than 65535 octets is never built (ping of death). The
  // kernel has no such per-fragment check for IPv4: under linux the fragment
  // is queued and poisons its datagram, refused at completion (step 10).
  if (config_.policy != Policy::kLinux &&
      f.range.end > kIpv4MaxDatagram - view->header_length()) {
    drop(Reason::kOversize, true, sink);
    return;
  }
  push_fragment(f, now, sink);
}

void ReassemblyStore::push_fragment(const Fragment& f, Instant now, EventSink& sink) {
  auto found = find_or_create(f, now, sink);
  if (!found) {
    return;
  }
  const EntryIt it = *found;
  if (!lengths_consistent(it, f, sink)) {
    return;
  }
  if (f.range.begin == f.range.end) {
    if (config_.policy == Policy::kLinux) {
      discard(it, Reason::kEmptyFragment, sink);
    } else {
      drop(Reason::kEmptyFragment, true, sink);
    }
    return;
  }
  if (config_.max_fragments_per_datagram != 0 &&
      it->fragments >= config_.max_fragments_per_datagram) {
    discard(it, Reason::kTooManyFragments, sink);
    return;
  }
  store(it, f, sink);
}

auto ReassemblyStore::find_or_create(const Fragment& f, Instant now, EventSink& sink)
    -> std::optional<EntryIt> {
  const std::size_t data_charge = f.payload.size() + ReassemblyConfig::kFragmentCharge;
  if (auto hit = by_key_.find(f.key); hit != by_key_.end()) {
    if (!admit(&*hit->second, data_charge, sink)) {
      drop(Reason::kMemoryLimit, true, sink);
      return std::nullopt;
    }
    return hit->second;
  }
  if (f.payload.empty()) {
    drop(Reason::kEmptyFragment, true, sink);
    return std::nullopt;
  }
  if (config_.max_datagrams != 0 && entries_.size() >= config_.max_datagrams) {
    drop(Reason::kTooManyDatagrams, true, sink);
    return std::nullopt;
  }
  if (!admit(nullptr, data_charge + ReassemblyConfig::kDatagramCharge, sink)) {
    drop(Reason::kMemoryLimit, true, sink);
    return std::nullopt;
  }
  DatagramEntry& e = entries_.emplace_back();
  e.key = f.key;
  e.creation = next_creation_++;
  e.deadline = now + config_.timeout;  // DESIGN.md: never refreshed
  e.charge = ReassemblyConfig::kDatagramCharge;
  reserve_bookkeeping(config_.policy, e);
  stats_.charge += e.charge;
  stats_.peak_charge = std::max(stats_.peak_charge, stats_.charge);
  stats_.datagrams_in_progress = entries_.size();
  const EntryIt it = std::prev(entries_.end());
  by_key_.emplace(f.key, it);
  return it;
}

// Linux ip_frag_queue: "If we already have some bits beyond end or have
// different end, the segment is corrupted." and "Some bits beyond end ->
// corruption."
bool ReassemblyStore::lengths_consistent(EntryIt it, const Fragment& f, EventSink& sink) {
  DatagramEntry& e = *it;
  const std::size_t end = f.range.end;
  if (!f.more) {
    if (end < e.max_end) {
      discard(it, Reason::kPastEnd, sink);
      return false;
    }
    if (e.total.has_value() && *e.total != end) {
      discard(it, Reason::kConflictingEnd, sink);
      return false;
    }
    e.total = end;
    e.max_end = end;
    return true;
  }
  if (end > e.max_end) {
    if (e.total.has_value()) {
      discard(it, Reason::kPastEnd, sink);
      return false;
    }
    e.max_end = end;
  }
  return true;
}

bool ReassemblyStore::admit(const DatagramEntry* target, std::size_t needed, EventSink& sink) {
  if (stats_.charge + needed <= config_.high_threshold) {
    return true;
  }
  // Even with every other datagram gone, could we get down to `low`?
  const std::size_t floor = (target != nullptr ? target->charge : 0) + needed;
  if (floor > config_.low_threshold) {
    return false;
  }
  for (EntryIt it = entries_.begin();
       it != entries_.end() && stats_.charge + needed > config_.low_threshold;) {
    const EntryIt next = std::next(it);
    if (&*it != target) {
      discard(it, Reason::kEvicted, sink);
    }
    it = next;
  }
  return true;
}

void ReassemblyStore::store(EntryIt it, const Fragment& f, EventSink& sink) {
  DatagramEntry& e = *it;
  const bool touched = intersects_held(e, f.range);
  const InsertOutcome outcome =
      insert_fragment(config_.policy, e, IncomingFragment{f.range, f.payload});
  if (outcome != InsertOutcome::kDuplicate && touched) {
    ++stats_.reasm_overlaps;
  }
  if (outcome == InsertOutcome::kOverlap) {
    discard(it, Reason::kOverlap, sink);
    return;
  }
  if (outcome == InsertOutcome::kDuplicate) {
    drop(Reason::kDuplicate, true, sink);
    if (config_.policy == Policy::kLinux) {
      return;  // the kernel only checks for completion after an insertion
    }
  } else {
    const std::size_t octets = f.payload.size() + ReassemblyConfig::kFragmentCharge;
    e.charge += octets;
    stats_.charge += octets;
    stats_.peak_charge = std::max(stats_.peak_charge, stats_.charge);
    ++e.fragments;
    note_linux_header_state(e, f);
    if (f.range.begin == 0 && e.header.empty()) {
      e.header.assign(f.header.begin(), f.header.end());
      const Bytes first8 = f.payload.first(std::min<std::size_t>(8, f.payload.size()));
      e.quote.reserve(e.header.size() + first8.size());
      e.quote.assign(e.header.begin(), e.header.end());
      e.quote.insert(e.quote.end(), first8.begin(), first8.end());
    }
  }
  if (complete(e)) {
    deliver(it, sink);
  }
}

// Kernel ip_frag_queue, after a successful insertion: "fragsize = skb->len +
// ihl", the largest fragment and the largest with DF, and "qp->ecn |= ecn"
// where ip4_frag_ecn(tos) = 1 << (tos & INET_ECN_MASK).
void ReassemblyStore::note_linux_header_state(DatagramEntry& e, const Fragment& f) {
  const std::size_t size = f.header.size() + f.payload.size();
  e.max_size = std::max(e.max_size, size);
  if (f.dont_fragment) {
    e.max_df_size = std::max(e.max_df_size, size);
  }
  e.ecn_bits = static_cast<std::uint8_t>(e.ecn_bits | ecn_bit(f.tos));
}

void ReassemblyStore::deliver(EntryIt it, EventSink& sink) {
  DatagramEntry& e = *it;
  const bool linux_rules = config_.policy == Policy::kLinux;
  const std::uint8_t ecn = linux_rules ? ecn_for(e.ecn_bits) : 0;
  if (ecn == kEcnInvalid) {
    discard(it, Reason::kEcnMismatch, sink);  // kernel ip_frag_reasm: "goto out_fail"
    return;
  }
  // The size is judged with the offset-0 header as it arrived (kernel
  // ip_frag_reasm: "len = ip_hdrlen(skb) + qp->q.len"), before strip_options.
  if (e.header.size() + *e.total > kIpv4MaxDatagram) {
    discard(it, Reason::kOversize, sink);  // kernel ip_frag_reasm: "Oversized IP packet"
    return;
  }
  std::vector<std::uint8_t> datagram;
  datagram.reserve(e.header.size() + *e.total);  // room for the data appended below
  datagram.assign(e.header.begin(), e.header.end());
  if (config_.strip_options) {
    datagram.resize(kIpv4MinHeader);
    datagram[0] = 0x45;  // version 4, IHL 5
  }
  const std::size_t total = datagram.size() + *e.total;
  const MutableBytes h{datagram};
  std::uint16_t flags = load_be16(h, ipv4_field::kFlagsFragment) & (kFlagDf | kFlagReserved);
  if (linux_rules) {
    // Kernel: "if (qp->max_df_size == qp->q.max_size) iph->frag_off =
    // htons(IP_DF); else iph->frag_off = 0;" and "iph->tos |= ecn".
    flags = e.max_df_size == e.max_size ? kFlagDf : 0;
    h[ipv4_field::kTos] = static_cast<std::uint8_t>(h[ipv4_field::kTos] | ecn);
  }
  store_be16(h, ipv4_field::kFlagsFragment, flags);  // MF and offset cleared
  store_be16(h, ipv4_field::kTotalLength, static_cast<std::uint16_t>(total));
  store_be16(h, ipv4_field::kChecksum, 0);
  store_be16(h, ipv4_field::kChecksum, internet_checksum(h));
  datagram.insert(datagram.end(), e.data.begin(),
                  e.data.begin() + static_cast<std::ptrdiff_t>(*e.total));
  ++stats_.reasm_oks;
  const Delivered event{e.key, datagram, e.fragments};
  remove(it);
  sink.on_delivered(event);
}

void ReassemblyStore::expire(Instant now, EventSink& sink) {
  std::vector<EntryIt> due;
  for (EntryIt it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->deadline <= now) {
      due.push_back(it);
    }
  }
  std::sort(due.begin(), due.end(), [](EntryIt a, EntryIt b) {
    return a->deadline != b->deadline ? a->deadline < b->deadline : a->creation < b->creation;
  });
  for (EntryIt it : due) {
    discard(it, Reason::kTimeout, sink);
  }
}

std::optional<Instant> ReassemblyStore::next_expiry() const {
  std::optional<Instant> earliest;
  for (const DatagramEntry& e : entries_) {
    if (!earliest || e.deadline < *earliest) {
      earliest = e.deadline;
    }
  }
  return earliest;
}

void ReassemblyStore::drop(Reason reason, bool is_fragment, EventSink& sink) {
  ++stats_.by_reason[static_cast<std::size_t>(reason)];
  if (is_fragment && reason != Reason::kDuplicate) {
    ++stats_.reasm_fails;
  }
  sink.on_dropped(Dropped{reason});
}

void ReassemblyStore::discard(EntryIt it, Reason reason, EventSink& sink) {
  ++stats_.by_reason[static_cast<std::size_t>(reason)];
  ++stats_.reasm_fails;
  if (reason == Reason::kTimeout) {
    ++stats_.reasm_timeout;
  }
  const std::vector<std::uint8_t> quote = std::move(it->quote);
  const Discarded event{it->key, reason, !it->header.empty(), quote};
  remove(it);
  sink.on_discarded(event);
}

void ReassemblyStore::remove(EntryIt it) {
  stats_.charge -= it->charge;
  by_key_.erase(it->key);
  entries_.erase(it);
  stats_.datagrams_in_progress = entries_.size();
}

}  // namespace ip4ref::ref
