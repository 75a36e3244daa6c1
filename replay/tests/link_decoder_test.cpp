// link_decoder_test.cpp: every link type the replay tool reads, byte vectors
// per https://www.tcpdump.org/linktypes.html.
#include "link_decoder.h"

#include <gtest/gtest.h>
#include <pcap/pcap.h>

#include <vector>

namespace ip4ref::replay {
namespace {

using Frame = std::vector<std::uint8_t>;

// A 20-octet IPv4 header stand-in: only the first nibble matters here.
const Frame kIp = {0x45, 0, 0, 20, 0, 1, 0, 0, 64, 17, 0, 0, 192, 0, 2, 1, 198, 51, 100, 1};

Frame cat(Frame a, const Frame& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

const Frame kMacs = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1};

struct Case {
  const char* name;
  int dlt;
  Frame frame;
  LinkPayload kind;
};

std::vector<Case> cases() {
  return {
      {"ethernet", DLT_EN10MB, cat(cat(kMacs, {0x08, 0x00}), kIp), LinkPayload::kIpv4},
      {"ethernet_ipv6", DLT_EN10MB, cat(cat(kMacs, {0x86, 0xdd}), kIp), LinkPayload::kOther},
      {"ethernet_8023_length", DLT_EN10MB, cat(cat(kMacs, {0x00, 0x40}), kIp), LinkPayload::kOther},
      {"ethernet_short", DLT_EN10MB, Frame(13, 0), LinkPayload::kTruncated},
      {"vlan_8021q", DLT_EN10MB, cat(cat(kMacs, {0x81, 0x00, 0x00, 0x0a, 0x08, 0x00}), kIp),
       LinkPayload::kIpv4},
      {"qinq_8021ad", DLT_EN10MB,
       cat(cat(kMacs, {0x88, 0xa8, 0x00, 0x64, 0x81, 0x00, 0x00, 0x0a, 0x08, 0x00}), kIp),
       LinkPayload::kIpv4},
      {"qinq_9100", DLT_EN10MB,
       cat(cat(kMacs, {0x91, 0x00, 0x00, 0x64, 0x81, 0x00, 0x00, 0x0a, 0x08, 0x00}), kIp),
       LinkPayload::kIpv4},
      {"vlan_tag_cut", DLT_EN10MB, cat(kMacs, {0x81, 0x00, 0x00}), LinkPayload::kTruncated},
      {"sll", DLT_LINUX_SLL, cat({0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00}, kIp),
       LinkPayload::kIpv4},
      {"sll_arp", DLT_LINUX_SLL, cat({0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x06}, kIp),
       LinkPayload::kOther},
      {"sll_short", DLT_LINUX_SLL, Frame(15, 0), LinkPayload::kTruncated},
      {"sll2", DLT_LINUX_SLL2,
       cat({0x08, 0x00, 0, 0, 0, 0, 0, 3, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0}, kIp),
       LinkPayload::kIpv4},
      {"sll2_ipv6", DLT_LINUX_SLL2,
       cat({0x86, 0xdd, 0, 0, 0, 0, 0, 3, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0}, kIp),
       LinkPayload::kOther},
      {"raw_v4", DLT_RAW, kIp, LinkPayload::kIpv4},
      {"raw_v6", DLT_RAW, Frame{0x60, 0, 0, 0}, LinkPayload::kOther},
      {"raw_empty", DLT_RAW, Frame{}, LinkPayload::kTruncated},
      {"ipv4", DLT_IPV4, kIp, LinkPayload::kIpv4},
      {"ipv6_linktype", DLT_IPV6, Frame{0x60, 0, 0, 0}, LinkPayload::kOther},
      {"null_host_order_le", DLT_NULL, cat({2, 0, 0, 0}, kIp), LinkPayload::kIpv4},
      {"null_host_order_be", DLT_NULL, cat({0, 0, 0, 2}, kIp), LinkPayload::kIpv4},
      {"null_inet6", DLT_NULL, cat({30, 0, 0, 0}, kIp), LinkPayload::kOther},
      {"loop_network_order", DLT_LOOP, cat({0, 0, 0, 2}, kIp), LinkPayload::kIpv4},
      {"loop_swapped_utun", DLT_LOOP, cat({2, 0, 0, 0}, kIp), LinkPayload::kIpv4},
      {"loop_short", DLT_LOOP, Frame{0, 0, 0}, LinkPayload::kTruncated},
  };
}

class LinkTypes : public ::testing::TestWithParam<Case> {};

TEST_P(LinkTypes, DecodesToTheIpv4PacketOrSaysWhyNot) {
  const Case& c = GetParam();
  ASSERT_TRUE(link_type_supported(c.dlt));
  const LinkDecode d = decode_link(c.dlt, c.frame);
  EXPECT_EQ(d.kind, c.kind);
  if (c.kind == LinkPayload::kIpv4) {
    ASSERT_EQ(d.ipv4.size(), kIp.size());
    EXPECT_TRUE(std::equal(d.ipv4.begin(), d.ipv4.end(), kIp.begin()));
  }
}

INSTANTIATE_TEST_SUITE_P(Decoder, LinkTypes, ::testing::ValuesIn(cases()),
                         [](const auto& p) { return std::string(p.param.name); });

TEST(LinkTypes, ManyStackedTagsAreBoundedNotLooped) {
  Frame f = kMacs;
  for (int i = 0; i < 100; ++i) {
    f.insert(f.end(), {0x81, 0x00, 0x00, 0x01});
  }
  f.insert(f.end(), {0x08, 0x00});
  EXPECT_EQ(decode_link(DLT_EN10MB, f).kind, LinkPayload::kOther);
}

TEST(LinkTypes, UnsupportedTypesAreNamed) {
  EXPECT_FALSE(link_type_supported(DLT_IEEE802_11));
  EXPECT_EQ(link_type_name(DLT_EN10MB), "EN10MB");
  EXPECT_EQ(link_type_name(99999), "DLT 99999");
}

}  // namespace
}  // namespace ip4ref::replay
