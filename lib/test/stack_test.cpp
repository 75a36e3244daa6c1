// stack_test.cpp: the stack end to end on a memory link, deterministic
// (poll with a manual clock): ping across MTUs, UDP both ways with shuffled
// fragments, back-pressure, bad packets dropped with reasons, ICMP errors,
// the send path's refusals.
#include "ip4ref/stack.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <numeric>
#include <string>
#include <tuple>
#include <vector>

#include "ip4ref/checksum.h"
#include "ip4ref/icmp.h"
#include "ip4ref/ipv4_header.h"
#include "ip4ref/udp.h"
#include "packet_builder.h"
#include "stack_pair.h"

namespace ip4ref {
namespace {

using test::kAddrA;
using test::kAddrB;
using test::pattern;

constexpr Instant kT0 = Instant::from_ns(1'000'000'000);

std::uint64_t total_drops(const StackStats& s) {
  return std::accumulate(s.by_reason.begin(), s.by_reason.end(), std::uint64_t{0}) +
         std::accumulate(s.by_stack_reason.begin(), s.by_stack_reason.end(), std::uint64_t{0});
}

std::string drops_text(const StackStats& s) {
  std::string out;
  const std::string all = to_string(s);
  std::size_t at = 0;
  while ((at = all.find("drop.", at)) != std::string::npos) {
    const std::size_t end = all.find('\n', at);
    out += all.substr(at, end - at) + "; ";
    at = end;
  }
  return out;
}

// An IPv4 packet from kAddrA to kAddrB (by default) around `payload`.
std::vector<std::uint8_t> ip_packet(std::uint8_t protocol, std::vector<std::uint8_t> payload,
                                    std::uint32_t source = kAddrA,
                                    std::uint32_t destination = kAddrB, std::uint16_t id = 7) {
  test::FragmentSpec s;
  s.protocol = protocol;
  s.payload = std::move(payload);
  s.source = source;
  s.destination = destination;
  s.id = id;
  return test::build(s);
}

std::vector<std::uint8_t> udp_packet(std::uint16_t source_port, std::uint16_t destination_port,
                                     const std::vector<std::uint8_t>& data,
                                     std::uint32_t destination = kAddrB, std::uint16_t id = 7) {
  return ip_packet(kIpProtoUdp, make_udp(kAddrA, destination, source_port, destination_port, data),
                   kAddrA, destination, id);
}

std::vector<std::uint8_t> echo_packet(std::uint16_t sequence, std::size_t size,
                                      std::uint32_t destination = kAddrB) {
  return ip_packet(kIpProtoIcmp, make_echo_request(0x77, sequence, pattern(size)), kAddrA,
                   destination);
}

// Recomputes the header checksum after a test edited the header.
void reseal(std::vector<std::uint8_t>& packet) {
  const std::size_t header_length = std::size_t{packet[0] & 0x0fu} * 4;
  const MutableBytes bytes{packet};
  store_be16(bytes, ipv4_field::kChecksum, 0);
  store_be16(bytes, ipv4_field::kChecksum, internet_checksum(bytes.first(header_length)));
}

// RFC 791 3.2: floor((mtu - 20) / 8) * 8 data octets per fragment.
std::size_t fragments_for(std::size_t ip_payload, std::size_t mtu) {
  if (ip_payload + kIpv4MinHeader <= mtu) {
    return 1;
  }
  const std::size_t per = (mtu - kIpv4MinHeader) / 8 * 8;
  return (ip_payload + per - 1) / per;
}

// ---------------------------------------------------------------------------
// Ping: payload sizes x link MTUs x engines.

using PingParam = std::tuple<std::string, std::size_t, std::size_t>;  // engine, mtu, size

class StackPing : public ::testing::TestWithParam<PingParam> {};

TEST_P(StackPing, EchoReplyArrivesAndMatchesTheRequest) {
  const auto& [engine, mtu, size] = GetParam();
  if (!make_engine(engine, {})) {
    GTEST_SKIP() << "engine '" << engine << "' is not built";
  }
  test::StackPair pair(mtu, test::config_for(kAddrA, engine), test::config_for(kAddrB, engine));
  std::vector<std::vector<std::uint8_t>> replies;
  std::uint32_t reply_fragments = 0;
  pair.a->set_protocol_handler(kIpProtoIcmp, [&](const ReceivedDatagram& d) {
    replies.emplace_back(d.ip.payload().begin(), d.ip.payload().end());
    reply_fragments = d.fragment_count;
    EXPECT_EQ(d.ip.source(), kAddrB);
    EXPECT_EQ(d.ip.destination(), kAddrA);
  });
  const std::vector<std::uint8_t> data = pattern(size, 3);
  ASSERT_TRUE(pair.a->ip_write(make_echo_request(0x1234, 9, data), kIpProtoIcmp, kAddrB).ok());
  pair.settle(kT0);

  ASSERT_EQ(replies.size(), 1u);
  const Result<IcmpView> reply = IcmpView::parse(replies[0]);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->type(), icmp_type::kEchoReply);
  EXPECT_EQ(reply->identifier(), 0x1234);
  EXPECT_EQ(reply->sequence(), 9);
  EXPECT_TRUE(reply->checksum_ok());
  EXPECT_TRUE(std::ranges::equal(reply->data(), data));
  const std::size_t fragments = fragments_for(kIcmpHeader + size, mtu);
  EXPECT_EQ(reply_fragments, fragments);

  const StackStats a = pair.a->stats();
  const StackStats b = pair.b->stats();
  EXPECT_EQ(b.icmp_in_echo_requests, 1u);
  EXPECT_EQ(b.icmp_out_echo_replies, 1u);
  EXPECT_EQ(b.in_receives, fragments);
  EXPECT_EQ(a.in_receives, fragments);
  EXPECT_EQ(a.out_transmits, fragments);
  EXPECT_EQ(b.out_transmits, fragments);
  EXPECT_EQ(b.reassembly.reasm_oks, fragments > 1 ? 1u : 0u);
  EXPECT_EQ(b.fragmenter.frag_creates, fragments > 1 ? fragments : 0u);
  EXPECT_EQ(total_drops(a), 0u) << drops_text(a);
  EXPECT_EQ(total_drops(b), 0u) << drops_text(b);
}

INSTANTIATE_TEST_SUITE_P(SizesByMtus, StackPing,
                         ::testing::Combine(::testing::Values("ref", "fast"),
                                            ::testing::Values(1500, 576, 68),
                                            ::testing::Values(56, 1472, 1473, 4000, 30000, 65507)),
                         [](const ::testing::TestParamInfo<PingParam>& p) {
                           return std::get<0>(p.param) + "_mtu" +
                                  std::to_string(std::get<1>(p.param)) + "_size" +
                                  std::to_string(std::get<2>(p.param));
                         });

// ---------------------------------------------------------------------------
// UDP both ways, fragments shuffled by the sender.

// For each datagram ID on the wire, the fragment offsets in transmit order.
std::map<std::uint16_t, std::vector<std::size_t>> offsets_by_id(
    const std::vector<std::vector<std::uint8_t>>& packets) {
  std::map<std::uint16_t, std::vector<std::size_t>> by_id;
  for (const auto& p : packets) {
    const Result<Ipv4View> v = Ipv4View::parse(p);
    if (v && v->is_fragment()) {
      by_id[v->identification()].push_back(v->fragment_offset());
    }
  }
  return by_id;
}

std::size_t datagrams_out_of_order(const std::vector<std::vector<std::uint8_t>>& packets) {
  std::size_t n = 0;
  for (const auto& [id, offsets] : offsets_by_id(packets)) {
    if (!std::ranges::is_sorted(offsets)) {
      ++n;
    }
  }
  return n;
}

TEST(StackUdp, BothWaysWithShuffledFragmentsReassemble) {
  StackConfig ca = test::config_for(kAddrA);
  StackConfig cb = test::config_for(kAddrB);
  ca.shuffle_fragments = cb.shuffle_fragments = true;
  ca.shuffle_seed = 1;
  cb.shuffle_seed = 2;
  test::StackPair pair(576, ca, cb);
  // B echoes port 7 back to the sender.
  Stack& b = *pair.b;
  b.udp_bind(7, [&b](const UdpDatagram& d) {
    EXPECT_TRUE(b.udp_send(7, d.source, d.source_port, d.payload).ok());
  });
  std::vector<std::vector<std::uint8_t>> received;
  pair.a->udp_bind(5000, [&](const UdpDatagram& d) {
    EXPECT_EQ(d.source, kAddrB);
    EXPECT_EQ(d.source_port, 7);
    received.emplace_back(d.payload.begin(), d.payload.end());
  });
  const std::vector<std::size_t> sizes = {1, 548, 549, 4000, 30000, kUdpMaxPayload};
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    ASSERT_TRUE(
        pair.a->udp_send(5000, kAddrB, 7, pattern(sizes[i], static_cast<std::uint8_t>(i))).ok());
  }
  pair.settle(kT0);

