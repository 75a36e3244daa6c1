// memory_link_test.cpp: the in-process link pair.
#include "ip4ref/memory_link.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdint>
#include <vector>

namespace ip4ref {
namespace {

TEST(MemoryLink, WhatOneEndWritesTheOtherReadsInOrder) {
  auto [a, b] = MemoryLink::make_pair({.mtu = 100, .capacity = 4});
  EXPECT_EQ(a->mtu(), 100u);
  EXPECT_EQ(a->name(), "memory:a");
  const std::vector<std::uint8_t> one(10, 1), two(100, 2);
  EXPECT_EQ(write_packet(*a, one).status, LinkStatus::kOk);
  EXPECT_EQ(write_packet(*a, two).status, LinkStatus::kOk);
  EXPECT_EQ(b->pending(), 2u);
  EXPECT_EQ(a->pending(), 0u);
  std::vector<std::uint8_t> buffer(100);
  LinkIo io = b->read(buffer);
  ASSERT_EQ(io.status, LinkStatus::kOk);
  EXPECT_EQ(io.length, 10u);
  EXPECT_EQ(buffer[0], 1);
  io = b->read(buffer);
  EXPECT_EQ(io.length, 100u);
  EXPECT_EQ(buffer[99], 2);
  EXPECT_EQ(b->read(buffer).status, LinkStatus::kWouldBlock);
  EXPECT_EQ(a->read(buffer).status, LinkStatus::kWouldBlock);
}

TEST(MemoryLink, FullDirectionIsWouldBlockNotLoss) {
  auto [a, b] = MemoryLink::make_pair({.mtu = 10, .capacity = 2});
  const std::vector<std::uint8_t> p(5, 7);
  EXPECT_EQ(write_packet(*a, p).status, LinkStatus::kOk);
  EXPECT_EQ(write_packet(*a, p).status, LinkStatus::kOk);
  EXPECT_EQ(write_packet(*a, p).status, LinkStatus::kWouldBlock);
  EXPECT_EQ(b->incoming_stats().backpressure, 1u);
  EXPECT_EQ(b->pending(), 2u);
}

TEST(MemoryLink, RefusesPacketsOverTheMtu) {
  auto [a, b] = MemoryLink::make_pair({.mtu = 10, .capacity = 2});
  const LinkIo io = write_packet(*a, std::vector<std::uint8_t>(11));
  EXPECT_EQ(io.status, LinkStatus::kError);
  EXPECT_EQ(io.error, EMSGSIZE);
  EXPECT_EQ(b->pending(), 0u);
}

TEST(MemoryLink, ShortReadBufferCutsThePacket) {
  auto [a, b] = MemoryLink::make_pair({.mtu = 10, .capacity = 2});
  ASSERT_EQ(write_packet(*a, std::vector<std::uint8_t>(10, 3)).status, LinkStatus::kOk);
  std::vector<std::uint8_t> buffer(4);
  const LinkIo io = b->read(buffer);
  EXPECT_EQ(io.length, 4u);
  EXPECT_EQ(b->pending(), 0u);
}

}  // namespace
}  // namespace ip4ref
