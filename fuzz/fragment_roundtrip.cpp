// fragment_roundtrip: a datagram, an MTU, options, an order and duplications
// from the input (roundtrip_input.h). The reference fragmenter must keep
// RFC 791 3.2 and its documented error order; the fast fragmenter, when it
// exists, must produce the same octets; and reassembling the pieces, in that
// order with those duplicates, under every policy (ref and the candidate in
// lockstep, with every Lockstep invariant) must give back the original
// datagram under the header rule (strip_options: IHL 5, fresh checksum).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include "fuzz_support.h"
#include "ip4ref/fragmenter.h"
#include "ip4ref/ipv4_header.h"
#include "roundtrip_input.h"
#include "trace.h"
#if defined(IP4REF_HAVE_FAST_FRAGMENTER)
#include "ip4ref/fast_fragmenter.h"
#endif

namespace ip4ref::fuzz {
namespace {

using Packet = std::vector<std::uint8_t>;

constexpr std::size_t kMaxPieces = 128;
constexpr std::size_t kMaxSubPieces = 16;
// Refragmenting keeps the packets sent to about this many: bsd, linux-legacy,
// windows and solaris cost O(fragments held) per fragment, so an exec grows
// with the square of the packets, 16 times over (8 policies, 2 engines).
constexpr std::size_t kRefragmentBudget = 256;

void compare_fast(const Packet& datagram, std::size_t mtu, const FragmentResult& ref,
                  const FragmenterStats& ref_stats) {
#if defined(IP4REF_HAVE_FAST_FRAGMENTER)
  FragmenterStats fast_stats;
  const FragmentResult fast = ip4ref::fast::fragment(datagram, mtu, &fast_stats);
  if (fast.error != ref.error || fast.fragments != ref.fragments ||
      fast.icmp.next_hop_mtu != ref.icmp.next_hop_mtu || fast.icmp.quote != ref.icmp.quote ||
      !(fast_stats == ref_stats)) {
    report("ref-fast-fragmenter-difference",
           "mtu " + std::to_string(mtu) + " datagram " + std::to_string(datagram.size()) +
               " octets: ref error " + std::string(to_string(ref.error)) + " pieces " +
               std::to_string(ref.fragments.size()) + ", fast error " +
               std::string(to_string(fast.error)) + " pieces " +
               std::to_string(fast.fragments.size()));
  }
#else
  (void)datagram, (void)mtu, (void)ref, (void)ref_stats;
#endif
}

// fragmenter.h: the errors, in the order they are checked.
void check_error(const RoundtripInput& in, const Packet& datagram, const FragmentResult& r) {
  Reason expected = Reason::kCount;
  if (in.mtu < kIpv4MinMtu) {
    expected = Reason::kMtuTooSmall;
  } else if (in.options == trace::OptionsVariant::kMalformed) {
    expected = Reason::kBadOptions;
  } else if (datagram.size() > in.mtu && in.dont_fragment) {
    expected = Reason::kFragmentationNeeded;
  }
  if (r.error != expected) {
    report("fragmenter-wrong-error", "expected " + std::string(to_string(expected)) + ", got " +
                                         std::string(to_string(r.error)));
  }
  if (expected == Reason::kFragmentationNeeded) {
    const std::size_t quoted =
        trace::header_length(in.options) + std::min<std::size_t>(8, in.length);
    if (r.icmp.next_hop_mtu != in.mtu ||
        r.icmp.quote !=
            Packet(datagram.begin(), datagram.begin() + static_cast<std::ptrdiff_t>(quoted))) {
      report("fragmenter-wrong-icmp");
    }
  }
}

// The options of a packet, without EOL (whether the list ends in EOL is a
// matter of padding, which emit() adds as needed).
std::vector<Ipv4Option> options_of(const Packet& p) {
  const auto view = Ipv4View::parse(p);
  const auto header = Ipv4Header::parse(*view);
  std::vector<Ipv4Option> out;
  std::copy_if(header->options.begin(), header->options.end(), std::back_inserter(out),
               [](const Ipv4Option& o) { return o.type != Ipv4Option::kEndOfList; });
  return out;
}

// RFC 791 3.2 on each piece of `original` fragmented to `mtu`.
void check_pieces(const Packet& original, std::size_t mtu, const std::vector<Packet>& pieces) {
  const auto orig = Ipv4View::parse(original);
  const std::vector<Ipv4Option> all = options_of(original);
  std::vector<Ipv4Option> copied;
  std::copy_if(all.begin(), all.end(), std::back_inserter(copied),
               [](const Ipv4Option& o) { return o.copied(); });
  std::size_t next = orig->fragment_offset();
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    const auto v = Ipv4View::parse(pieces[i]);
    if (!v || !v->checksum_ok() || pieces[i].size() > mtu ||
        v->total_length() != pieces[i].size()) {
      report("fragmenter-bad-piece-header", "piece " + std::to_string(i));
    }
    const bool last = i + 1 == pieces.size();
    if (v->fragment_offset() != next || v->identification() != orig->identification() ||
        v->source() != orig->source() || v->destination() != orig->destination() ||
        v->protocol() != orig->protocol() || v->dont_fragment() != orig->dont_fragment()) {
      report("fragmenter-bad-piece-fields", "piece " + std::to_string(i));
    }
    if (v->more_fragments() != (last ? orig->more_fragments() : true)) {
      report("fragmenter-bad-piece-mf", "piece " + std::to_string(i));
    }
    // Step (3): every piece but the last carries floor((MTU - header) / 8) * 8 octets.
    if (!last && v->payload().size() != (mtu - v->header_length()) / 8 * 8) {
      report("fragmenter-piece-not-full", "piece " + std::to_string(i));
    }
    if (options_of(pieces[i]) != (i == 0 ? all : copied)) {
      report("fragmenter-bad-piece-options", "piece " + std::to_string(i));
    }
    next += v->payload().size();
  }
  if (next != orig->fragment_offset() + orig->payload().size()) {
    report("fragmenter-pieces-do-not-cover-payload");
  }
}

// `mtu`, raised if needed so that a packet of `header` + `payload` octets
// makes at most `max_pieces` pieces (each exec stays cheap: the unit tests
// already reassemble 65535 octets at MTU 68). MTUs below 68 are kept: they
// test the error.
std::size_t capped_mtu(std::size_t mtu, std::size_t header, std::size_t payload,
                       std::size_t max_pieces) {
  if (mtu < kIpv4MinMtu || mtu <= header || (mtu - header) / 8 * 8 * max_pieces >= payload) {
    return mtu;
  }
  const std::size_t per_piece = (payload + max_pieces * 8 - 1) / (max_pieces * 8) * 8;
  return header + per_piece;
}

// Every other piece (the odd ones) fragmented again to `mtu`, at most 16
// sub-pieces each, fewer (down to 2) when there are many pieces
// (kRefragmentBudget).
std::vector<Packet> refragment(const std::vector<Packet>& pieces, std::size_t refragment_mtu) {
  const std::size_t max_sub_pieces =
      std::clamp<std::size_t>(kRefragmentBudget / pieces.size(), 2, kMaxSubPieces);
  std::vector<Packet> out;
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    if (i % 2 == 0 && pieces.size() > 1) {
      out.push_back(pieces[i]);
      continue;
    }
    const auto v = Ipv4View::parse(pieces[i]);
    const std::size_t mtu =
        capped_mtu(refragment_mtu, v->header_length(), v->payload().size(), max_sub_pieces);
    const FragmentResult r = fragment(pieces[i], mtu);
    if (!r.ok()) {
      report("fragmenter-refragment-failed", std::string(to_string(r.error)));
    }
    if (r.fragments.size() > 1) {
      check_pieces(pieces[i], mtu, r.fragments);
    }
    out.insert(out.end(), r.fragments.begin(), r.fragments.end());
  }
  return out;
}

