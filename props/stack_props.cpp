// stack_props.cpp: the stack end to end (lib/include/ip4ref/stack.h):
// ip_write on stack A, a MemoryLink of any MTU 68..65535, ip_recv on stack B.
//
// DESIGN.md "Output manager": "builds the header, assigns the
// identification, computes the checksum, ... fragments to the link MTU,
// queues on out_pool. Payloads up to 65515 bytes (65535 minus the header).
// DF and too big: error + the ICMP 'fragmentation needed' (type 3 code 4,
// RFC 1191) data." "Input manager": fragments go to the reassembly store;
// whole datagrams are demultiplexed by protocol.
//
// Between the two, a test shim (HoldingLink) can hold what A writes and
// release it into the memory link in a generated order with generated exact
// duplicates, so B's engine (ref or fast, any policy) sees any arrival order.
// Pools and the link are small and of generated sizes, so back-pressure is
// part of every run.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "generators.h"
#include "ip4ref/icmp.h"
#include "ip4ref/ipv4_header.h"
#include "ip4ref/memory_link.h"
#include "ip4ref/stack.h"
#include "ip4ref/udp.h"

namespace ip4ref::props {
namespace {

// The parts of a failure message, streamed into one string.
template <typename... Parts>
std::string cat(const Parts&... parts) {
  std::ostringstream os;
  (os << ... << parts);
  return os.str();
}

const Instant kT0 = Instant::from_ns(1'000'000'000);
// RFC 3692: 253 is for experimentation; B has a raw handler for it.
constexpr std::uint8_t kRawProtocol = 253;
constexpr std::uint16_t kPortA = 4000;
constexpr std::uint16_t kPortB = 5000;

// A Link in front of another that, while holding, keeps what the stack
// writes (and says it was written); release() then writes the kept packets
// to the inner link in any order, any number of times.
class HoldingLink final : public Link {
 public:
  HoldingLink(Link& inner, bool holding) : inner_(inner), holding_(holding) {}
  std::size_t headroom() const override { return inner_.headroom(); }
  std::size_t mtu() const override { return inner_.mtu(); }
  LinkIo read(MutableBytes frame) override { return inner_.read(frame); }
  LinkIo write(MutableBytes frame) override {
    const Bytes packet = Bytes{frame}.subspan(headroom());
    if (holding_) {
      held.emplace_back(packet.begin(), packet.end());
      return LinkIo::ok(packet.size());
    }
    const LinkIo io = inner_.write(frame);
    if (io.status == LinkStatus::kOk) {
      ++passed;
      largest = std::max(largest, packet.size());
      const Result<Ipv4View> view = Ipv4View::parse(packet);
      with_df += view && view->dont_fragment() ? 1 : 0;
    }
    return io;
  }
  std::string name() const override { return "holding:" + inner_.name(); }

  std::vector<std::vector<std::uint8_t>> held;  // while holding, in the order written
  std::size_t passed = 0;                       // written through while not holding
  std::size_t largest = 0;
  std::size_t with_df = 0;  // of those, packets with DF set

 private:
  Link& inner_;
  bool holding_;
};

// ------------------------------------------------------------- the scenario

struct Scenario {
  std::string engine = "ref";
  Policy policy = Policy::kLinux;
  std::size_t mtu = 1500;
  bool udp = true;  // udp_send to a bound port, else ip_write of protocol 253
  std::size_t payload_length = 0;
  std::uint64_t seed = 0;
  bool dont_fragment = false;
  std::size_t link_capacity = 4;  // packets per direction
  std::size_t in_pool_slots = 4;
  bool stack_shuffles = false;  // StackConfig::shuffle_fragments on A
  bool hold = false;            // the shim reorders and duplicates
  Order order;
  // (fragment index, position in the release sequence) of each extra copy.
  std::vector<std::pair<std::size_t, std::size_t>> copies;

  // Octets after the IP header: the UDP header + payload, or the payload.
  std::size_t ip_payload() const { return payload_length + (udp ? kUdpHeader : 0); }
  std::size_t fragments() const {
    // RFC 791 3.2: each fragment but the last carries NFB * 8 octets,
    // NFB = (MTU - header) / 8; what is left goes whole once it fits.
    const std::size_t per = (mtu - kIpv4MinHeader) / 8 * 8;
    const std::size_t last = mtu - kIpv4MinHeader;
    return ip_payload() <= last ? 1 : 1 + (ip_payload() - last + per - 1) / per;
  }
  bool too_big_for_df() const { return dont_fragment && kIpv4MinHeader + ip_payload() > mtu; }
};

std::ostream& operator<<(std::ostream& os, const Scenario& s) {
  os << "engine " << s.engine << " policy " << to_string(s.policy) << " mtu " << s.mtu << " "
     << (s.udp ? "udp" : "raw") << " payload " << s.payload_length << " (seed " << s.seed << ")"
     << (s.dont_fragment ? " DF" : "") << " -> " << s.fragments() << " fragment(s); link capacity "
     << s.link_capacity << " in_pool " << s.in_pool_slots
     << (s.stack_shuffles ? " A shuffles" : "");
  if (s.hold) {
    os << "; shim: " << s.order << ", copies [";
    for (const auto& [which, where] : s.copies) {
      os << " #" << which << "@" << where;
    }
    os << " ]";
  }
  return os;
}

rc::Gen<Scenario> gen_scenario(bool df_boundary) {
  return rc::gen::exec([df_boundary] {
    Scenario s;
    s.engine = *rc::gen::element<std::string>("ref", "fast");
    s.policy = *gen_policy();
    s.mtu = *gen_mtu();
    s.udp = *rc::gen::arbitrary<bool>();
    const std::size_t hl = kIpv4MinHeader + (s.udp ? kUdpHeader : 0);
    if (df_boundary) {
      // DF: around the largest payload that fits in one packet.
      s.dont_fragment = true;
      const std::size_t fits = std::min(s.mtu, kIpv4MaxDatagram) - hl;
      s.payload_length = *rc::gen::weightedOneOf<std::size_t>(
          {{3, rc::gen::element<std::size_t>(fits - 1, fits, fits + 1)},
           {1, gen_payload_length(hl, s.mtu)}});
      s.payload_length = std::min(s.payload_length, max_payload(hl));
    } else {
      s.payload_length = *gen_payload_length(hl, s.mtu);
    }
    s.seed = *rc::gen::inRange<std::uint64_t>(0, 1000);
    s.link_capacity = *rc::gen::element<std::size_t>(1, 2, 8, 64);
    s.in_pool_slots = *rc::gen::element<std::size_t>(1, 3, 32);
    s.stack_shuffles = *rc::gen::weightedElement<bool>({{3, false}, {1, true}});
    s.hold = !s.dont_fragment && *rc::gen::arbitrary<bool>();
    if (s.hold) {
      const std::size_t n = s.fragments();
      s.order = *gen_order();
      const std::vector<std::size_t> which = *gen_duplicates(n);
      for (std::size_t w : which) {
        s.copies.emplace_back(w, *rc::gen::inRange<std::size_t>(0, n + s.copies.size() + 1));
      }
    }
    return s;
  });
}

// The payload of the scenario: a recognisable, aperiodic octet sequence.
std::vector<std::uint8_t> payload_of(const Scenario& s) {
  std::vector<std::uint8_t> out(s.payload_length);
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = payload_octet(s.seed, i);
  }
  return out;
}

// The shim's release sequence: fragment indices in the generated order,
// each extra copy inserted at its position.
std::vector<std::size_t> release_sequence(const Scenario& s, std::size_t n) {
  std::vector<std::size_t> seq = s.order.indices(n);
  for (const auto& [which, where] : s.copies) {
    seq.insert(seq.begin() + static_cast<long>(std::min(where, seq.size())), which);
  }
  return seq;
}

// How many times B delivers the datagram, by DESIGN.md's rules: exact copies
// add nothing to a datagram in progress (dropped as duplicates, or accepted
// with the same octets), a datagram completes when its last missing fragment
// arrives, and a copy arriving after that starts a new datagram.
std::size_t predicted_deliveries(const std::vector<std::size_t>& sequence, std::size_t n) {
  std::set<std::size_t> seen;
  std::size_t delivered = 0;
  for (std::size_t k : sequence) {
    seen.insert(k);
    if (seen.size() == n) {
      ++delivered;
      seen.clear();
    }
  }
  return delivered;
}

struct Received {
  std::vector<std::uint8_t> payload;
  std::uint32_t source = 0;
  std::uint32_t destination = 0;
  std::uint32_t fragment_count = 0;
  bool dont_fragment = false;
};

// A and B, 192.0.2.1 and 192.0.2.2 (RFC 5737), joined by the memory link,
// with B's receivers recording what arrives.
struct Pair {
  explicit Pair(const Scenario& s) {
    auto ends = MemoryLink::make_pair({.mtu = s.mtu, .capacity = s.link_capacity});
    end_a = std::move(ends.first);
    end_b = std::move(ends.second);
    shim = std::make_unique<HoldingLink>(*end_a, s.hold);
    StackConfig ca;
    ca.addresses.push_back(Ipv4Prefix{kSource, 24});
    ca.in_pool_slots = s.in_pool_slots;
    ca.send_queue_slots = 2;
    ca.reply_queue_slots = 2;
    ca.shuffle_fragments = s.stack_shuffles;
    ca.shuffle_seed = s.seed;
    StackConfig cb = ca;
    cb.addresses = {Ipv4Prefix{kDestination, 24}};
    cb.engine = s.engine;
    cb.reassembly.policy = s.policy;
    std::string error;
    a = Stack::create(*shim, ca, &error);
    b = Stack::create(*end_b, cb, &error);
    create_error = error;
    if (!a || !b) {
      return;
    }
    b->udp_bind(kPortB, [this](const UdpDatagram& d) {
      received.push_back(
          {{d.payload.begin(), d.payload.end()}, d.source, d.destination, d.fragment_count, false});
    });
    b->set_protocol_handler(kRawProtocol, [this](const ReceivedDatagram& d) {
      const Bytes p = d.ip.payload();
      received.push_back({{p.begin(), p.end()},
                          d.ip.source(),
                          d.ip.destination(),
                          d.fragment_count,
                          d.ip.dont_fragment()});
    });
  }

