// identity_props.cpp: fragmenting a datagram and reassembling the fragments
// gives the datagram back, for any datagram, MTU, order, exact duplicates and
// policy; and the fragmenter keeps RFC 791's laws on the way.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "generators.h"
#include "ip4ref/fragmenter.h"
#include "ip4ref/ipv4_header.h"
#include "packets.h"

namespace ip4ref::props {
namespace {

const Instant kT0 = Instant::from_ns(1'000'000'000);

// "off 0 len 48 MF hl 32, off 48 len 12 -- hl 24" (the first and last few of a
// long train).
std::string describe_fragments(const std::vector<Packet>& fragments) {
  std::string out;
  for (std::size_t i = 0; i < fragments.size(); ++i) {
    if (fragments.size() > 24 && i == 12) {
      out += ", ... " + std::to_string(fragments.size() - 24) + " more";
      i = fragments.size() - 12;
    }
    const auto v = Ipv4View::parse(fragments[i]);
    if (!v) {
      out += ", <unparsable>";
      continue;
    }
    out += (i == 0 ? "" : ", ") + std::string("off ") + std::to_string(v->fragment_offset()) +
           " len " + std::to_string(v->payload().size()) + (v->more_fragments() ? " MF" : " --") +
           " hl " + std::to_string(v->header_length());
  }
  return out;
}

std::vector<Ipv4Option> without_trailing_eol(std::vector<Ipv4Option> options) {
  while (!options.empty() && options.back().type == Ipv4Option::kEndOfList) {
    options.pop_back();
  }
  return options;
}

// RFC 791 3.2 and DESIGN.md "Fragmenter": what fragment(input, mtu) must
// return for a well-formed input without DF.
void check_rfc791_laws(const Packet& input, std::size_t mtu, const std::vector<Packet>& out) {
  const Ipv4View in = *Ipv4View::parse(input);
  const Ipv4Header in_h = *Ipv4Header::parse(in);
  RC_ASSERT(!out.empty());
  if (in.total_length() <= mtu) {
    RC_ASSERT(out.size() == 1u);
    RC_ASSERT(out[0] == input);
    return;
  }
  std::vector<Ipv4Option> copied;
  for (const Ipv4Option& o : in_h.options) {
    if (o.copied()) {
      copied.push_back(o);
    }
  }
  std::size_t next = in.fragment_offset();
  for (std::size_t i = 0; i < out.size(); ++i) {
    const bool last = i + 1 == out.size();
    const auto v = Ipv4View::parse(out[i]);
    RC_ASSERT(v.has_value());
    RC_ASSERT(v->checksum_ok());
    RC_ASSERT(out[i].size() == v->total_length());
    RC_ASSERT(out[i].size() <= mtu);
    const Ipv4Header h = *Ipv4Header::parse(*v);
    // Offsets continue where the previous piece ended, relative to the
    // original datagram; pieces tile the input's data exactly.
    RC_ASSERT(h.fragment_offset == next);
    RC_ASSERT(next - in.fragment_offset() + v->payload().size() <= in.payload().size());
    RC_ASSERT(std::equal(
        v->payload().begin(), v->payload().end(),
        in.payload().begin() + static_cast<std::ptrdiff_t>(next - in.fragment_offset())));
    next += v->payload().size();
    // MF on every piece but the last, which keeps the input's MF.
    RC_ASSERT(h.more_fragments == (last ? in_h.more_fragments : true));
    // Payload per piece = floor((MTU - header) / 8) * 8, except the last.
    if (!last) {
      RC_ASSERT(v->payload().size() == (mtu - v->header_length()) / 8 * 8);
    }
    // All options in the first piece; only the copied ones in the others.
    if (i == 0) {
      RC_ASSERT(h.options == in_h.options);
    } else {
      RC_ASSERT(without_trailing_eol(h.options) == without_trailing_eol(copied));
    }
    // Every other field is the input's.
    RC_ASSERT(h.tos == in_h.tos);
    RC_ASSERT(h.identification == in_h.identification);
    RC_ASSERT(h.ttl == in_h.ttl);
    RC_ASSERT(h.protocol == in_h.protocol);
    RC_ASSERT(h.source == in_h.source);
    RC_ASSERT(h.destination == in_h.destination);
    RC_ASSERT(h.reserved_flag == in_h.reserved_flag);
    RC_ASSERT(h.dont_fragment == in_h.dont_fragment);
  }
  RC_ASSERT(next == in.fragment_offset() + in.payload().size());
}

std::vector<Packet> fragment_checked(const Packet& input, std::size_t mtu) {
  const FragmentResult r = fragment(input, mtu);
  RC_ASSERT(r.ok());
  check_rfc791_laws(input, mtu, r.fragments);
  return r.fragments;
}

RC_GTEST_PROP(Fragmenter, FragmentsKeepRfc791LawsAndRefragmentingKeepsOffsets, ()) {
  const std::size_t mtu = *gen_mtu().as("mtu");
  const DatagramSpec d = *gen_datagram(mtu).as("datagram");
  const std::size_t mtu2 = *rc::gen::inRange<std::size_t>(68, mtu + 1).as("smaller mtu");
  const Packet original = d.bytes();
  for (const Packet& piece : fragment_checked(original, mtu)) {
    fragment_checked(piece, mtu2);
  }
}

// The datagram the engine must deliver: the header rule applied to the
// offset-0 fragment's header is the original header (the fragmenter copies
// every field and option into it), so it is the original datagram, with
// options stripped when the config says so. Under linux the kernel's rule
// clears the reserved flag (no fragment has DF; all have the same TOS).
Packet expected_datagram(const Packet& original, bool strip_options, Policy policy) {
  const Ipv4View v = *Ipv4View::parse(original);
  std::optional<LinuxHeaderRule> rule;
  if (policy == Policy::kLinux) {
    rule = LinuxHeaderRule{false, 0};
  }
  return reassembled(original, v.payload(), strip_options, rule);
}

// Exact duplicates are dropped (Dropped{kDuplicate}) except where the rule
// keeps the newcomer: `last` (every octet from the latest fragment) and
// `linux-legacy` (a new fragment at an equal offset wins) accept them.
bool accepts_exact_duplicates(Policy p) {
  return p == Policy::kLast || p == Policy::kLinuxLegacy;
}

// Fragment at `mtu`; then, maybe, re-fragment some of the pieces at a
// smaller MTU (a router further on): offsets stay relative to the original.
std::vector<Packet> generate_pieces(const Packet& original, std::size_t mtu) {
  std::vector<Packet> pieces = fragment_checked(original, mtu);
  if (!*rc::gen::weightedElement<bool>({{3, false}, {1, true}}).as("refragment")) {
    return pieces;
  }
  const std::size_t mtu2 = *rc::gen::inRange<std::size_t>(68, mtu + 1).as("smaller mtu");
  const std::uint64_t which = *rc::gen::arbitrary<std::uint64_t>().as("refragmented pieces (bits)");
  std::vector<Packet> smaller;
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    if (((which >> (i % 64)) & 1) == 0) {
      smaller.push_back(pieces[i]);
      continue;
    }
    for (Packet& p : fragment_checked(pieces[i], mtu2)) {
      smaller.push_back(std::move(p));
    }
  }
  return smaller;
}

// Every piece once, some twice (exact duplicates), in a generated order: the
// piece numbers in arrival order.
std::vector<std::size_t> generate_arrival(std::size_t pieces) {
  const std::vector<std::size_t> dups = *gen_duplicates(pieces).as("sent twice");
  const Order order = *gen_order().as("order");
  std::vector<std::size_t> items(pieces);
  for (std::size_t i = 0; i < items.size(); ++i) {
    items[i] = i;
  }
  items.insert(items.end(), dups.begin(), dups.end());
  std::vector<std::size_t> arrival;
  for (std::size_t k : order.indices(items.size())) {
    arrival.push_back(items[k]);
  }
  return arrival;
}

// What each push of a non-overlapping train must give: nothing while pieces
// are missing, Delivered when the last missing one arrives (then a later copy
// starts a new datagram, reassembly_store.h), Dropped{duplicate} for a piece
// already held (except under last and linux-legacy, which accept it).
class TrainModel {
 public:
  TrainModel(Policy policy, std::size_t pieces, RecordedEvent delivered)
      : policy_(policy), pieces_(pieces), delivered_(std::move(delivered)) {}

