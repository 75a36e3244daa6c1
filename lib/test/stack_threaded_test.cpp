// stack_threaded_test.cpp: the threaded mode (a traffic, an input and an
// output thread per stack, pools between them), two stacks on a memory link,
// with application threads calling ip_write concurrently. Built and run under
// ThreadSanitizer in the tsan build (-DIP4REF_SANITIZE=thread).
//
// Time is still a parameter: the stacks read a test clock that never moves,
// so no reassembly deadline can pass; only the scheduling is real.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "ip4ref/icmp.h"
#include "ip4ref/stack.h"
#include "stack_pair.h"

namespace ip4ref {
namespace {

using test::kAddrA;
using test::kAddrB;
using test::pattern;

const Clock kFrozenClock = [] { return Instant::from_ns(1'000'000'000); };

// What a handler thread collects, and a way for the test thread to wait on it.
template <typename T>
class Inbox {
 public:
  void put(T item) {
    {
      const std::lock_guard lock(mutex_);
      items_.push_back(std::move(item));
    }
    changed_.notify_all();
  }
  // Waits (at most 30 s) until `n` items arrived; returns them.
  std::vector<T> wait_for(std::size_t n) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, std::chrono::seconds(30), [&] { return items_.size() >= n; });
    return items_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<T> items_;
};

// ip_write from an application thread: a full send queue is back-pressure,
// so retry until it is queued.
template <typename Send>
void send_retrying(Send send) {
  while (true) {
    const SendResult r = send();
    if (r.ok()) {
      return;
    }
    ASSERT_EQ(r.error, StackReason::kSendQueueFull);
    std::this_thread::yield();
  }
}

std::uint64_t total_drops(const StackStats& s) {
  std::uint64_t n = 0;
  for (std::uint64_t c : s.by_reason) {
    n += c;
  }
  for (std::size_t i = 0; i < kStackReasonCount; ++i) {
    // A refused ip_write is the application's back-pressure, not a loss.
    if (static_cast<StackReason>(i) != StackReason::kSendQueueFull) {
      n += s.by_stack_reason[i];
    }
  }
  return n;
}

TEST(StackThreaded, PingAcrossMtusWithThreadsRunning) {
  for (std::size_t mtu : {1500, 576, 68}) {
    SCOPED_TRACE(mtu);
    test::StackPair pair(mtu);
    Inbox<std::vector<std::uint8_t>> replies;
    pair.a->set_protocol_handler(kIpProtoIcmp, [&](const ReceivedDatagram& d) {
      replies.put({d.ip.payload().begin(), d.ip.payload().end()});
    });
    pair.a->start_threads(kFrozenClock);
    pair.b->start_threads(kFrozenClock);
    const std::vector<std::size_t> sizes = {56, 1472, 1473, 4000, 30000, 65507};
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      const auto request = make_echo_request(7, static_cast<std::uint16_t>(i), pattern(sizes[i]));
      send_retrying([&] { return pair.a->ip_write(request, kIpProtoIcmp, kAddrB); });
    }
    const auto got = replies.wait_for(sizes.size());
    pair.a->stop_threads();
    pair.b->stop_threads();
    ASSERT_EQ(got.size(), sizes.size());
    for (const auto& reply : got) {
      const Result<IcmpView> icmp = IcmpView::parse(reply);
      ASSERT_TRUE(icmp && icmp->checksum_ok());
      EXPECT_EQ(icmp->type(), icmp_type::kEchoReply);
      ASSERT_LT(icmp->sequence(), sizes.size());
      EXPECT_TRUE(std::ranges::equal(icmp->data(), pattern(sizes[icmp->sequence()])));
    }
    EXPECT_EQ(total_drops(pair.a->stats()), 0u) << to_string(pair.a->stats());
    EXPECT_EQ(total_drops(pair.b->stats()), 0u) << to_string(pair.b->stats());
  }
}

// Both stacks send at once from application threads while B's input thread
// echoes: ip_write is entered from two threads per stack.
TEST(StackThreaded, ConcurrentSendersAndAnEchoLoseNothing) {
  StackConfig ca = test::config_for(kAddrA);
  StackConfig cb = test::config_for(kAddrB);
  ca.shuffle_fragments = cb.shuffle_fragments = true;
  ca.in_pool_slots = cb.in_pool_slots = 8;  // small pools: plenty of back-pressure
  ca.send_queue_slots = cb.send_queue_slots = 2;
  ca.reply_queue_slots = cb.reply_queue_slots = 2;
  test::StackPair pair(576, ca, cb, /*link_capacity=*/16);
  Stack& b = *pair.b;
  b.udp_bind(7, [&b](const UdpDatagram& d) {
    // From inside a handler: the reply queue always has room for one reply,
    // whatever B's application thread does to the send queue.
    EXPECT_TRUE(b.udp_send(7, d.source, d.source_port, d.payload).ok());
  });
  Inbox<std::vector<std::uint8_t>> echoes;  // at A, from B:7
  Inbox<std::vector<std::uint8_t>> direct;  // at A:9, from B's application thread
  pair.a->udp_bind(5000, [&](const UdpDatagram& d) {
    echoes.put({d.payload.begin(), d.payload.end()});
  });
  pair.a->udp_bind(9, [&](const UdpDatagram& d) {
    direct.put({d.payload.begin(), d.payload.end()});
  });
  pair.a->start_threads(kFrozenClock);
  pair.b->start_threads(kFrozenClock);

  constexpr std::size_t kEach = 300;
  auto size_of = [](std::size_t i) { return 1 + (i * 997) % 3000; };
  std::thread from_b([&] {
    for (std::size_t i = 0; i < kEach; ++i) {
      const auto data = pattern(size_of(i), static_cast<std::uint8_t>(i));
      send_retrying([&] { return b.udp_send(9, kAddrA, 9, data); });
    }
  });
  for (std::size_t i = 0; i < kEach; ++i) {
    const auto data = pattern(size_of(i), static_cast<std::uint8_t>(i));
    send_retrying([&] { return pair.a->udp_send(5000, kAddrB, 7, data); });
  }
  from_b.join();
  const auto got_echoes = echoes.wait_for(kEach);
  const auto got_direct = direct.wait_for(kEach);
  pair.a->stop_threads();
  pair.b->stop_threads();

  ASSERT_EQ(got_echoes.size(), kEach);
  ASSERT_EQ(got_direct.size(), kEach);
  // Datagrams from one sender arrive in the order sent (one FIFO path).
  for (std::size_t i = 0; i < kEach; ++i) {
    EXPECT_EQ(got_echoes[i], pattern(size_of(i), static_cast<std::uint8_t>(i))) << i;
    EXPECT_EQ(got_direct[i], pattern(size_of(i), static_cast<std::uint8_t>(i))) << i;
  }
  const StackStats sa = pair.a->stats();
  const StackStats sb = pair.b->stats();
  EXPECT_EQ(total_drops(sa), 0u) << to_string(sa);
  EXPECT_EQ(total_drops(sb), 0u) << to_string(sb);
  EXPECT_EQ(sa.udp_in_datagrams, 2 * kEach);
  EXPECT_EQ(sb.udp_in_datagrams, kEach);
  EXPECT_EQ(sb.udp_out_datagrams, 2 * kEach);
}

TEST(StackThreaded, StartAndStopAreIdempotent) {
  test::StackPair pair(1500);
  pair.a->start_threads(kFrozenClock);
  pair.a->start_threads(kFrozenClock);
  EXPECT_TRUE(pair.a->threaded());
  pair.a->stop_threads();
  pair.a->stop_threads();
  EXPECT_FALSE(pair.a->threaded());
  // Back to deterministic polling.
  ASSERT_TRUE(pair.a->udp_send(1, kAddrB, 9, pattern(10)).ok());
  pair.settle(Instant::from_ns(1));
  EXPECT_EQ(pair.b->stats().in_receives, 1u);
}

}  // namespace
}  // namespace ip4ref