  ASSERT_EQ(received.size(), sizes.size());
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    EXPECT_EQ(received[i], pattern(sizes[i], static_cast<std::uint8_t>(i))) << "size " << sizes[i];
  }
  // Both directions really were out of order on the wire.
  EXPECT_GE(datagrams_out_of_order(pair.rec_a->written), 3u);
  EXPECT_GE(datagrams_out_of_order(pair.rec_b->written), 3u);
  const StackStats a = pair.a->stats();
  const StackStats bs = pair.b->stats();
  EXPECT_EQ(a.out_shuffled, 4u);  // the four datagrams over 576 octets
  EXPECT_EQ(bs.out_shuffled, 4u);
  EXPECT_EQ(bs.udp_in_datagrams, sizes.size());
  EXPECT_EQ(a.udp_in_datagrams, sizes.size());
  EXPECT_EQ(total_drops(a), 0u) << drops_text(a);
  EXPECT_EQ(total_drops(bs), 0u) << drops_text(bs);
}

TEST(StackUdp, ShuffleIsAPureFunctionOfTheSeed) {
  auto run = [](std::uint64_t seed) {
    StackConfig ca = test::config_for(kAddrA);
    ca.shuffle_fragments = true;
    ca.shuffle_seed = seed;
    test::StackPair pair(576, ca);
    for (int i = 0; i < 3; ++i) {
      EXPECT_TRUE(pair.a->udp_send(5000, kAddrB, 9, pattern(5000)).ok());
    }
    pair.settle(kT0);
    return pair.rec_a->written;
  };
  EXPECT_EQ(run(42), run(42));
  EXPECT_NE(run(42), run(43));
}

