// route_table_test.cpp: addresses, prefixes and longest-prefix routing
// (RFC 1122 3.3.1).
#include "ip4ref/route_table.h"

#include <gtest/gtest.h>

#include "ip4ref/ipv4_address.h"

namespace ip4ref {
namespace {

TEST(Ipv4Address, ParsesStrictDottedQuads) {
  EXPECT_EQ(parse_ipv4("192.0.2.1"), 0xc0000201u);
  EXPECT_EQ(parse_ipv4("0.0.0.0"), 0u);
  EXPECT_EQ(parse_ipv4("255.255.255.255"), 0xffffffffu);
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4 ", "1..2.3",
                          "a.b.c.d", "-1.2.3.4", "1.2.3.4/24"}) {
    EXPECT_FALSE(parse_ipv4(bad)) << bad;
  }
}

TEST(Ipv4Address, ParsesPrefixesAndComputesBroadcast) {
  const auto p = Ipv4Prefix::parse("192.0.2.2/24");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->address, 0xc0000202u);
  EXPECT_EQ(p->length, 24);
  EXPECT_EQ(p->network(), 0xc0000200u);
  EXPECT_EQ(p->broadcast(), 0xc00002ffu);
  EXPECT_TRUE(p->contains(0xc00002feu));
  EXPECT_FALSE(p->contains(0xc0000302u));
  EXPECT_EQ(to_string(*p), "192.0.2.2/24");
  EXPECT_EQ(Ipv4Prefix::parse("198.51.100.7")->length, 32);
  EXPECT_EQ(Ipv4Prefix::parse("0.0.0.0/0")->mask(), 0u);
  EXPECT_FALSE(Ipv4Prefix::parse("192.0.2.2/33"));
  EXPECT_FALSE(Ipv4Prefix::parse("192.0.2.2/"));
  EXPECT_FALSE(Ipv4Prefix::parse("192.0.2.2/024"));
}

TEST(RouteTable, ConnectedSubnetIsOnLink) {
  RouteTable t;
  t.add_connected(*Ipv4Prefix::parse("192.0.2.2/24"));
  const auto hop = t.lookup(0xc0000263u);  // 192.0.2.99
  ASSERT_TRUE(hop);
  EXPECT_EQ(hop->address, 0xc0000263u);
  EXPECT_EQ(hop->route.gateway, 0u);
  EXPECT_FALSE(t.lookup(0xc6336401u));  // 198.51.100.1: no route
}

TEST(RouteTable, DefaultGatewayTakesTheRest) {
  RouteTable t;
  t.add_connected(*Ipv4Prefix::parse("192.0.2.2/24"));
  t.add_default(0xc0000201u);
  const auto hop = t.lookup(0xc6336401u);
  ASSERT_TRUE(hop);
  EXPECT_EQ(hop->address, 0xc0000201u);
}

TEST(RouteTable, LongestPrefixWinsThenFirstAdded) {
  RouteTable t;
  t.add(Route{*Ipv4Prefix::parse("198.51.100.0/24"), 0xc0000201u});
  t.add(Route{*Ipv4Prefix::parse("198.51.100.128/25"), 0xc0000203u});
  t.add(Route{*Ipv4Prefix::parse("198.51.100.0/24"), 0xc0000204u});
  EXPECT_EQ(t.lookup(0xc6336481u)->address, 0xc0000203u);  // .129 -> /25
  EXPECT_EQ(t.lookup(0xc6336401u)->address, 0xc0000201u);  // .1 -> first /24
}

TEST(RouteTable, LimitedBroadcastIsAlwaysOnLink) {
  RouteTable t;
  const auto hop = t.lookup(kLimitedBroadcast);
  ASSERT_TRUE(hop);
  EXPECT_EQ(hop->address, kLimitedBroadcast);
}

}  // namespace
}  // namespace ip4ref
