// oracle_kernel_model.cpp: a simulation of the kernel's IPv4 reassembly.
#include "oracle_kernel_model.h"

#include <map>
#include <optional>

#include "ip4ref/checksum.h"
#include "ip4ref/ipv4_header.h"
#include "ip4ref/reassembly_engine.h"

namespace ip4ref::oracle {
namespace {

// net/ipv4/inet_fragment.c ip_frag_ecn_table, by the bits of ip4_frag_ecn:
// NOT_ECT 0x01, ECT_1 0x02, ECT_0 0x04, CE 0x08. 0xff: drop the datagram.
std::uint8_t ecn_table(std::uint8_t bits) {
  constexpr std::uint8_t kNotEct = 0x01, kEct1 = 0x02, kEct0 = 0x04, kCe = 0x08;
  if ((bits & kNotEct) != 0 && (bits & (kEct1 | kEct0 | kCe)) != 0) {
    return 0xff;  // "invalid combinations : drop frame"
  }
  if ((bits & kCe) != 0 && (bits & (kEct1 | kEct0)) != 0) {
    return 0x03;  // INET_ECN_CE
  }
  return 0;
}

void fix_checksum(std::vector<std::uint8_t>& b) {
  const std::size_t hl = std::size_t{b[0] & 0x0fu} * 4;
  const MutableBytes h{b.data(), hl};
  store_be16(h, ipv4_field::kChecksum, 0);
  store_be16(h, ipv4_field::kChecksum, internet_checksum(h));
}

// Record Route and Timestamp bodies (pointer, flags, slots) and the header
// checksum are taken from the kernel's delivery: the stamped address and
// time of day are the kernel's to choose.
void copy_stamps(std::vector<std::uint8_t>& b, const RecordedEvent* kernel) {
  if (kernel == nullptr || kernel->bytes.size() != b.size()) {
    return;
  }
  const std::size_t hl = std::size_t{b[0] & 0x0fu} * 4;
  bool stamped = false;
  for (std::size_t i = kIpv4MinHeader; i < hl;) {
    const std::uint8_t type = b[i];
    if (type == 0) {
      break;
    }
    if (type == 1 || i + 1 >= hl || b[i + 1] < 2) {
      ++i;
      continue;
    }
    const std::size_t len = std::min<std::size_t>(b[i + 1], hl - i);
    if (type == 7 || type == 68) {
      std::copy(kernel->bytes.begin() + static_cast<std::ptrdiff_t>(i + 2),
                kernel->bytes.begin() + static_cast<std::ptrdiff_t>(i + len),
                b.begin() + static_cast<std::ptrdiff_t>(i + 2));
      stamped = true;
    }
    i += len;
  }
  if (stamped) {
    b[ipv4_field::kChecksum] = kernel->bytes[ipv4_field::kChecksum];
    b[ipv4_field::kChecksum + 1] = kernel->bytes[ipv4_field::kChecksum + 1];
  }
}

bool rejects_option(const std::uint8_t* o, std::size_t len, bool& rr, bool& ts) {
  switch (o[0]) {
    case 131:  // LSRR
    case 137:  // SSRR: dropped while accept_source_route is 0
    case 134:  // CIPSO: no DOI configured, cipso_v4_validate fails
      return true;
    case 7: {  // RR
      const bool bad = len < 3 || o[2] < 4 || (o[2] <= len && o[2] + 3u > len) || rr;
      rr = true;
      return bad;
    }
    case 68: {  // TS
      if (len < 4 || o[2] < 5 || ts) {
        return true;
      }
      ts = true;
      const unsigned flag = o[3] & 0x0fu;
      if (o[2] > len) {
        return flag != 3 && (o[3] >> 4) == 15;  // overflow counter full
      }
      if (o[2] + 3u > len) {
        return true;
      }
      // TSANDADDR / PRESPEC need 8 octets; an undefined flag is an error
      // only "if (!skb && ...)": never for a received packet.
      return (flag == 1 || flag == 3) && o[2] + 7u > len;
    }
    case 148:  // Router Alert
      return len < 4;
    default:
      return false;
  }
}

}  // namespace

std::string quirk_name(std::uint32_t q) {
  switch (q) {
    case kDfLargestFragment:
      return "df-largest-fragment";
    case kReservedFlagCleared:
      return "reserved-flag-cleared";
    case kEcnCombination:
      return "ecn-combination";
    case kOptionsRejected:
      return "options-rejected";
    case kOptionsStamped:
      return "options-stamped";
    case kMaxDistReinit:
      return "max-dist-reinit";
    case kRefBugOversizeQueued:
      return "ref-bug-oversize-fragment-queued";
    default:
      return "unknown-quirk";
  }
}

std::string quirk_set_name(std::uint32_t quirks) {
  std::string out;
  for (std::uint32_t bit = 1; bit <= kAllQuirks; bit <<= 1) {
    if ((quirks & bit) != 0) {
      // Two appends, not `"+" + name`: g++ 12 -O3 warns -Wrestrict (a false
      // positive, GCC bug 105329) on the temporary, and warnings are errors.
      if (!out.empty()) {
        out += '+';
      }
      out += quirk_name(bit);
    }
  }
  return out.empty() ? "none" : out;
}

bool kernel_rejects_options(std::span<const std::uint8_t> packet) {
  auto view = Ipv4View::parse(packet);
  if (!view) {
    return false;
  }
  const Bytes area = view->options();
  bool rr = false, ts = false;
  for (std::size_t i = 0; i < area.size();) {
    if (area[i] == 0) {
      return false;  // EOL
    }
    if (area[i] == 1) {
      ++i;
      continue;
    }
    if (area.size() - i < 2 || area[i + 1] < 2 || area[i + 1] > area.size() - i) {
      return true;  // the reference rejects these too
    }
    if (rejects_option(area.data() + i, area[i + 1], rr, ts)) {
      return true;
    }
    i += area[i + 1];
  }
  return false;
}

namespace {

struct Span {
  std::size_t begin = 0;
  std::size_t end = 0;
};

// struct ipq / inet_frag_queue, the fields reassembly uses.
struct Queue {
  bool first_in = false;   // INET_FRAG_FIRST_IN
  bool last_in = false;    // INET_FRAG_LAST_IN
  std::size_t len = 0;     // q.len: the end, known or highest so far
  std::size_t meat = 0;    // q.meat: octets queued
  std::vector<Span> runs;  // the rb tree's run heads, as [begin, end)
  std::size_t tail = 0;    // the last run (q.last_run_head)
  std::vector<std::uint8_t> data;
  Packet head;                  // header of the offset-0 fragment
  std::size_t max_size = 0;     // q.max_size
  std::size_t max_df_size = 0;  // qp->max_df_size
  std::uint8_t ecn = 0;         // qp->ecn
  std::uint64_t rid = 0;        // qp->rid
};

enum class Insert { kOk, kDuplicate, kOverlap };

// inet_frag_queue_insert(): append to / start after the tail run, or search
// the runs: wholly inside one -> IPFRAG_DUP, touching one -> IPFRAG_OVERLAP.
Insert insert_run(Queue& q, Span f) {
  if (q.runs.empty()) {
    q.runs.push_back(f);
    q.tail = 0;
    return Insert::kOk;
  }
  Span& last = q.runs[q.tail];
  if (last.end < f.end) {  // "the common case: skb goes to the end"
    if (f.begin < last.end) {
      return Insert::kOverlap;
    }
    if (f.begin == last.end) {
      last.end = f.end;  // fragrun_append_to_last
    } else {
      q.runs.push_back(f);  // fragrun_create
      q.tail = q.runs.size() - 1;
    }
    return Insert::kOk;
  }
  for (const Span& run : q.runs) {
    if (f.end <= run.begin || f.begin >= run.end) {
      continue;
    }
    return f.begin >= run.begin && f.end <= run.end ? Insert::kDuplicate : Insert::kOverlap;
  }
  q.runs.push_back(f);  // a run of its own, before the tail
  return Insert::kOk;
}

class KernelSimulator {
 public:
  KernelSimulator(std::uint32_t quirks, bool strip_options, long max_dist)
      : quirks_(quirks), strip_options_(strip_options), max_dist_(max_dist) {}