// StackConfig::fragmenter: the fast fragmenter puts the same octets on the
// wire as the reference (fast_fragmenter.h's promise, seen through the
// stack), and the datagrams still arrive; an unknown name is refused.
TEST(StackFragmenter, FastPutsTheSameFragmentsOnTheWire) {
  auto run = [](const std::string& fragmenter) {
    StackConfig ca = test::config_for(kAddrA);
    ca.fragmenter = fragmenter;
    test::StackPair pair(576, ca);
    for (std::size_t size : {100, 3000, 65507}) {
      EXPECT_TRUE(pair.a->udp_send(5000, kAddrB, 9, pattern(size)).ok());
    }
    pair.settle(kT0);
    EXPECT_EQ(pair.b->stats().reassembly.reasm_oks, 2u) << fragmenter;
    return pair.rec_a->written;
  };
  const auto ref = run("ref");
  EXPECT_EQ(ref.size(), 1u + 6u + 119u);  // ceil((8 + size) / 552) fragments each
  EXPECT_EQ(run("fast"), ref);

  auto [end_a, end_b] = MemoryLink::make_pair({});
  StackConfig bad = test::config_for(kAddrA);
  bad.fragmenter = "quick";
  std::string error;
  EXPECT_EQ(Stack::create(*end_a, bad, &error), nullptr);
  EXPECT_EQ(error, "unknown fragmenter 'quick' (known: ref, fast)");
}

TEST(StackUdp, BroadcastsAreDelivered) {
  test::StackPair pair(1500);
  std::vector<std::uint32_t> destinations;
  pair.b->udp_bind(67, [&](const UdpDatagram& d) { destinations.push_back(d.destination); });
  ASSERT_TRUE(pair.a->udp_send(68, 0xc00002ff, 67, pattern(10)).ok());  // directed
  ASSERT_TRUE(pair.a->udp_send(68, kLimitedBroadcast, 67, pattern(10)).ok());
  pair.settle(kT0);
  EXPECT_EQ(destinations, (std::vector<std::uint32_t>{0xc00002ff, kLimitedBroadcast}));
}

// ---------------------------------------------------------------------------
// Back-pressure: bursts wait, nothing is lost inside the stack.

