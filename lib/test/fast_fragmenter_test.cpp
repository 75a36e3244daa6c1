// fast_fragmenter_test.cpp: the fast fragmenter against the reference: same
// error, same fragments octet for octet, same ICMP data, same counters, for
// random datagrams, options, MTUs, flags and malformed input.
#include "ip4ref/fast_fragmenter.h"

#include <gtest/gtest.h>

#include "ip4ref/fragmenter.h"
#include "traffic_generator.h"

namespace ip4ref {
namespace {

using test::emit_raw;
using test::RawPacket;
using test::TrafficGenerator;

std::vector<std::uint8_t> random_datagram(TrafficGenerator& g) {
  RawPacket r;
  r.identification = static_cast<std::uint16_t>(g.uniform(0, 0xffff));
  r.protocol = static_cast<std::uint8_t>(g.uniform(0, 255));
  r.tos = static_cast<std::uint8_t>(g.uniform(0, 255));
  r.ttl = static_cast<std::uint8_t>(g.uniform(0, 255));
  r.dont_fragment = g.chance(0.1);
  r.reserved = g.chance(0.1);
  if (g.chance(0.2)) {  // re-fragmenting a fragment, sometimes near the 13-bit limit
    r.more = g.chance(0.5);
    r.offset = g.chance(0.3) ? 8 * g.uniform(8000, 8191) : 8 * g.uniform(0, 4000);
  }
  if (g.chance(0.5)) {
    r.options = g.options();
  }
  const std::size_t max_payload = 65535 - 20 - r.options.size();
  r.payload = g.bytes(g.chance(0.1) ? g.uniform(0, max_payload) : g.uniform(0, 3000));
  auto p = emit_raw(r);
  if (g.chance(0.05)) {
    p = g.garbage(r);
  }
  return p;
}

TEST(FastFragmenter, MatchesReferenceOctetForOctet) {
  TrafficGenerator g(21);
  std::size_t fragmented = 0;
  for (std::size_t i = 0; i < 4000; ++i) {
    const auto packet = random_datagram(g);
    const std::size_t mtu = g.chance(0.05)  ? g.uniform(0, 67)
                            : g.chance(0.5) ? g.uniform(68, 600)
                                            : g.uniform(68, 9000);
    FragmenterStats ref_stats;
    FragmenterStats fast_stats;
    const FragmentResult a = fragment(packet, mtu, &ref_stats);
    const FragmentResult b = fast::fragment(packet, mtu, &fast_stats);
    ASSERT_EQ(a.error, b.error) << "case " << i << " mtu " << mtu;
    ASSERT_EQ(a.fragments, b.fragments) << "case " << i << " mtu " << mtu;
    ASSERT_EQ(a.icmp.next_hop_mtu, b.icmp.next_hop_mtu) << "case " << i;
    ASSERT_EQ(a.icmp.quote, b.icmp.quote) << "case " << i;
    ASSERT_EQ(ref_stats, fast_stats) << "case " << i;
    fragmented += a.fragments.size() > 1 ? 1 : 0;
  }
  EXPECT_GT(fragmented, 1000u);
}

TEST(FastFragmenter, CountsEveryErrorKindOnBothSides) {
  // Each error the reference documents, once, through both.
  TrafficGenerator g(22);
  RawPacket r;
  r.payload = g.bytes(1000);
  const auto ok = emit_raw(r);
  r.dont_fragment = true;
  const auto df = emit_raw(r);
  r.dont_fragment = false;
  r.offset = 65528;
  r.more = true;
  const auto high = emit_raw(r);
  for (const auto& [packet, mtu, reason] :
       std::vector<std::tuple<std::vector<std::uint8_t>, std::size_t, Reason>>{
           {ok, 67, Reason::kMtuTooSmall},
           {df, 576, Reason::kFragmentationNeeded},
           {high, 576, Reason::kDatagramTooLarge},
           {std::vector<std::uint8_t>(10, 0x45), 576, Reason::kTruncated}}) {
    FragmenterStats sa;
    FragmenterStats sb;
    EXPECT_EQ(fragment(packet, mtu, &sa).error, reason);
    EXPECT_EQ(fast::fragment(packet, mtu, &sb).error, reason);
    EXPECT_EQ(sa, sb);
  }
}

}  // namespace
}  // namespace ip4ref
