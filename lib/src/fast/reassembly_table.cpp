// reassembly_table.cpp: the fast reassembly engine. The rules and their
// order are the reference's (lib/src/ref/reassembly_store.h); each step below
// names the rule it implements.
#include "reassembly_table.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <cstring>
#include <utility>

#include "block_bitmap.h"
#include "checksum_kernel.h"
#include "insert_rules.h"
#include "ip4ref/ipv4_header.h"
#include "wire/ecn_combination.h"

namespace ip4ref::fast {

// Built field by field in push(), every field before its first use: no
// default member initialisers, so a packet does not pay for zeroing a
// Fragment it then overwrites (about 10 instructions of ~800 per packet).
struct ReassemblyTable::Fragment {
  FragmentKey key;
  std::uint32_t begin;  // data octets, after Linux's rounding where it applies
  std::uint32_t end;
  bool more;
  const std::uint8_t* header;  // this fragment's IP header, options included
  std::uint32_t header_length;
  const std::uint8_t* payload;  // end - begin octets
  bool dont_fragment;
  std::uint8_t tos;
};

namespace {

std::uint16_t be16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

constexpr std::array<std::size_t, BufferPool::kClasses> class_bytes(bool ownership) {
  return {BufferLayout::make(ReassemblyTable::kSmallCapacity, ownership).bytes,
          BufferLayout::make(ReassemblyTable::kLargeCapacity, ownership).bytes,
          BufferLayout::make(ReassemblyTable::kHugeCapacity, ownership).bytes};
}


bool needs_ownership(Policy p) {
  return p == Policy::kWindows || p == Policy::kSolaris;
}

// Rule 2, in the reference's order: Ipv4View::parse's checks, then the
// header checksum, then the options. kCount when the packet is well formed;
// `header_length` and `total_length` are set from the first two checks on.
Reason check_packet(Bytes packet, std::size_t& header_length, std::size_t& total_length) {
  const std::uint8_t* p = packet.data();
  if (packet.size() < kIpv4MinHeader) {
    return Reason::kTruncated;
  }
  if ((p[0] >> 4) != 4) {
    return Reason::kBadVersion;
  }
  header_length = std::size_t{p[0] & 0x0fu} * 4;
  if (header_length < kIpv4MinHeader) {
    return Reason::kBadHeaderLength;
  }
  if (packet.size() < header_length) {
    return Reason::kTruncated;
  }
  total_length = be16(p + ipv4_field::kTotalLength);
  if (total_length < header_length || total_length > packet.size()) {
    return Reason::kBadTotalLength;
  }
  // RFC 791 3.2: "If the header checksum fails, the internet datagram is
  // discarded at once by the entity which detects the error."
  // (A header without options, the common case, is summed with a length
  // the compiler knows: unrolled, no loop.)
  const bool verifies = header_length == kIpv4MinHeader ? header_verifies(p, kIpv4MinHeader)
                                                       : header_verifies(p, header_length);
  if (!verifies) {
    return Reason::kBadChecksum;
  }
  if (header_length > kIpv4MinHeader &&
      !options_well_formed(Bytes{p + kIpv4MinHeader, header_length - kIpv4MinHeader})) {
    return Reason::kBadOptions;
  }
  return Reason::kCount;
}

}  // namespace

ReassemblyTable::ReassemblyTable(const ReassemblyConfig& config)
    : config_(effective(config)),
      layouts_{BufferLayout::make(kSmallCapacity, needs_ownership(config.policy)),
               BufferLayout::make(kLargeCapacity, needs_ownership(config.policy)),
               BufferLayout::make(kHugeCapacity, needs_ownership(config.policy))},
      pool_(class_bytes(needs_ownership(config.policy))) {}

ReassemblyTable::~ReassemblyTable() {
  remove_all();
}

void ReassemblyTable::remove_all() {
  while (arena_.size() != 0) {
    const std::uint32_t index = arena_.oldest();
    const std::uint8_t buffer_class = arena_[index].buffer_class;
    pool_.release(buffer_class, remove(index));
  }
}

bool ReassemblyTable::reset(const ReassemblyConfig& config) {
  if (needs_ownership(config.policy) != needs_ownership(config_.policy)) {
    return false;  // layouts_ and pool_ were sized for the other kind
  }
  remove_all();
  stats_ = ReassemblyStats{};
  next_creation_ = 0;
  config_ = effective(config);
  return true;
}

// Rules 1-5 (reassembly_store.h): expire, parse, pass through, geometry, size.
void ReassemblyTable::push(Bytes packet, Instant now, EventSink& sink) {
  const std::uint32_t first_due = deadlines_.earliest(arena_);
  if (first_due != kNil && arena_[first_due].deadline <= now) {
    expire(now, sink);
  }
  std::size_t header_length = 0;
  std::size_t total_length = 0;
  const Reason bad = check_packet(packet, header_length, total_length);
  if (bad != Reason::kCount) {
    drop(bad, false, sink);
    return;
  }
  const std::uint8_t* p = packet.data();
  Fragment f;
  f.key = FragmentKey{be32(p + ipv4_field::kSource), be32(p + ipv4_field::kDestination),
                      p[ipv4_field::kProtocol], be16(p + ipv4_field::kIdentification)};
  const std::uint16_t flags = be16(p + ipv4_field::kFlagsFragment);
  f.more = (flags & kFlagMf) != 0;
  f.dont_fragment = (flags & kFlagDf) != 0;
  f.tos = p[ipv4_field::kTos];
  f.begin = static_cast<std::uint32_t>(flags & kFragmentOffsetMask) * 8;
  // Rule 3: not a fragment.
  if (!f.more && f.begin == 0) {
    ++stats_.passthrough;
    sink.on_delivered(Delivered{f.key, packet.first(total_length), 1});
    return;
  }
  ++stats_.reasm_reqds;
  // Rule 4: geometry.
  auto length = static_cast<std::uint32_t>(total_length - header_length);
  if (f.more && length % 8 != 0) {
    if (config_.policy != Policy::kLinux) {
      drop(Reason::kUnalignedFragment, true, sink);  // RFC 791: multiples of 8
      return;
    }
    length -= length % 8;  // kernel ip_frag_queue: "end &= ~7"
  }
  f.end = f.begin + length;
  f.header = p;
  f.header_length = static_cast<std::uint32_t>(header_length);
  f.payload = p + header_length;
  // Rule 5: a datagram longer than 65535 octets is never built. Not under
  // linux: the kernel queues such a fragment; its datagram is refused at
  // completion (rule 10).
  if (config_.policy != Policy::kLinux && f.end > kIpv4MaxDatagram - header_length) {
    drop(Reason::kOversize, true, sink);
    return;
  }
  push_fragment(f, now, sink);
}

// Rules 6-9.
void ReassemblyTable::push_fragment(const Fragment& f, Instant now, EventSink& sink) {
  const std::uint32_t index = find_or_create(f, now, sink);
  if (index == kNil) {
    return;
  }
  if (!lengths_consistent(index, f, sink)) {
    return;
  }
  if (f.begin == f.end) {
    if (config_.policy == Policy::kLinux) {
      discard(index, Reason::kEmptyFragment, sink);
    } else {
      drop(Reason::kEmptyFragment, true, sink);
    }
    return;
  }
  if (config_.max_fragments_per_datagram != 0 &&
      arena_[index].fragments >= config_.max_fragments_per_datagram) {
    discard(index, Reason::kTooManyFragments, sink);
    return;
  }
  store(index, f, sink);
}

// Rule 6.
std::uint32_t ReassemblyTable::find_or_create(const Fragment& f, Instant now, EventSink& sink) {
  const std::size_t data_charge = (f.end - f.begin) + ReassemblyConfig::kFragmentCharge;
  const std::uint32_t found = flows_.find(f.key);
  if (found != FlowTable::kNone) {
    if (!admit(found, data_charge, sink)) {
      drop(Reason::kMemoryLimit, true, sink);
      return kNil;
    }
    return found;
  }
  if (f.begin == f.end) {
    drop(Reason::kEmptyFragment, true, sink);
    return kNil;
  }
  if (config_.max_datagrams != 0 && arena_.size() >= config_.max_datagrams) {
    drop(Reason::kTooManyDatagrams, true, sink);
    return kNil;
  }
  if (!admit(kNil, data_charge + ReassemblyConfig::kDatagramCharge, sink)) {
    drop(Reason::kMemoryLimit, true, sink);
    return kNil;
  }
  const std::uint32_t index = arena_.create();
  Datagram& d = arena_[index];
  d.key = f.key;
  d.creation = next_creation_++;
  d.deadline = now + config_.timeout;  // DESIGN.md: never refreshed
  d.heap_pos = kNil;
  d.charge = ReassemblyConfig::kDatagramCharge;
  d.fragments = 0;
  d.max_end = 0;
  d.total = kUnknownTotal;
  d.held_blocks = 0;
  d.tail_end = 0;
  d.record_top = 0;
  d.record_free = kNoRecord;
  d.header_length = 0;
  d.quote_data_length = 0;
  d.max_size = 0;
  d.max_df_size = 0;
  d.ecn_bits = 0;
  d.buffer_class = class_for(f.end);
  d.buffer = pool_.acquire(d.buffer_class);
  const BufferLayout& l = layout(d);
  std::memset(d.buffer + l.have, 0, 2 * l.words * sizeof(std::uint64_t));  // have + aux
  stats_.charge += d.charge;
  stats_.peak_charge = std::max(stats_.peak_charge, stats_.charge);
  stats_.datagrams_in_progress = arena_.size();
  deadlines_.on_create(arena_, index);
  flows_.insert(f.key, index);
  return index;
}

// Rule 7. Linux ip_frag_queue: "If we already have some bits beyond end or
// have different end, the segment is corrupted." and "Some bits beyond end ->
// corruption."
bool ReassemblyTable::lengths_consistent(std::uint32_t index, const Fragment& f, EventSink& sink) {
  Datagram& d = arena_[index];
  const std::uint32_t end = f.end;
  if (!f.more) {
    if (end < d.max_end) {
      discard(index, Reason::kPastEnd, sink);
      return false;
    }
    if (d.total != kUnknownTotal && d.total != end) {
      discard(index, Reason::kConflictingEnd, sink);
      return false;
    }
    d.total = end;
    d.max_end = end;
    return true;
  }
  if (end > d.max_end) {
    if (d.total != kUnknownTotal) {
      discard(index, Reason::kPastEnd, sink);
      return false;
    }
    d.max_end = end;
  }
  return true;
}

// Rule 6's memory admission: evict oldest first (not the target) down to low.
bool ReassemblyTable::admit(std::uint32_t target, std::size_t needed, EventSink& sink) {
  if (stats_.charge + needed <= config_.high_threshold) {
    return true;
  }
  const std::size_t floor = (target != kNil ? arena_[target].charge : 0) + needed;
  if (floor > config_.low_threshold) {
    return false;
  }
  for (std::uint32_t i = arena_.oldest();
       i != kNil && stats_.charge + needed > config_.low_threshold;) {
    const std::uint32_t next = arena_[i].newer;
    if (i != target) {
      discard(i, Reason::kEvicted, sink);
    }
    i = next;
  }
  return true;
}

// The smallest buffer class whose capacity covers `end`.
std::uint8_t ReassemblyTable::class_for(std::uint32_t end) const {
  if (end <= kSmallCapacity) {
    return 0;
  }
  return end <= kLargeCapacity ? 1 : 2;
}

// Moves a datagram into a buffer that covers `end`: the large class (the
// huge one only when `end` needs it), so a growing datagram moves once.
void ReassemblyTable::grow_buffer(Datagram& d, std::uint32_t end) {
  const std::uint8_t target = std::max<std::uint8_t>(class_for(end), 1);
  const BufferLayout& from = layouts_[d.buffer_class];
  const BufferLayout& to = layouts_[target];
  std::uint8_t* old = d.buffer;
  std::uint8_t* fresh = pool_.acquire(target);
  // The kept header (in the headroom) and the data.
  std::memcpy(fresh, old, kHeadroom + from.capacity);
  const std::size_t old_table = from.words * sizeof(std::uint64_t);
  const std::size_t new_table = to.words * sizeof(std::uint64_t);
  for (const auto& [src, dst] : {std::pair{from.have, to.have}, std::pair{from.aux, to.aux}}) {
    std::memcpy(fresh + dst, old + src, old_table);
    std::memset(fresh + dst + old_table, 0, new_table - old_table);
  }
  if (needs_ownership(config_.policy)) {
    const std::size_t per_block = from.blocks * sizeof(std::uint16_t);
    std::memcpy(fresh + to.owner, old + from.owner, per_block);
    std::memcpy(fresh + to.min_end, old + from.min_end, per_block);
    std::memcpy(fresh + to.head, old + from.head, per_block);
    std::memcpy(fresh + to.records, old + from.records, d.record_top * sizeof(HeldRecord));
  }
  pool_.release(d.buffer_class, old);
  d.buffer = fresh;
  d.buffer_class = target;
}

// Rules 9-10.
void ReassemblyTable::store(std::uint32_t index, const Fragment& f, EventSink& sink) {
  Datagram& d = arena_[index];
  if (f.end > layout(d).capacity) {
    grow_buffer(d, f.end);
  }
  const BufferView v = view(d);
  const bool touched = any_set(v.have, first_block(f.begin), end_block(f.end));
  const Outcome outcome =
      insert_fragment(config_.policy, d, v, Incoming{f.begin, f.end, f.payload}, touched);
  if (outcome != Outcome::kDuplicate && touched) {
    ++stats_.reasm_overlaps;
  }
  if (outcome == Outcome::kOverlap) {
    discard(index, Reason::kOverlap, sink);
    return;
  }
  if (outcome == Outcome::kDuplicate) {
    drop(Reason::kDuplicate, true, sink);
    if (config_.policy == Policy::kLinux) {
      return;  // the kernel only checks for completion after an insertion
    }
  } else {
    const std::size_t octets = (f.end - f.begin) + ReassemblyConfig::kFragmentCharge;
    d.charge += octets;
    stats_.charge += octets;
    stats_.peak_charge = std::max(stats_.peak_charge, stats_.charge);
    ++d.fragments;
    // Kernel ip_frag_queue, after an insertion: "fragsize = skb->len + ihl",
    // the largest and the largest with DF; "qp->ecn |= ecn".
    const std::uint32_t size = f.header_length + (f.end - f.begin);
    d.max_size = std::max(d.max_size, size);
    if (f.dont_fragment) {
      d.max_df_size = std::max(d.max_df_size, size);
    }
    d.ecn_bits = static_cast<std::uint8_t>(d.ecn_bits | ecn_bit(f.tos));
    if (f.begin == 0 && d.header_length == 0) {
      d.header_length = static_cast<std::uint8_t>(f.header_length);
      d.quote_data_length = static_cast<std::uint8_t>(std::min<std::size_t>(kQuoteData, f.end));
      // The usual sizes (a 20-octet header, 8 quoted octets) as copies of a
      // known length: a few moves instead of two calls to memcpy.
      if (f.header_length == kIpv4MinHeader) {
        std::memcpy(v.data - kIpv4MinHeader, f.header, kIpv4MinHeader);
      } else {
        std::memcpy(v.data - f.header_length, f.header, f.header_length);
      }
      if (d.quote_data_length == kQuoteData) {
        std::memcpy(d.quote_data.data(), f.payload, kQuoteData);
      } else {
        std::memcpy(d.quote_data.data(), f.payload, d.quote_data_length);
      }
    }
  }
  // Complete: the end is known and every block up to it is held (nothing
  // is ever held past max_end, which equals the known end).
  if (d.total != kUnknownTotal && d.held_blocks == end_block(d.total)) {
    deliver(index, sink);
  }
}

// Rule 10: linux's ECN rule, the size rule, then the offset-0 header with MF
// and offset cleared, total length and checksum set (linux: DF from the
// largest fragment, reserved flag cleared, CE or-ed into the TOS), written
// into the headroom right before the data.
//
// The checksum is not recomputed by reading the header back (narrow stores
// read back wide stall store forwarding): the kept header verified (its
// words sum to 0xffff), so RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'), over the
// words that change gives exactly what recomputation gives (both fold a
// non-zero sum to the one representative in [1, 0xffff]).
void ReassemblyTable::deliver(std::uint32_t index, EventSink& sink) {
  Datagram& d = arena_[index];
  assert(d.header_length != 0);  // block 0 is held only after an offset-0 fragment
  const bool linux_rules = config_.policy == Policy::kLinux;
  const std::uint8_t ecn = linux_rules ? ecn_for(d.ecn_bits) : 0;
  if (ecn == kEcnInvalid) {
    discard(index, Reason::kEcnMismatch, sink);  // kernel ip_frag_reasm: "goto out_fail"
    return;
  }
  // Judged with the offset-0 header as it arrived, before strip_options
  // (kernel ip_frag_reasm: "len = ip_hdrlen(skb) + qp->q.len").
  if (std::size_t{d.header_length} + d.total > kIpv4MaxDatagram) {
    discard(index, Reason::kOversize, sink);  // kernel ip_frag_reasm: "Oversized IP packet"
    return;
  }
  const std::size_t header_length = config_.strip_options ? kIpv4MinHeader : d.header_length;
  const std::size_t total = header_length + d.total;
  std::uint8_t* kept = d.buffer + kHeadroom - d.header_length;
  std::uint8_t* h = d.buffer + kHeadroom - header_length;
  const std::uint16_t old_first = be16(kept);
  const std::uint16_t old_length = be16(kept + ipv4_field::kTotalLength);
  const std::uint16_t old_flags = be16(kept + ipv4_field::kFlagsFragment);
  const std::uint16_t old_checksum = be16(kept + ipv4_field::kChecksum);
  const auto new_length = static_cast<std::uint16_t>(total);
  std::uint16_t new_flags = old_flags & (kFlagDf | kFlagReserved);
  if (linux_rules) {
    // Kernel: "if (qp->max_df_size == qp->q.max_size) iph->frag_off =
    // htons(IP_DF); else iph->frag_off = 0;" and "iph->tos |= ecn".
    new_flags = d.max_df_size == d.max_size ? kFlagDf : 0;
  }
  const std::uint16_t version_ihl = config_.strip_options ? 0x4500 : (old_first & 0xff00);
  const auto new_first = static_cast<std::uint16_t>(version_ihl | (old_first & 0x00ff) | ecn);
  std::uint64_t sum = std::uint64_t{static_cast<std::uint16_t>(~old_checksum)} +
                      static_cast<std::uint16_t>(~old_length) + new_length +
                      static_cast<std::uint16_t>(~old_flags) + new_flags +
                      static_cast<std::uint16_t>(~old_first) + new_first;
  if (config_.strip_options) {
    // The options leave the sum; the fixed part moves up against the data.
    if (d.header_length > kIpv4MinHeader) {
      sum += static_cast<std::uint16_t>(
          ~header_sum16(kept + kIpv4MinHeader, d.header_length - kIpv4MinHeader));
    }
    std::uint8_t fixed[kIpv4MinHeader];
    std::memcpy(fixed, kept, kIpv4MinHeader);
    std::memcpy(h, fixed, kIpv4MinHeader);
  }
  const auto checksum = static_cast<std::uint16_t>(~fold16(sum));
  const MutableBytes hb{h, header_length};
  store_be16(hb, 0, new_first);
  store_be16(hb, ipv4_field::kTotalLength, new_length);
  store_be16(hb, ipv4_field::kFlagsFragment, new_flags);
  store_be16(hb, ipv4_field::kChecksum, checksum);
  ++stats_.reasm_oks;
  const Delivered event{d.key, Bytes{h, total}, d.fragments};
  const std::uint8_t buffer_class = d.buffer_class;
  std::uint8_t* buffer = remove(index);
  sink.on_delivered(event);  // the buffer is still ours until released
  pool_.release(buffer_class, buffer);
}

void ReassemblyTable::expire(Instant now, EventSink& sink) {
  for (std::uint32_t i = deadlines_.earliest(arena_); i != kNil && arena_[i].deadline <= now;
       i = deadlines_.earliest(arena_)) {
    discard(i, Reason::kTimeout, sink);
  }
}

std::optional<Instant> ReassemblyTable::next_expiry() const {
  const std::uint32_t i = deadlines_.earliest(arena_);
  if (i == kNil) {
    return std::nullopt;
  }
  return arena_[i].deadline;
}

void ReassemblyTable::drop(Reason reason, bool is_fragment, EventSink& sink) {
  ++stats_.by_reason[static_cast<std::size_t>(reason)];
  if (is_fragment && reason != Reason::kDuplicate) {
    ++stats_.reasm_fails;
  }
  sink.on_dropped(Dropped{reason});
}

void ReassemblyTable::discard(std::uint32_t index, Reason reason, EventSink& sink) {
  ++stats_.by_reason[static_cast<std::size_t>(reason)];
  ++stats_.reasm_fails;
  if (reason == Reason::kTimeout) {
    ++stats_.reasm_timeout;
  }
  const Datagram& d = arena_[index];
  std::array<std::uint8_t, 60 + kQuoteData> quote;
  std::size_t quote_length = 0;
  if (d.header_length != 0) {
    std::memcpy(quote.data(), d.buffer + kHeadroom - d.header_length, d.header_length);
    std::memcpy(quote.data() + d.header_length, d.quote_data.data(), d.quote_data_length);
    quote_length = std::size_t{d.header_length} + d.quote_data_length;
  }
  const Discarded event{d.key, reason, d.header_length != 0, Bytes{quote.data(), quote_length}};
  const std::uint8_t buffer_class = d.buffer_class;
  pool_.release(buffer_class, remove(index));
  sink.on_discarded(event);
}

std::uint8_t* ReassemblyTable::remove(std::uint32_t index) {
  Datagram& d = arena_[index];
  std::uint8_t* buffer = d.buffer;
  stats_.charge -= d.charge;
  flows_.erase(d.key);
  deadlines_.on_remove(arena_, index);
  arena_.destroy(index);
  stats_.datagrams_in_progress = arena_.size();
  return buffer;
}

}  // namespace ip4ref::fast