TEST(StackBackPressure, BurstLargerThanInPoolLosesNothing) {
  auto [end_a, end_b] = MemoryLink::make_pair({.mtu = 1500, .capacity = 256});
  StackConfig cb = test::config_for(kAddrB);
  cb.in_pool_slots = 4;
  cb.reply_queue_slots = 2;
  cb.out_pool_slots = 3;
  auto b = test::make_stack(*end_b, cb);
  Stack& stack = *b;
  stack.udp_bind(7, [&stack](const UdpDatagram& d) {
    EXPECT_TRUE(stack.udp_send(7, d.source, d.source_port, d.payload).ok());
  });
  constexpr std::size_t kBurst = 200;
  for (std::size_t i = 0; i < kBurst; ++i) {
    const auto p = udp_packet(4000, 7, pattern(100, static_cast<std::uint8_t>(i)), kAddrB,
                              static_cast<std::uint16_t>(i));
    ASSERT_EQ(write_packet(*end_a, p).status, LinkStatus::kOk);
  }
  test::settle({b.get()}, kT0);

  const auto replies = test::drain(*end_a);
  ASSERT_EQ(replies.size(), kBurst);
  for (std::size_t i = 0; i < kBurst; ++i) {
    const Result<Ipv4View> ip = Ipv4View::parse(replies[i]);
    ASSERT_TRUE(ip);
    const Result<UdpView> udp = UdpView::parse(ip->payload());
    ASSERT_TRUE(udp);
    EXPECT_TRUE(std::ranges::equal(udp->payload(), pattern(100, static_cast<std::uint8_t>(i))));
  }
  const StackStats s = stack.stats();
  EXPECT_EQ(s.in_receives, kBurst);
  EXPECT_EQ(s.udp_in_datagrams, kBurst);
  EXPECT_EQ(s.udp_out_datagrams, kBurst);
  EXPECT_GE(s.in_pool.backpressure, 1u);  // the burst waited in the link
  EXPECT_EQ(s.in_pool.high_water, 4u);
  EXPECT_GE(s.input_stalls, 1u);  // and behind the reply queue
  EXPECT_EQ(s.reply_queue.high_water, 2u);
  EXPECT_EQ(total_drops(s), 0u) << drops_text(s);
}

TEST(StackBackPressure, FullLinkHoldsFragmentsUntilItDrains) {
  auto [end_a, end_b] = MemoryLink::make_pair({.mtu = 576, .capacity = 4});
  auto b = test::make_stack(*end_b, test::config_for(kAddrB));
  ASSERT_TRUE(b->udp_send(7, kAddrA, 9, pattern(30000)).ok());
  std::vector<std::vector<std::uint8_t>> wire;
  for (int round = 0; round < 1000; ++round) {
    b->poll(kT0);
    auto got = test::drain(*end_a);
    if (got.empty() && round > 0) {
      break;
    }
    wire.insert(wire.end(), got.begin(), got.end());
  }
  const std::size_t expected = fragments_for(kUdpHeader + 30000, 576);
  ASSERT_EQ(wire.size(), expected);
  // Reassemble what crossed the link: the datagram is whole.
  auto engine = make_engine("ref", {});
  EventLog log;
  for (const auto& p : wire) {
    engine->push(p, kT0, log);
  }
  ASSERT_EQ(log.events().size(), 1u);
  EXPECT_EQ(log.events()[0].kind, RecordedEvent::Kind::kDelivered);
  const StackStats s = b->stats();
  EXPECT_GE(s.link_stalls, 1u);
  EXPECT_EQ(s.out_transmits, expected);
  EXPECT_EQ(total_drops(s), 0u) << drops_text(s);
}

// ---------------------------------------------------------------------------
// Bad packets: each dropped under its reason; the stack keeps answering.

struct BadPacket {
  std::string name;
  std::vector<std::uint8_t> packet;
  std::optional<Reason> reason;
  std::optional<StackReason> stack_reason;
};

