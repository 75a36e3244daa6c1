// run_loop.cpp: the parts of the stack that read a clock or wait: the
// blocking run loop and the threaded mode. Everything else under lib/ takes
// `Instant now` as a parameter (DESIGN.md "Time is a parameter").
#include <poll.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>
#include <utility>

#include "input_manager.h"
#include "ip4ref/stack.h"
#include "output_manager.h"
#include "stack_threads.h"
#include "traffic_manager.h"

namespace ip4ref {
namespace {

// The run loop wakes at least this often to see `stop`.
constexpr std::int64_t kMaxWaitNs = 100'000'000;  // 100 ms
// Threaded mode: how long an idle input or output thread sleeps.
constexpr auto kIdleSleep = std::chrono::microseconds(50);
// Threaded mode: the traffic thread's longest wait on the link descriptor.
constexpr int kTrafficPollMs = 1;

}  // namespace

Instant steady_now() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return Instant::from_ns(std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec);
}

// Idle: wait until the link has a packet, the next reassembly deadline, or
// max_wait_ns, whichever comes first.
void Stack::wait_for_work(Instant now, std::int64_t max_wait_ns) {
  std::int64_t wait_ns = max_wait_ns;
  if (const std::optional<Instant> deadline = next_timer()) {
    wait_ns = std::clamp<std::int64_t>((*deadline - now).ns(), 0, max_wait_ns);
  }
  const int fd = link_.poll_fd();
  // With in_pool full, a readable link is not work we can take: just sleep.
  if (fd < 0 || in_pool_->free_slots() == 0) {
    std::this_thread::sleep_for(
        std::chrono::nanoseconds(std::min<std::int64_t>(wait_ns, 1'000'000)));
    return;
  }
  pollfd p{fd, POLLIN, 0};
  // Round up so a deadline 0.5 ms away is not busy-polled.
  const int timeout_ms = static_cast<int>((wait_ns + 999'999) / 1'000'000);
  const int ready = ::poll(&p, 1, timeout_ms);
  if (ready > 0 && (p.revents & (POLLERR | POLLHUP | POLLNVAL)) != 0) {
    // A broken descriptor polls ready forever; the read error is counted by
    // the traffic manager. Do not spin on it.
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void Stack::run(const Clock& clock, const std::atomic<bool>& stop) {
  while (!stop.load(std::memory_order_acquire)) {
    const Instant now = clock();
    if (poll(now)) {
      continue;
    }
    wait_for_work(now, kMaxWaitNs);
  }
}

void Stack::start_threads(Clock clock) {
  if (threads_) {
    return;
  }
  threads_ = std::make_unique<Threads>();
  Threads& t = *threads_;
  t.traffic = std::thread([this, &t] {
    while (!t.stop.load(std::memory_order_acquire)) {
      bool progress = traffic_->receive();
      if (traffic_->transmit()) {
        progress = true;
      }
      if (progress) {
        continue;
      }
      const int fd = link_.poll_fd();
      if (fd >= 0 && in_pool_->free_slots() != 0) {
        pollfd p{fd, POLLIN, 0};
        ::poll(&p, 1, kTrafficPollMs);
      } else {
        std::this_thread::sleep_for(kIdleSleep);
      }
    }
  });
  t.input = std::thread([this, &t, clock = std::move(clock)] {
    while (!t.stop.load(std::memory_order_acquire)) {
      if (!input_->step(clock())) {
        std::this_thread::sleep_for(kIdleSleep);
      }
    }
  });
  t.output = std::thread([this, &t] {
    while (!t.stop.load(std::memory_order_acquire)) {
      if (!output_->step()) {
        std::this_thread::sleep_for(kIdleSleep);
      }
    }
  });
}

void Stack::stop_threads() {
  if (!threads_) {
    return;
  }
  threads_->stop.store(true, std::memory_order_release);
  threads_->traffic.join();
  threads_->input.join();
  threads_->output.join();
  threads_.reset();
}

}  // namespace ip4ref