  // ip_rcv -> ip_local_deliver -> ip_defrag for one packet; appends what a
  // raw socket would receive to `out`.
  void receive(const Packet& p, std::vector<Packet>& out);

 private:
  bool on(Quirk q) const { return (quirks_ & q) != 0; }
  void fragment(const Ipv4View& v, std::vector<Packet>& out);
  bool too_far(Queue& q, std::uint32_t source);
  bool lengths(Queue& q, std::size_t end, bool more);
  void accept(Queue& q, const Ipv4View& v, Span f);
  bool reassemble(const Queue& q, Packet& datagram) const;

  std::uint32_t quirks_;
  bool strip_options_;
  long max_dist_;
  std::map<FragmentKey, Queue> queues_;
  std::map<std::uint32_t, std::uint64_t> peer_rid_;  // inet_peer->rid by source
};

void KernelSimulator::receive(const Packet& p, std::vector<Packet>& out) {
  // ip_rcv_core: version, IHL, checksum, total length (as Ipv4View + checksum).
  auto v = Ipv4View::parse(p);
  if (!v || !v->checksum_ok()) {
    return;
  }
  // ip_rcv_options; the reference only checks that options parse.
  const bool rejected =
      on(kOptionsRejected) ? kernel_rejects_options(p) : !parse_options(v->options());
  if (rejected) {
    return;
  }
  if (!v->is_fragment()) {
    out.emplace_back(v->bytes().begin(), v->bytes().end());
    return;
  }
  fragment(*v, out);
}

// ip_frag_too_far / ip_frag_reinit. True when the queue was emptied.
bool KernelSimulator::too_far(Queue& q, std::uint32_t source) {
  const std::uint64_t end = ++peer_rid_[source];
  const std::uint64_t start = q.rid;
  q.rid = end;
  if (!on(kMaxDistReinit) || max_dist_ <= 0 || q.runs.empty() ||
      end - start <= static_cast<std::uint64_t>(max_dist_)) {
    return false;
  }
  // ip_frag_reinit: flags, len, meat, fragments, ecn reset; max_size and
  // max_df_size are not.
  Queue fresh;
  fresh.max_size = q.max_size;
  fresh.max_df_size = q.max_df_size;
  fresh.rid = q.rid;
  q = fresh;
  return true;
}

// ip_frag_queue's end checks. False: discard_qp.
bool KernelSimulator::lengths(Queue& q, std::size_t end, bool more) {
  if (!more) {
    // "If we already have some bits beyond end or have different end, the
    // segment is corrupted."
    if (end < q.len || (q.last_in && end != q.len)) {
      return false;
    }
    q.last_in = true;
    q.len = end;
    return true;
  }
  if (end > q.len) {
    if (q.last_in) {
      return false;  // "Some bits beyond end -> corruption."
    }
    q.len = end;
  }
  return true;
}

void KernelSimulator::accept(Queue& q, const Ipv4View& v, Span f) {
  q.meat += f.end - f.begin;
  q.ecn = static_cast<std::uint8_t>(q.ecn | (1u << (v.tos() & 0x03)));  // ip4_frag_ecn
  if (f.begin == 0) {
    q.first_in = true;
    q.head.assign(v.header().begin(), v.header().end());
  }
  const std::size_t fragsize = (f.end - f.begin) + v.header_length();
  q.max_size = std::max(q.max_size, fragsize);
  if (v.dont_fragment()) {
    q.max_df_size = std::max(q.max_df_size, fragsize);
  }
  if (q.data.size() < f.end) {
    q.data.resize(f.end, 0);
  }
  std::copy(v.payload().begin(), v.payload().begin() + static_cast<std::ptrdiff_t>(f.end - f.begin),
            q.data.begin() + static_cast<std::ptrdiff_t>(f.begin));
}

void KernelSimulator::fragment(const Ipv4View& v, std::vector<Packet>& out) {
  const std::size_t offset = v.fragment_offset();
  std::size_t end = offset + v.payload().size();
  if (v.more_fragments()) {
    end &= ~std::size_t{7};  // "end &= ~7"
  }
  if (!on(kRefBugOversizeQueued) && end > kIpv4MaxDatagram - v.header_length()) {
    return;  // the reference: Dropped{kOversize}, before any queue is looked up
  }
  const FragmentKey key{v.source(), v.destination(), v.protocol(), v.identification()};
  Queue& q = queues_[key];  // ip_find: found or created
  too_far(q, key.source);
  // "if (end == offset) goto discard_qp" comes after the end checks.
  if (!lengths(q, end, v.more_fragments()) || end == offset) {
    queues_.erase(key);
    return;
  }
  const Span f{offset, end};
  const Insert r = insert_run(q, f);
  if (r == Insert::kOverlap) {
    queues_.erase(key);
    return;
  }
  if (r == Insert::kDuplicate) {
    return;  // skb dropped, the queue (and its updated end) kept
  }
  accept(q, v, f);
  if (q.first_in && q.last_in && q.meat == q.len) {
    Packet datagram;
    const bool ok = reassemble(q, datagram);
    queues_.erase(key);  // inet_frag_kill
    if (ok) {
      out.push_back(std::move(datagram));
    }
  }
}

// ip_frag_reasm. False: no datagram ("Oversized IP packet", ECN drop).
bool KernelSimulator::reassemble(const Queue& q, Packet& d) const {
  if (q.head.size() + q.len > kIpv4MaxDatagram) {
    return false;
  }
  d = q.head;
  if (strip_options_) {
    d.resize(kIpv4MinHeader);
    d[0] = 0x45;
  }
  d.insert(d.end(), q.data.begin(), q.data.begin() + static_cast<std::ptrdiff_t>(q.len));
  if (on(kEcnCombination)) {
    const std::uint8_t ecn = ecn_table(q.ecn);
    if (ecn == 0xff) {
      return false;
    }
    d[ipv4_field::kTos] = static_cast<std::uint8_t>(d[ipv4_field::kTos] | ecn);
  }
  const std::uint16_t head = load_be16(d, ipv4_field::kFlagsFragment);
  bool df = (head & kFlagDf) != 0;
  if (on(kDfLargestFragment)) {
    df = q.max_df_size == q.max_size;
  }
  const bool reserved = !on(kReservedFlagCleared) && (head & kFlagReserved) != 0;
  store_be16(d, ipv4_field::kFlagsFragment,
             static_cast<std::uint16_t>((df ? kFlagDf : 0) | (reserved ? kFlagReserved : 0)));
  store_be16(d, ipv4_field::kTotalLength, static_cast<std::uint16_t>(d.size()));
  fix_checksum(d);
  return true;
}

}  // namespace

std::vector<RecordedEvent> predict(const std::vector<Packet>& packets, std::uint32_t quirks,
                                   const ReassemblyConfig& config,
                                   const std::vector<RecordedEvent>& kernel, long max_dist) {
  quirks |= kModelledByReference;  // the reference's linux policy has these now
  KernelSimulator sim(quirks, config.strip_options, max_dist);
  std::vector<Packet> delivered;
  for (const Packet& p : packets) {
    sim.receive(p, delivered);
  }
  std::vector<RecordedEvent> out;
  std::vector<bool> used(kernel.size(), false);
  for (Packet& d : delivered) {
    RecordedEvent e;
    e.kind = RecordedEvent::Kind::kDelivered;
    e.key = FragmentKey{load_be32(d, ipv4_field::kSource), load_be32(d, ipv4_field::kDestination),
                        d[ipv4_field::kProtocol], load_be16(d, ipv4_field::kIdentification)};
    if ((quirks & kOptionsStamped) != 0) {
      // The kernel's delivery of the same datagram: same key and length.
      for (std::size_t k = 0; k < kernel.size(); ++k) {
        if (!used[k] && kernel[k].key == e.key && kernel[k].bytes.size() == d.size()) {
          used[k] = true;
          copy_stamps(d, &kernel[k]);
          break;
        }
      }
    }
    e.bytes = std::move(d);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace ip4ref::oracle