std::vector<BadPacket> bad_packets() {
  std::vector<BadPacket> cases;
  const auto good = udp_packet(4000, 7, pattern(40));
  auto add = [&](std::string name, std::vector<std::uint8_t> p, auto reason) {
    BadPacket c{std::move(name), std::move(p), std::nullopt, std::nullopt};
    if constexpr (std::is_same_v<decltype(reason), Reason>) {
      c.reason = reason;
    } else {
      c.stack_reason = reason;
    }
    cases.push_back(std::move(c));
  };
  add("truncated", std::vector<std::uint8_t>(good.begin(), good.begin() + 10), Reason::kTruncated);
  auto v6 = good;
  v6[0] = 0x60;  // an IPv6 packet's first nibble
  add("wrong-version", v6, Reason::kBadVersion);
  auto ihl = good;
  ihl[0] = 0x44;
  add("ihl-below-5", ihl, Reason::kBadHeaderLength);
  auto total = good;
  store_be16(total, ipv4_field::kTotalLength, static_cast<std::uint16_t>(good.size() + 10));
  reseal(total);
  add("total-length-past-packet", total, Reason::kBadTotalLength);
  auto sum = good;
  sum[ipv4_field::kChecksum] ^= 0x5a;
  add("bad-checksum", sum, Reason::kBadChecksum);
  // IHL 6 with a timestamp option claiming 40 octets in a 4-octet area.
  std::vector<std::uint8_t> options = good;
  options.insert(options.begin() + 20, {0x44, 40, 5, 0});
  options[0] = 0x46;
  store_be16(options, ipv4_field::kTotalLength, static_cast<std::uint16_t>(options.size()));
  reseal(options);
  add("bad-options", options, Reason::kBadOptions);
  add("not-for-us", udp_packet(4000, 7, pattern(40), 0xc0000263), StackReason::kNotForUs);
  add("multicast-destination", udp_packet(4000, 7, pattern(40), 0xe0000001),
      StackReason::kNotForUs);
  add("broadcast-source", ip_packet(kIpProtoUdp, pattern(16), 0xc00002ff, kAddrB),
      StackReason::kBadSource);
  add("unknown-protocol", ip_packet(200, pattern(16)), StackReason::kUnknownProtocol);
  auto icmp_sum = echo_packet(1, 56);
  icmp_sum[20 + 2] ^= 0xff;
  add("icmp-bad-checksum", icmp_sum, StackReason::kIcmpBadChecksum);
  add("icmp-truncated", ip_packet(kIpProtoIcmp, pattern(4)), StackReason::kIcmpMalformed);
  add("echo-to-broadcast", echo_packet(1, 56, 0xc00002ff), StackReason::kIcmpEchoBroadcast);
  auto udp_sum = good;
  udp_sum[20 + 6] ^= 0x01;
  add("udp-bad-checksum", udp_sum, StackReason::kUdpBadChecksum);
  auto udp_len = good;
  store_be16(udp_len, 20 + 4, 200);
  add("udp-length-past-datagram", udp_len, StackReason::kUdpMalformed);
  add("udp-no-listener", udp_packet(4000, 9, pattern(40)), StackReason::kUdpNoListener);
  return cases;
}

TEST(StackBadPackets, EachIsDroppedWithItsReasonAndTheStackKeepsAnswering) {
  for (const BadPacket& c : bad_packets()) {
    SCOPED_TRACE(c.name);
    auto [end_a, end_b] = MemoryLink::make_pair({.mtu = 1500, .capacity = 16});
    auto b = test::make_stack(*end_b, test::config_for(kAddrB));
    b->udp_bind(7, [](const UdpDatagram&) {});
    ASSERT_EQ(write_packet(*end_a, c.packet).status, LinkStatus::kOk);
    test::settle({b.get()}, kT0);
    const StackStats s = b->stats();
    if (c.reason) {
      EXPECT_EQ(s.count(*c.reason), 1u) << drops_text(s);
    } else {
      EXPECT_EQ(s.count(*c.stack_reason), 1u) << drops_text(s);
    }
    EXPECT_EQ(total_drops(s), 1u) << drops_text(s);
    EXPECT_EQ(s.in_receives, 1u);
    test::drain(*end_a);  // ICMP errors, if any, are checked below

    // Still answering.
    ASSERT_EQ(write_packet(*end_a, echo_packet(2, 56)).status, LinkStatus::kOk);
    test::settle({b.get()}, kT0);
    const auto replies = test::drain(*end_a);
    ASSERT_EQ(replies.size(), 1u);
    const Result<Ipv4View> ip = Ipv4View::parse(replies[0]);
    ASSERT_TRUE(ip);
    EXPECT_EQ(IcmpView::parse(ip->payload())->type(), icmp_type::kEchoReply);
  }
}