  // Polls both stacks until a whole round moves nothing; false if that never
  // happens (a bound, not a time: a million rounds).
  bool settle() {
    for (int round = 0; round < 1'000'000; ++round) {
      const bool moved_a = a->poll(kT0);
      const bool moved_b = b->poll(kT0);
      if (!moved_a && !moved_b) {
        return true;
      }
    }
    return false;
  }

  // Writes the held packets into the memory link in `sequence`, letting B
  // read whenever the link is full.
  bool release(const std::vector<std::size_t>& sequence) {
    for (std::size_t k : sequence) {
      const std::vector<std::uint8_t>& packet = shim->held[k];
      std::vector<std::uint8_t> frame(end_a->headroom() + packet.size());
      std::copy(packet.begin(), packet.end(), frame.begin() + static_cast<long>(end_a->headroom()));
      int spins = 0;
      while (end_a->write(frame).status != LinkStatus::kOk) {
        if (!b->poll(kT0) && ++spins > 4) {
          return false;  // B does not drain the link
        }
      }
    }
    return true;
  }

  std::unique_ptr<MemoryLink> end_a, end_b;
  std::unique_ptr<HoldingLink> shim;
  std::unique_ptr<Stack> a, b;
  std::string create_error;
  std::vector<Received> received;
};

SendResult send(Pair& p, const Scenario& s) {
  const std::vector<std::uint8_t> payload = payload_of(s);
  WriteOptions options;
  options.dont_fragment = s.dont_fragment;
  return s.udp ? p.a->udp_send(kPortA, kDestination, kPortB, payload, options)
               : p.a->ip_write(payload, kRawProtocol, kDestination, options);
}

// Drops on B other than exact duplicates (which the scenario makes), and
// every drop on A: "name count; ...".
std::string unexpected_drops(const StackStats& a, const StackStats& b) {
  std::string out;
  for (std::size_t r = 0; r < kReasonCount; ++r) {
    const auto reason = static_cast<Reason>(r);
    if (a.by_reason[r] != 0 || (reason != Reason::kDuplicate && b.by_reason[r] != 0)) {
      out += std::string(to_string(reason)) + " " + std::to_string(a.by_reason[r]) + "/" +
             std::to_string(b.by_reason[r]) + "; ";
    }
  }
  for (std::size_t r = 0; r < kStackReasonCount; ++r) {
    if (a.by_stack_reason[r] != 0 || b.by_stack_reason[r] != 0) {
      out += std::string(to_string(static_cast<StackReason>(r))) + " " +
             std::to_string(a.by_stack_reason[r]) + "/" + std::to_string(b.by_stack_reason[r]) +
             "; ";
    }
  }
  return out;
}

RC_GTEST_PROP(Stack, WhatIpWriteSendsIpRecvDeliversAtAnyMtuInAnyOrderWithCopies, ()) {
  const Scenario s = *gen_scenario(false).as("scenario");
  Pair p(s);
  if (!p.a || !p.b) {
    RC_FAIL(cat("Stack::create: ", p.create_error));
  }
  const SendResult sent = send(p, s);
  if (!sent.ok()) {
    RC_FAIL(cat("send refused: ", to_string(sent.error)));
  }
  RC_ASSERT(p.settle());

  const std::size_t n = s.fragments();
  std::size_t want = 1;
  if (s.hold) {
    // A wrote the whole train into the shim; now the link gets it reordered.
    RC_ASSERT(p.shim->held.size() == n);
    for (const std::vector<std::uint8_t>& packet : p.shim->held) {
      RC_ASSERT(packet.size() <= s.mtu);
    }
    const std::vector<std::size_t> sequence = release_sequence(s, n);
    want = predicted_deliveries(sequence, n);
    RC_ASSERT(p.release(sequence));
    RC_ASSERT(p.settle());
  } else {
    if (p.shim->passed != n) {
      RC_FAIL(cat("A wrote ", p.shim->passed, " packets, want ", n, "\n--- A\n",
                  to_string(p.a->stats()), "--- B\n", to_string(p.b->stats())));
    }
    RC_ASSERT(p.shim->largest <= s.mtu);
    RC_ASSERT(p.shim->with_df == 0u);
    // Back-pressure, never loss: a train longer than the link holds makes A
    // wait for B (counted once per episode), a shorter one never does.
    const std::uint64_t stalls = p.a->stats().link_stalls;
    RC_ASSERT((stalls > 0) == (n > s.link_capacity));
    RC_ASSERT((p.end_b->incoming_stats().backpressure > 0) == (n > s.link_capacity));
  }

  const std::vector<std::uint8_t> payload = payload_of(s);
  RC_ASSERT(p.received.size() == want);
  for (const Received& r : p.received) {
    if (r.payload != payload) {
      RC_FAIL(cat("delivered ", r.payload.size(), " octets, sent ", payload.size()));
    }
    RC_ASSERT(r.source == kSource);
    RC_ASSERT(r.destination == kDestination);
    if (s.copies.empty()) {
      RC_ASSERT(r.fragment_count == n);
    }
  }
  const StackStats sa = p.a->stats();
  const StackStats sb = p.b->stats();
  const std::string drops = unexpected_drops(sa, sb);
  if (!drops.empty()) {
    RC_FAIL(cat("unexpected drops (A/B): ", drops));
  }
  RC_ASSERT(sb.in_receives == n + s.copies.size());
  RC_TAG(n == 1 ? "1 fragment" : n <= 16 ? "2..16 fragments" : "over 16 fragments");
  RC_TAG(s.payload_length + kIpv4MinHeader + (s.udp ? kUdpHeader : 0) == kIpv4MaxDatagram
             ? "largest payload"
             : "smaller payload");
  RC_TAG(s.hold ? (s.copies.empty() ? "reordered" : "reordered with copies") : "as sent");
}

RC_GTEST_PROP(Stack, DontFragmentTooBigIsRefusedWithRfc1191DataAndNothingArrives, ()) {
  const Scenario s = *gen_scenario(true).as("scenario");
  Pair p(s);
  if (!p.a || !p.b) {
    RC_FAIL(cat("Stack::create: ", p.create_error));
  }
  const SendResult sent = send(p, s);
  RC_ASSERT(p.settle());
  if (!s.too_big_for_df()) {
    // DF that fits: one packet, DF set, delivered as sent.
    if (!sent.ok()) {
      RC_FAIL(cat("send refused: ", to_string(sent.error)));
    }
    RC_ASSERT(p.shim->passed == 1u);
    RC_ASSERT(p.shim->with_df == 1u);
    RC_ASSERT(p.received.size() == 1u);
    RC_ASSERT(p.received[0].payload == payload_of(s));
    RC_ASSERT(p.received[0].fragment_count == 1u);
    if (!s.udp) {
      RC_ASSERT(p.received[0].dont_fragment);
    }
    RC_TAG("DF fits");
    return;
  }
  // RFC 791 3.2: with DF set "internet fragmentation of this datagram is NOT
  // permitted"; RFC 1191 4: the sender learns the next-hop MTU and sees its
  // own header + 64 bits of data, what an ICMP type 3 code 4 message carries.
  RC_ASSERT(sent.error == StackReason::kFragmentationNeeded);
  RC_ASSERT(sent.icmp.next_hop_mtu == s.mtu);
  const std::vector<std::uint8_t>& quote = sent.icmp.quote;
  RC_ASSERT(quote.size() == kIpv4MinHeader + 8);
  RC_ASSERT(load_be16(quote, ipv4_field::kTotalLength) == kIpv4MinHeader + s.ip_payload());
  RC_ASSERT((load_be16(quote, ipv4_field::kFlagsFragment) & kFlagDf) != 0);
  RC_ASSERT(load_be16(quote, ipv4_field::kIdentification) == sent.identification);
  RC_ASSERT(quote[ipv4_field::kProtocol] == (s.udp ? kIpProtoUdp : kRawProtocol));
  RC_ASSERT(load_be32(quote, ipv4_field::kSource) == kSource);
  RC_ASSERT(load_be32(quote, ipv4_field::kDestination) == kDestination);
  // The 8 data octets: the UDP header (ports, length), or the payload.
  const std::vector<std::uint8_t> payload = payload_of(s);
  if (s.udp) {
    RC_ASSERT(load_be16(Bytes{quote}.subspan(kIpv4MinHeader), 0) == kPortA);
    RC_ASSERT(load_be16(Bytes{quote}.subspan(kIpv4MinHeader), 2) == kPortB);
    RC_ASSERT(load_be16(Bytes{quote}.subspan(kIpv4MinHeader), 4) == s.ip_payload());
  } else {
    RC_ASSERT(std::equal(payload.begin(), payload.begin() + 8, quote.begin() + kIpv4MinHeader));
  }
  // Enough for the ICMP message itself (RFC 792 type 3 code 4, RFC 1191 4).
  const std::vector<std::uint8_t> icmp =
      make_destination_unreachable(icmp_code::kFragmentationNeeded, sent.icmp.next_hop_mtu, quote);
  const Result<IcmpView> view = IcmpView::parse(icmp);
  RC_ASSERT(view.has_value());
  RC_ASSERT(view->type() == icmp_type::kDestinationUnreachable);
  RC_ASSERT(view->code() == icmp_code::kFragmentationNeeded);
  RC_ASSERT(view->next_hop_mtu() == s.mtu);
  RC_ASSERT(view->checksum_ok());
  // Nothing went on the wire, nothing arrived, the refusal is counted.
  RC_ASSERT(p.shim->passed == 0u);
  RC_ASSERT(p.received.empty());
  RC_ASSERT(p.b->stats().in_receives == 0u);
  RC_ASSERT(p.a->stats().count(StackReason::kFragmentationNeeded) == 1u);
  RC_TAG("DF too big");
}

}  // namespace
}  // namespace ip4ref::props