  std::vector<RecordedEvent> push(std::size_t k) {
    if (pieces_ == 1) {  // not a fragment: passes through
      RecordedEvent e = delivered_;
      e.fragment_count = 1;
      return {e};
    }
    if (held_.count(k) != 0 && !accepts_exact_duplicates(policy_)) {
      RecordedEvent dup;
      dup.kind = RecordedEvent::Kind::kDropped;
      dup.reason = Reason::kDuplicate;
      return {dup};
    }
    held_.insert(k);
    ++accepted_;
    if (held_.size() < pieces_) {
      return {};
    }
    RecordedEvent e = delivered_;
    e.fragment_count = accepted_;
    held_.clear();
    accepted_ = 0;
    ++deliveries_;
    return {e};
  }

  bool in_progress() const { return !held_.empty(); }
  std::uint64_t reassemblies() const { return pieces_ == 1 ? 0 : deliveries_; }

 private:
  Policy policy_;
  std::size_t pieces_;
  RecordedEvent delivered_;
  std::set<std::size_t> held_;
  std::uint32_t accepted_ = 0;
  std::uint64_t deliveries_ = 0;
};

void log_train(const std::vector<Packet>& pieces, const std::vector<std::size_t>& arrival) {
  RC_LOG() << "fragments (offset order): " << describe_fragments(pieces) << "\n";
  RC_LOG() << "arrival (fragment numbers):";
  for (std::size_t k = 0; k < std::min<std::size_t>(arrival.size(), 64); ++k) {
    RC_LOG() << " " << arrival[k];
  }
  RC_LOG() << (arrival.size() > 64 ? " ...\n" : "\n");
  RC_TAG(pieces.size() == 1     ? "1 fragment"
         : pieces.size() <= 10  ? "2-10 fragments"
         : pieces.size() <= 200 ? "11-200 fragments"
                                : ">200 fragments");
}

// Pushes the train into "ref" under `policy`; every push must give exactly
// what the train model says; leftovers time out and nothing stays charged.
void check_policy(Policy policy, bool strip, const DatagramSpec& d, const Packet& original,
                  const std::vector<Packet>& pieces, const std::vector<std::size_t>& arrival) {
  ReassemblyConfig config = config_for(policy);
  config.strip_options = strip;
  // Limits are not this property's subject (limits_props.cpp): under last and
  // linux-legacy every accepted copy is charged, and 65 copies of a 64 KiB
  // piece pass the 4 MiB default.
  config.high_threshold = std::size_t{1} << 40;
  config.low_threshold = config.high_threshold;
  Driver ref("ref", config);
  RecordedEvent delivered;
  delivered.kind = RecordedEvent::Kind::kDelivered;
  delivered.key = FragmentKey{kSource, kDestination, d.protocol, d.id};
  delivered.bytes = pieces.size() == 1 ? original : expected_datagram(original, strip, policy);
  TrainModel model(policy, pieces.size(), delivered);
  for (std::size_t step = 0; step < arrival.size(); ++step) {
    const auto got = ref.push(pieces[arrival[step]], kT0);
    const auto want = model.push(arrival[step]);
    if (got != want) {
      std::string detail;
      if (got.size() == want.size() && !got.empty()) {
        detail = " (datagram: " + byte_difference(got.back().bytes, want.back().bytes) + ")";
      }
      RC_FAIL("policy " + std::string(to_string(policy)) + ", push #" + std::to_string(step) +
              " (fragment " + std::to_string(arrival[step]) + "): got [" + describe(got) +
              "], want [" + describe(want) + "]" + detail);
    }
  }
  RC_ASSERT(ref.stats().reasm_oks == model.reassemblies());
  const auto left = ref.expire(kT0 + config.timeout);
  RC_ASSERT(left.size() == (model.in_progress() ? 1u : 0u));
  RC_ASSERT(ref.stats().charge == 0u);
  RC_ASSERT(ref.stats().datagrams_in_progress == 0u);
}

RC_GTEST_PROP(Identity, FragmentThenReassembleGivesTheDatagramBackUnderEveryPolicy, ()) {
  const std::size_t mtu = *gen_mtu().as("mtu");
  const DatagramSpec d = *gen_datagram(mtu).as("datagram");
  const Packet original = d.bytes();
  const std::vector<Packet> pieces = generate_pieces(original, mtu);
  const std::vector<std::size_t> arrival = generate_arrival(pieces.size());
  const bool strip = *rc::gen::weightedElement<bool>({{4, false}, {1, true}}).as("strip_options");
  log_train(pieces, arrival);
  RC_TAG(d.total_length() == kIpv4MaxDatagram ? "65535 octets" : "shorter");
  for (Policy policy : kAllPolicies) {
    check_policy(policy, strip, d, original, pieces, arrival);
  }
}

}  // namespace
}  // namespace ip4ref::props