// The one ICMP message at `end`, as (type, code, data).
std::tuple<std::uint8_t, std::uint8_t, std::vector<std::uint8_t>> only_icmp(Link& end) {
  const auto packets = test::drain(end);
  EXPECT_EQ(packets.size(), 1u);
  if (packets.size() != 1) {
    return {};
  }
  const Result<Ipv4View> ip = Ipv4View::parse(packets[0]);
  EXPECT_TRUE(ip && ip->checksum_ok());
  EXPECT_EQ(ip->protocol(), kIpProtoIcmp);
  EXPECT_EQ(ip->source(), kAddrB);
  EXPECT_EQ(ip->destination(), kAddrA);
  const Result<IcmpView> icmp = IcmpView::parse(ip->payload());
  EXPECT_TRUE(icmp && icmp->checksum_ok());
  return {icmp->type(), icmp->code(), {icmp->data().begin(), icmp->data().end()}};
}

TEST(StackIcmpErrors, UnknownProtocolGetsProtocolUnreachable) {
  auto [end_a, end_b] = MemoryLink::make_pair({});
  auto b = test::make_stack(*end_b, test::config_for(kAddrB));
  const auto p = ip_packet(200, pattern(16));
  ASSERT_EQ(write_packet(*end_a, p).status, LinkStatus::kOk);
  test::settle({b.get()}, kT0);
  const auto [type, code, data] = only_icmp(*end_a);
  EXPECT_EQ(type, icmp_type::kDestinationUnreachable);
  EXPECT_EQ(code, 2);
  EXPECT_EQ(data, std::vector<std::uint8_t>(p.begin(), p.begin() + 28));  // header + 8
  EXPECT_EQ(b->stats().icmp_out_unreachable, 1u);
}

TEST(StackIcmpErrors, UnboundUdpPortGetsPortUnreachableButBroadcastDoesNot) {
  auto [end_a, end_b] = MemoryLink::make_pair({});
  auto b = test::make_stack(*end_b, test::config_for(kAddrB));
  const auto p = udp_packet(4000, 9, pattern(40));
  ASSERT_EQ(write_packet(*end_a, p).status, LinkStatus::kOk);
  test::settle({b.get()}, kT0);
  const auto [type, code, data] = only_icmp(*end_a);
  EXPECT_EQ(type, icmp_type::kDestinationUnreachable);
  EXPECT_EQ(code, 3);
  EXPECT_EQ(data, std::vector<std::uint8_t>(p.begin(), p.begin() + 28));
  // RFC 1122 3.2.2: never an error about a datagram sent to a broadcast.
  ASSERT_EQ(write_packet(*end_a, udp_packet(4000, 9, pattern(40), kLimitedBroadcast)).status,
            LinkStatus::kOk);
  test::settle({b.get()}, kT0);
  EXPECT_TRUE(test::drain(*end_a).empty());
  EXPECT_EQ(b->stats().icmp_errors_suppressed, 1u);
}

// ---------------------------------------------------------------------------
// Reassembly timeout: ICMP time exceeded code 1, only with fragment zero.

TEST(StackIcmpErrors, TimeExceededExactlyAtTheReassemblyDeadline) {
  auto [end_a, end_b] = MemoryLink::make_pair({});
  StackConfig cb = test::config_for(kAddrB);
  cb.reassembly.timeout = Duration::seconds(2);
  auto b = test::make_stack(*end_b, cb);
  test::FragmentSpec first;
  first.more = true;
  first.payload = make_udp(kAddrA, kAddrB, 4000, 7, pattern(100));
  first.payload.resize(64);  // the first 64 octets of a longer datagram
  first.id = 0x4242;
  const auto fragment = test::build(first);
  ASSERT_EQ(write_packet(*end_a, fragment).status, LinkStatus::kOk);
  test::settle({b.get()}, kT0);
  EXPECT_EQ(b->next_timer(), kT0 + Duration::seconds(2));

  test::settle({b.get()}, kT0 + Duration::seconds(2) - Duration::nanoseconds(1));
  EXPECT_TRUE(test::drain(*end_a).empty());
  test::settle({b.get()}, kT0 + Duration::seconds(2));
  const auto [type, code, data] = only_icmp(*end_a);
  EXPECT_EQ(type, icmp_type::kTimeExceeded);
  EXPECT_EQ(code, icmp_code::kReassemblyTimeExceeded);
  // RFC 792: the offset-0 fragment's header + the first 64 bits of its data.
  EXPECT_EQ(data, std::vector<std::uint8_t>(fragment.begin(), fragment.begin() + 28));
  const StackStats s = b->stats();
  EXPECT_EQ(s.icmp_out_time_exceeded, 1u);
  EXPECT_EQ(s.count(Reason::kTimeout), 1u);
  EXPECT_FALSE(b->next_timer());
}

