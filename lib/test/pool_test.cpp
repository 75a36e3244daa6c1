// pool_test.cpp: PacketPool, the fixed ring between the stack's managers:
// FIFO order, capacity and back-pressure, headroom, and one producer thread
// against one consumer thread (run under ThreadSanitizer in the tsan build).
#include "ip4ref/pool.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <thread>
#include <vector>

namespace ip4ref {
namespace {

std::vector<std::uint8_t> packet(std::uint8_t fill, std::size_t n) {
  return std::vector<std::uint8_t>(n, fill);
}

TEST(PacketPool, DeliversPacketsInFifoOrderWithTheirLengths) {
  PacketPool pool(4, 100);
  EXPECT_TRUE(pool.empty());
  ASSERT_TRUE(pool.push(packet(1, 10)));
  ASSERT_TRUE(pool.push(packet(2, 100)));
  ASSERT_TRUE(pool.push(packet(3, 1)));
  EXPECT_EQ(pool.size(), 3u);
  for (const int want : {1, 2, 3}) {
    ASSERT_FALSE(pool.empty());
    const Bytes front = pool.front();
    EXPECT_EQ(front.size(), want == 1 ? 10u : want == 2 ? 100u : 1u);
    EXPECT_EQ(front[0], want);
    pool.pop();
  }
  EXPECT_TRUE(pool.empty());
  EXPECT_EQ(pool.stats().pushed, 3u);
  EXPECT_EQ(pool.stats().popped, 3u);
  EXPECT_EQ(pool.stats().high_water, 3u);
}

TEST(PacketPool, FullIsBackPressureCountedOncePerEpisodeNeverADrop) {
  PacketPool pool(2, 8);
  ASSERT_TRUE(pool.push(packet(1, 8)));
  ASSERT_TRUE(pool.push(packet(2, 8)));
  EXPECT_EQ(pool.free_slots(), 0u);
  // Three refused attempts in a row are one back-pressure episode.
  EXPECT_FALSE(pool.push(packet(3, 8)));
  EXPECT_TRUE(pool.reserve().empty());
  EXPECT_FALSE(pool.push(packet(3, 8)));
  EXPECT_EQ(pool.stats().backpressure, 1u);
  // What was in the pool is intact.
  EXPECT_EQ(pool.front()[0], 1);
  pool.pop();
  ASSERT_TRUE(pool.push(packet(3, 8)));   // room again: the episode ends
  EXPECT_FALSE(pool.push(packet(4, 8)));  // a second episode
  EXPECT_EQ(pool.stats().backpressure, 2u);
  EXPECT_EQ(pool.front()[0], 2);
  pool.pop();
  EXPECT_EQ(pool.front()[0], 3);
}

TEST(PacketPool, RefusesAPacketLongerThanASlotAndCountsIt) {
  PacketPool pool(2, 8);
  EXPECT_FALSE(pool.push(packet(1, 9)));
  EXPECT_TRUE(pool.empty());
  EXPECT_EQ(pool.stats().oversize, 1u);
  EXPECT_EQ(pool.stats().backpressure, 0u);
}

TEST(PacketPool, ReserveGivesHeadroomThenRoomForThePacket) {
  PacketPool pool(2, 16, 4);
  const MutableBytes frame = pool.reserve();
  ASSERT_EQ(frame.size(), 20u);
  for (std::size_t i = 0; i < frame.size(); ++i) {
    frame[i] = static_cast<std::uint8_t>(i);
  }
  pool.commit(6);
  EXPECT_EQ(pool.front().size(), 6u);
  EXPECT_EQ(pool.front()[0], 4);  // the packet starts after the headroom
  EXPECT_EQ(pool.front_frame().size(), 10u);
  EXPECT_EQ(pool.front_frame()[0], 0);
}

TEST(PacketPool, ReserveWithoutCommitPublishesNothing) {
  PacketPool pool(1, 8);
  ASSERT_FALSE(pool.reserve().empty());
  EXPECT_TRUE(pool.empty());
  ASSERT_FALSE(pool.reserve().empty());  // the same slot again
  pool.commit(3);
  EXPECT_EQ(pool.size(), 1u);
}

TEST(PacketPool, WrapsAroundManyTimes) {
  PacketPool pool(3, 4);
  for (std::uint32_t i = 0; i < 1000; ++i) {
    ASSERT_TRUE(pool.push(packet(static_cast<std::uint8_t>(i), 1 + i % 4)));
    ASSERT_EQ(pool.front()[0], static_cast<std::uint8_t>(i));
    ASSERT_EQ(pool.front().size(), 1 + i % 4);
    pool.pop();
  }
  EXPECT_EQ(pool.stats().high_water, 1u);
}

// One producer thread, one consumer thread: every packet arrives once, in
// order, with its bytes intact (TSan checks the ordering of the accesses).
TEST(PacketPool, OneProducerThreadOneConsumerThreadLoseNothing) {
  constexpr std::uint32_t kPackets = 200000;
  PacketPool pool(64, 16, 2);
  std::thread producer([&] {
    for (std::uint32_t i = 0; i < kPackets;) {
      const MutableBytes frame = pool.reserve();
      if (frame.empty()) {
        std::this_thread::yield();
        continue;
      }
      const std::size_t length = 4 + i % 12;
      store_be32(frame, 2, i);
      for (std::size_t k = 4; k < length; ++k) {
        frame[2 + k] = static_cast<std::uint8_t>(i + k);
      }
      pool.commit(length);
      ++i;
    }
  });
  std::uint32_t expected = 0;
  bool intact = true;
  while (expected < kPackets) {
    if (pool.empty()) {
      std::this_thread::yield();
      continue;
    }
    const Bytes p = pool.front();
    intact = intact && p.size() == 4 + expected % 12 && load_be32(p, 0) == expected;
    for (std::size_t k = 4; k < p.size(); ++k) {
      intact = intact && p[k] == static_cast<std::uint8_t>(expected + k);
    }
    pool.pop();
    ++expected;
  }
  producer.join();
  EXPECT_TRUE(intact);
  EXPECT_TRUE(pool.empty());
  EXPECT_EQ(pool.stats().pushed, kPackets);
  EXPECT_EQ(pool.stats().popped, kPackets);
}

}  // namespace
}  // namespace ip4ref