std::vector<Packet> arrange(std::vector<Packet> pieces, const RoundtripInput& in) {
  std::mt19937 rng(in.order_seed);
  if (in.order == 1) {
    std::reverse(pieces.begin(), pieces.end());
  } else if (in.order == 2) {
    std::shuffle(pieces.begin(), pieces.end(), rng);
  } else if (in.order == 3) {
    std::vector<Packet> odd_first;
    for (const std::size_t parity : {std::size_t{1}, std::size_t{0}}) {
      for (std::size_t i = parity; i < pieces.size(); i += 2) {
        odd_first.push_back(std::move(pieces[i]));
      }
    }
    pieces = std::move(odd_first);
  }
  for (std::size_t d = 0; d < in.duplicates && !pieces.empty(); ++d) {
    const Packet copy = pieces[rng() % pieces.size()];
    pieces.insert(pieces.begin() + static_cast<std::ptrdiff_t>(rng() % (pieces.size() + 1)), copy);
  }
  return pieces;
}

// The reassembled datagram the header rule promises (reassembly_store.h step
// 10): the original's header and data; with strip_options without its options
// (IHL 5); under linux without the reserved flag (kernel ip_frag_reasm). Every
// piece carries the original's DF and TOS, so DF and ECN stay as they were.
Packet expected_datagram(const Packet& original, bool strip, Policy policy) {
  const auto view = Ipv4View::parse(original);
  Ipv4Header h = *Ipv4Header::parse(*view);
  if (strip) {
    h.options.clear();
  }
  if (policy == Policy::kLinux) {
    h.reserved_flag = false;
  }
  const std::size_t header = *h.size();
  h.total_length = static_cast<std::uint16_t>(header + view->payload().size());
  Packet out(header);
  (void)h.emit(out);
  out.insert(out.end(), view->payload().begin(), view->payload().end());
  return out;
}