TEST(StackIcmpErrors, NoTimeExceededWithoutFragmentZero) {
  auto [end_a, end_b] = MemoryLink::make_pair({});
  StackConfig cb = test::config_for(kAddrB);
  cb.reassembly.timeout = Duration::seconds(1);
  auto b = test::make_stack(*end_b, cb);
  ASSERT_EQ(write_packet(*end_a, test::frag(64, true, 'x', 64)).status, LinkStatus::kOk);
  test::settle({b.get()}, kT0);
  test::settle({b.get()}, kT0 + Duration::seconds(1));
  EXPECT_TRUE(test::drain(*end_a).empty());
  const StackStats s = b->stats();
  EXPECT_EQ(s.count(Reason::kTimeout), 1u);
  EXPECT_EQ(s.icmp_out_time_exceeded, 0u);
}

TEST(StackIcmpErrors, NoTimeExceededAboutAnIcmpError) {
  auto [end_a, end_b] = MemoryLink::make_pair({});
  StackConfig cb = test::config_for(kAddrB);
  cb.reassembly.timeout = Duration::seconds(1);
  auto b = test::make_stack(*end_b, cb);
  test::FragmentSpec first;
  first.more = true;
  first.protocol = kIpProtoIcmp;
  first.payload = make_time_exceeded(0, pattern(28));
  first.payload.resize(32);
  ASSERT_EQ(write_packet(*end_a, test::build(first)).status, LinkStatus::kOk);
  test::settle({b.get()}, kT0);
  test::settle({b.get()}, kT0 + Duration::seconds(1));
  EXPECT_TRUE(test::drain(*end_a).empty());
  EXPECT_EQ(b->stats().icmp_errors_suppressed, 1u);
}

// ---------------------------------------------------------------------------
// The send path.

TEST(StackOutput, DontFragmentTooBigIsRefusedWithFragmentationNeededData) {
  test::StackPair pair(576);
  const auto payload = pattern(1000);
  WriteOptions df;
  df.dont_fragment = true;
  const SendResult r = pair.a->ip_write(payload, kIpProtoUdp, kAddrB, df);
  EXPECT_EQ(r.error, StackReason::kFragmentationNeeded);
  EXPECT_EQ(r.icmp.next_hop_mtu, 576);
  ASSERT_EQ(r.icmp.quote.size(), 28u);
  const Result<Ipv4View> quoted = Ipv4View::parse(r.icmp.quote);
  EXPECT_FALSE(quoted);  // a quote: its total length names the whole datagram
  EXPECT_EQ(load_be16(r.icmp.quote, ipv4_field::kTotalLength), 1020);
  EXPECT_NE(load_be16(r.icmp.quote, ipv4_field::kFlagsFragment) & kFlagDf, 0);
  EXPECT_TRUE(std::equal(payload.begin(), payload.begin() + 8, r.icmp.quote.begin() + 20));
  pair.settle(kT0);
  EXPECT_TRUE(pair.rec_a->written.empty());
  EXPECT_EQ(pair.a->stats().count(StackReason::kFragmentationNeeded), 1u);
  // DF that fits goes out with DF set.
  ASSERT_TRUE(pair.a->ip_write(pattern(556), kIpProtoUdp, kAddrB, df).ok());
  pair.settle(kT0);
  ASSERT_EQ(pair.rec_a->written.size(), 1u);
  EXPECT_TRUE(Ipv4View::parse(pair.rec_a->written[0])->dont_fragment());
}

TEST(StackOutput, IdentificationCountsUpFromTheSeed) {
  StackConfig ca = test::config_for(kAddrA);
  ca.identification_seed = 0xfffe;
  test::StackPair pair(1500, ca);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(pair.a->udp_send(1, kAddrB, 9, pattern(10)).ok());
  }
  pair.settle(kT0);
  ASSERT_EQ(pair.rec_a->written.size(), 3u);
  std::vector<std::uint16_t> ids;
  for (const auto& p : pair.rec_a->written) {
    const Result<Ipv4View> v = Ipv4View::parse(p);
    ASSERT_TRUE(v && v->checksum_ok());
    EXPECT_EQ(v->ttl(), 64);
    ids.push_back(v->identification());
  }
  EXPECT_EQ(ids, (std::vector<std::uint16_t>{0xfffe, 0xffff, 0x0000}));
}

TEST(StackOutput, RoutesDecideWhatCanBeSent) {
  test::StackPair pair(1500);
  EXPECT_EQ(pair.a->ip_write(pattern(10), 17, 0xc6336401).error, StackReason::kNoRoute);
  StackConfig with_gateway = test::config_for(kAddrA);
  with_gateway.default_gateway = kAddrB;
  test::StackPair routed(1500, with_gateway);
  EXPECT_TRUE(routed.a->ip_write(pattern(10), 17, 0xc6336401).ok());
  EXPECT_EQ(routed.a->source_for(0xc6336401), kAddrA);
  EXPECT_EQ(pair.a->ip_write(pattern(65516), 17, kAddrB).error, StackReason::kDatagramTooLarge);
  EXPECT_TRUE(pair.a->ip_write(pattern(65515), 17, kAddrB).ok());
  EXPECT_EQ(pair.a->udp_send(1, kAddrB, 9, pattern(65508)).error, StackReason::kDatagramTooLarge);
}

TEST(StackOutput, FullSendQueueRefusesWithoutSpendingAnId) {
  StackConfig ca = test::config_for(kAddrA);
  ca.send_queue_slots = 2;
  ca.identification_seed = 10;
  test::StackPair pair(1500, ca);
  EXPECT_EQ(pair.a->ip_write(pattern(10), 17, kAddrB).identification, 10);
  EXPECT_EQ(pair.a->ip_write(pattern(10), 17, kAddrB).identification, 11);
  EXPECT_EQ(pair.a->ip_write(pattern(10), 17, kAddrB).error, StackReason::kSendQueueFull);
  pair.settle(kT0);
  EXPECT_EQ(pair.a->ip_write(pattern(10), 17, kAddrB).identification, 12);
  const StackStats s = pair.a->stats();
  EXPECT_EQ(s.count(StackReason::kSendQueueFull), 1u);
  EXPECT_EQ(s.send_queue.backpressure, 1u);
}

TEST(StackConfigCheck, RefusesConfigsThatCannotWork) {
  auto [end_a, end_b] = MemoryLink::make_pair({.mtu = 1500, .capacity = 4});
  std::string error;
  EXPECT_FALSE(Stack::create(*end_a, StackConfig{}, &error));
  EXPECT_EQ(error, "no local address configured");
  StackConfig c = test::config_for(kAddrA, "no-such-engine");
  EXPECT_FALSE(Stack::create(*end_a, c, &error));
  EXPECT_NE(error.find("unknown engine 'no-such-engine'"), std::string::npos) << error;
  c = test::config_for(kAddrA);
  c.mtu = 60;
  EXPECT_FALSE(Stack::create(*end_a, c, &error));
  auto [small_a, small_b] = MemoryLink::make_pair({.mtu = 67, .capacity = 4});
  EXPECT_FALSE(Stack::create(*small_a, test::config_for(kAddrA), &error));
  EXPECT_NE(error.find("below the IPv4 minimum"), std::string::npos) << error;
}

TEST(StackStatsText, PrintsCountersAndNonZeroReasons) {
  test::StackPair pair(1500);
  pair.b->udp_bind(7, [](const UdpDatagram&) {});
  ASSERT_EQ(write_packet(*pair.end_a, std::vector<std::uint8_t>(5)).status, LinkStatus::kOk);
  pair.settle(kT0);
  const std::string text = to_string(pair.b->stats());
  EXPECT_NE(text.find("in_receives 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("drop.truncated 1\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("drop.bad-checksum"), std::string::npos) << text;
  EXPECT_NE(text.find("in_pool.backpressure 0\n"), std::string::npos) << text;
}

}  // namespace
}  // namespace ip4ref