void reassemble_everywhere(const Packet& original, const std::vector<Packet>& sent, bool strip) {
  trace::Trace t;
  t.config.strip_options = strip;
  for (const Packet& p : sent) {
    t.records.push_back(trace::RawPacket{p});
  }
  // Unfragmented: every packet sent is the original, passed straight through.
  const bool passthrough = !fragment_key(sent[0]).has_value();
  for (Policy policy : kAllPolicies) {
    const Packet want = passthrough ? original : expected_datagram(original, strip, policy);
    t.config.policy = policy;
    Lockstep lockstep(t, true);
    lockstep.run();
    std::size_t delivered = 0;
    for (const RecordedEvent& e : lockstep.ref_events()) {
      const bool dup = e.kind == RecordedEvent::Kind::kDropped && e.reason == Reason::kDuplicate;
      const bool good = e.kind == RecordedEvent::Kind::kDelivered && e.bytes == want;
      if (!dup && !good) {
        report("roundtrip-" + std::string(to_string(policy)) + "-wrong-" +
                   std::string(kind_name(e.kind)),
               to_string(e));
      }
      delivered += good ? 1 : 0;
    }
    if (delivered == 0) {
      report("roundtrip-" + std::string(to_string(policy)) + "-not-delivered");
    }
  }
}

}  // namespace
}  // namespace ip4ref::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ip4ref;
  using namespace ip4ref::fuzz;
  RoundtripInput in = decode_roundtrip({data, size});
  in.mtu = static_cast<std::uint16_t>(
      capped_mtu(in.mtu, trace::header_length(in.options), in.length, kMaxPieces));
  const Packet datagram = roundtrip_datagram(in);
  FragmenterStats stats;
  const FragmentResult r = fragment(datagram, in.mtu, &stats);
  compare_fast(datagram, in.mtu, r, stats);
  check_error(in, datagram, r);
  if (!r.ok()) {
    return 0;
  }
  if (r.fragments.size() > 1) {
    check_pieces(datagram, in.mtu, r.fragments);
  } else if (r.fragments[0] != datagram) {
    report("fragmenter-changed-a-packet-that-fits");
  }
  std::vector<Packet> pieces = r.fragments;
  if (in.refragment_mtu >= kIpv4MinMtu && !in.dont_fragment) {
    pieces = refragment(pieces, in.refragment_mtu);
  }
  reassemble_everywhere(datagram, arrange(std::move(pieces), in), in.strip_options);
  return 0;
}
