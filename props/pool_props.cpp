// pool_props.cpp: PacketPool (lib/include/ip4ref/pool.h), the fixed ring of
// slots between the stack's managers. DESIGN.md "Pools": "fixed-capacity
// rings of fixed-size slots allocated once. Full means back-pressure,
// counted, never a silent drop. Single-producer/single-consumer safe."
//
// Two properties:
// - one thread, a generated schedule of pushes, reserve/commit, abandoned
//   reserves, oversize pushes and pops against a std::deque model: after
//   every step the same contents (FIFO, bytes and lengths), size, free slots
//   and the same counters (pushed, popped, back-pressure episodes, oversize,
//   high water);
// - a producer thread and a consumer thread with a generated consumer
//   schedule (pop bursts, and pauses until the producer has found the pool
//   full): every item arrives once, in order, intact; never more than
//   `capacity` outstanding; every episode the producer saw is the pool's
//   back-pressure count. Run under ThreadSanitizer too (props/README.md).
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <ostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "generators.h"
#include "ip4ref/pool.h"

namespace ip4ref::props {
namespace {

// The parts of a failure message, streamed into one string.
template <typename... Parts>
std::string cat(const Parts&... parts) {
  std::ostringstream os;
  (os << ... << parts);
  return os.str();
}

// ------------------------------------------------------------------ shapes

struct PoolShape {
  std::size_t capacity = 1;
  std::size_t packet_size = 1;
  std::size_t headroom = 0;
};

std::ostream& operator<<(std::ostream& os, const PoolShape& s) {
  return os << "pool{capacity " << s.capacity << " packet_size " << s.packet_size << " headroom "
            << s.headroom << "}";
}

rc::Gen<PoolShape> gen_shape() {
  return rc::gen::exec([] {
    PoolShape s;
    s.capacity = *rc::gen::weightedOneOf<std::size_t>(
        {{2, rc::gen::element<std::size_t>(1, 2, 3)}, {2, rc::gen::inRange<std::size_t>(1, 17)}});
    s.packet_size = *rc::gen::weightedOneOf<std::size_t>(
        {{1, rc::gen::element<std::size_t>(1, 2)}, {3, rc::gen::inRange<std::size_t>(1, 80)}});
    s.headroom = *rc::gen::element<std::size_t>(0, 0, 4, 7);
    return s;
  });
}

// The octets of item `seq` (any length): every item differs from its
// neighbours, so a lost, repeated or reordered item never looks right.
std::vector<std::uint8_t> item(std::uint64_t seq, std::size_t length) {
  std::vector<std::uint8_t> out(length);
  for (std::size_t i = 0; i < length; ++i) {
    out[i] = payload_octet(seq, i);
  }
  return out;
}

// ------------------------------------------------------------ the schedule

struct PoolOp {
  enum class Kind {
    kPush,            // push(item) of `length` octets
    kReserveCommit,   // reserve(), write headroom scratch + item, commit(length)
    kReserveAbandon,  // reserve() and never commit
    kOversizePush,    // push() of packet_size + `length` octets (length >= 1)
    kPop,             // front(), front_frame(), pop() when not empty
  };
  Kind kind = Kind::kPop;
  std::size_t length = 0;
};

std::ostream& operator<<(std::ostream& os, const PoolOp& op) {
  switch (op.kind) {
    case PoolOp::Kind::kPush:
      return os << "push " << op.length;
    case PoolOp::Kind::kReserveCommit:
      return os << "reserve+commit " << op.length;
    case PoolOp::Kind::kReserveAbandon:
      return os << "reserve (abandoned)";
    case PoolOp::Kind::kOversizePush:
      return os << "push packet_size+" << op.length;
    case PoolOp::Kind::kPop:
      return os << "pop";
  }
  return os;
}

rc::Gen<PoolOp> gen_op(std::size_t packet_size) {
  using K = PoolOp::Kind;
  const auto length =
      rc::gen::weightedOneOf<std::size_t>({{1, rc::gen::element<std::size_t>(0, packet_size)},
                                           {3, rc::gen::inRange<std::size_t>(0, packet_size + 1)}});
  return rc::gen::weightedOneOf<PoolOp>({
      {4, rc::gen::map(length,
                       [](std::size_t n) {
                         return PoolOp{K::kPush, n};
                       })},
      {2, rc::gen::map(length,
                       [](std::size_t n) {
                         return PoolOp{K::kReserveCommit, n};
                       })},
      {1, rc::gen::just(PoolOp{K::kReserveAbandon, 0})},
      {1, rc::gen::map(rc::gen::inRange<std::size_t>(1, 4),
                       [](std::size_t n) {
                         return PoolOp{K::kOversizePush, n};
                       })},
      {4, rc::gen::just(PoolOp{K::kPop, 0})},
  });
}

// ---------------------------------------------------------------- the model

// What pool.h promises, written as plainly as possible.
struct PoolModel {
  std::size_t capacity;
  std::deque<std::vector<std::uint8_t>> held;
  PoolStats stats;
  bool blocked = false;  // the last reserve() found the pool full

  // reserve(): room or a back-pressure episode (counted once per episode).
  bool reserve() {
    if (held.size() == capacity) {
      if (!blocked) {
        ++stats.backpressure;
      }
      blocked = true;
      return false;
    }
    blocked = false;
    return true;
  }
  void commit(std::vector<std::uint8_t> packet) {
    held.push_back(std::move(packet));
    ++stats.pushed;
    stats.high_water = std::max(stats.high_water, held.size());
  }
};

std::string describe(const PoolStats& s) {
  std::ostringstream os;
  os << "{pushed " << s.pushed << " popped " << s.popped << " backpressure " << s.backpressure
     << " oversize " << s.oversize << " high_water " << s.high_water << "}";
  return os.str();
}

// Applies one op to the pool and the model; false (with a message) when the
// pool said something else than the model.
bool apply(const PoolOp& op, PacketPool& pool, PoolModel& model, std::uint64_t& seq,
           std::string& why) {
  using K = PoolOp::Kind;
  const std::size_t size = pool.packet_size();
  switch (op.kind) {
    case K::kPush: {
      const std::vector<std::uint8_t> packet = item(seq, op.length);
      const bool want = model.reserve();
      if (pool.push(packet) != want) {
        why = want ? "push refused with room" : "push accepted into a full pool";
        return false;
      }
      if (want) {
        model.commit(packet);
        ++seq;
      }
      return true;
    }
    case K::kReserveCommit: {
      const std::vector<std::uint8_t> packet = item(seq, op.length);
      const bool want = model.reserve();
      const MutableBytes frame = pool.reserve();
      if (frame.empty() == want) {
        why = want ? "reserve found no slot with room" : "reserve gave a slot in a full pool";
        return false;
      }
      if (!want) {
        return true;
      }
      if (frame.size() != pool.headroom() + size) {
        why = "reserved frame of " + std::to_string(frame.size()) + " octets";
        return false;
      }
      std::fill_n(frame.begin(), pool.headroom(), std::uint8_t{0xee});  // scratch
      std::copy(packet.begin(), packet.end(), frame.begin() + static_cast<long>(pool.headroom()));
      pool.commit(op.length);
      model.commit(packet);
      ++seq;
      return true;
    }
    case K::kReserveAbandon: {
      const bool want = model.reserve();
      if (pool.reserve().empty() == want) {
        why = want ? "reserve found no slot with room" : "reserve gave a slot in a full pool";
        return false;
      }
      return true;
    }
    case K::kOversizePush: {
      // Refused before any slot is looked at: no back-pressure, nothing stored.
      ++model.stats.oversize;
      if (pool.push(item(seq, size + op.length))) {
        why = "oversize packet accepted";
        return false;
      }
      return true;
    }
    case K::kPop: {
      if (model.held.empty()) {
        return true;  // pop() on an empty pool is a precondition violation
      }
      const std::vector<std::uint8_t>& want = model.held.front();
      const Bytes got = pool.front();
      if (!std::equal(got.begin(), got.end(), want.begin(), want.end())) {
        why = "front() is " + std::to_string(got.size()) + " octets, not the oldest item (" +
              std::to_string(want.size()) + " octets)";
        return false;
      }
      const MutableBytes frame = pool.front_frame();
      if (frame.size() != pool.headroom() + want.size() ||
          !std::equal(want.begin(), want.end(),
                      frame.begin() + static_cast<long>(pool.headroom()))) {
        why = "front_frame() is not headroom + the oldest item";
        return false;
      }
      pool.pop();
      model.held.pop_front();
      ++model.stats.popped;
      return true;
    }
  }
  return false;
}

RC_GTEST_PROP(Pool, OneThreadIsAFifoThatLosesNothingAndCountsBackPressureLikeTheModel, ()) {
  const PoolShape shape = *gen_shape().as("shape");
  const std::vector<PoolOp> ops =
      *rc::gen::container<std::vector<PoolOp>>(gen_op(shape.packet_size)).as("ops");
  PacketPool pool(shape.capacity, shape.packet_size, shape.headroom);
  PoolModel model{shape.capacity, {}, {}, false};
  std::uint64_t seq = 0;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    std::string why;
    if (!apply(ops[i], pool, model, seq, why)) {
      RC_FAIL(cat("op #", i, " (", ops[i], "): ", why));
    }
    const std::size_t n = model.held.size();
    RC_ASSERT(pool.size() == n);
    RC_ASSERT(pool.empty() == (n == 0));
    RC_ASSERT(pool.free_slots() == shape.capacity - n);
    if (!(pool.stats() == model.stats)) {
      RC_FAIL(cat("after op #", i, " (", ops[i], "): pool ", describe(pool.stats()), ", model ",
                  describe(model.stats)));
    }
  }
  // Drain: whatever is left comes out in order.
  std::uint64_t drained = 0;
  while (!model.held.empty()) {
    std::string why;
    if (!apply(PoolOp{PoolOp::Kind::kPop, 0}, pool, model, seq, why)) {
      RC_FAIL(cat("draining: ", why));
    }
    ++drained;
  }
  RC_ASSERT(pool.empty());
  RC_ASSERT(pool.stats().popped == pool.stats().pushed);
  RC_TAG(drained == 0 ? "empty at end" : "drained");
  RC_TAG(model.stats.backpressure > 0 ? "back-pressure" : "never full");
}

// ----------------------------------------------------- producer and consumer

// One step of the consumer thread's schedule.
struct ConsumerStep {
  std::size_t pops = 0;  // 0: wait until the producer has found the pool full (or is done)
};

std::ostream& operator<<(std::ostream& os, const ConsumerStep& s) {
  return s.pops == 0 ? os << "wait-full" : os << "pop " << s.pops;
}

// A spin that fails instead of hanging when the other thread stops moving
// (a broken pool can leave the producer retrying forever). A stall guard, not
// a time measurement: ten seconds without progress.
class StallGuard {
 public:
  explicit StallGuard(std::atomic<bool>& stalled) : stalled_(stalled) {}
  // True while waiting may go on.
  bool keep_waiting() {
    if (stalled_.load(std::memory_order_relaxed)) {
      return false;
    }
    if (++spins_ % 1024 == 0 &&
        std::chrono::steady_clock::now() - since_ > std::chrono::seconds(10)) {
      stalled_.store(true);
      return false;
    }
    std::this_thread::yield();
    return true;
  }
  void progress() { since_ = std::chrono::steady_clock::now(); }

 private:
  std::atomic<bool>& stalled_;
  std::uint64_t spins_ = 0;
  std::chrono::steady_clock::time_point since_ = std::chrono::steady_clock::now();
};

RC_GTEST_PROP(Pool, ProducerAndConsumerThreadsGetEveryItemOnceInOrderWithinCapacity, ()) {
  const PoolShape shape = *gen_shape().as("shape");
  const std::size_t items =
      *rc::gen::weightedOneOf<std::size_t>({{1, rc::gen::inRange<std::size_t>(0, 40)},
                                            {3, rc::gen::inRange<std::size_t>(40, 3000)}})
           .as("items");
  const std::uint64_t seed = *rc::gen::arbitrary<std::uint64_t>().as("length seed");
  // The consumer repeats its schedule, which ends with a pop step so that
  // every round makes progress.
  std::vector<ConsumerStep> schedule =
      *rc::gen::container<std::vector<ConsumerStep>>(
           rc::gen::weightedOneOf<ConsumerStep>(
               {{1, rc::gen::just(ConsumerStep{0})},
                {3, rc::gen::map(rc::gen::inRange<std::size_t>(1, 2 * shape.capacity + 2),
                                 [](std::size_t n) { return ConsumerStep{n}; })}}))
           .as("consumer schedule (repeated, then pop 1)");
  schedule.push_back(ConsumerStep{1});
  // Item i: length from the seed; odd ones go through reserve/commit.
  const auto length_of = [&](std::uint64_t i) {
    return std::size_t{payload_octet(seed, i)} % (shape.packet_size + 1);
  };

  PacketPool pool(shape.capacity, shape.packet_size, shape.headroom);
  std::atomic<bool> stalled{false};
  std::atomic<std::uint64_t> published{0};        // producer: items pushed so far
  std::atomic<std::uint64_t> failed_attempts{0};  // producer: reserve/push refused
  std::atomic<std::uint64_t> claimed{0};  // consumer: counted *before* pop(), so >= pops done
  std::uint64_t producer_episodes = 0;    // producer-owned until join
  std::string producer_error;             // producer-owned until join

  std::thread producer([&] {
    StallGuard guard(stalled);
    bool blocked = false;
    for (std::uint64_t i = 0; i < items;) {
      const std::vector<std::uint8_t> packet = item(i, length_of(i));
      bool ok = false;
      if (i % 2 == 0) {
        ok = pool.push(packet);
      } else {
        const MutableBytes frame = pool.reserve();
        if (!frame.empty()) {
          std::copy(packet.begin(), packet.end(),
                    frame.begin() + static_cast<long>(shape.headroom));
          pool.commit(packet.size());
          ok = true;
        }
      }
      if (!ok) {
        producer_episodes += blocked ? 0 : 1;
        blocked = true;
        failed_attempts.fetch_add(1);
        if (!guard.keep_waiting()) {
          producer_error = "producer stalled at item " + std::to_string(i);
          return;
        }
        continue;
      }
      blocked = false;
      guard.progress();
      ++i;
      published.store(i);
      // A lower bound of what the pool holds: pushes done minus pops begun.
      const std::uint64_t outstanding = i - std::min(i, claimed.load());
      if (outstanding > shape.capacity && producer_error.empty()) {
        producer_error = "at least " + std::to_string(outstanding) + " items outstanding";
      }
    }
  });

  std::string consumer_error;
  std::uint64_t next = 0;
  std::uint64_t pauses = 0;  // wait-full steps with more than `capacity` items to come
  StallGuard guard(stalled);
  for (std::size_t step = 0; next < items && consumer_error.empty(); ++step) {
    const ConsumerStep s = schedule[step % schedule.size()];
    if (s.pops == 0) {
      // Wait until the producer has been refused once more (the pool is full
      // and we are not popping), or has published everything.
      const std::uint64_t before = failed_attempts.load();
      const bool must_fill = items - next > shape.capacity;
      while (failed_attempts.load() == before && published.load() < items) {
        if (!guard.keep_waiting()) {
          consumer_error = "consumer stalled waiting for a full pool";
          break;
        }
      }
      // With more items to come than the pool holds and nobody popping, the
      // producer must be refused: a pool that took them all dropped or
      // overwrote some.
      if (must_fill && consumer_error.empty() && failed_attempts.load() == before) {
        consumer_error = "the producer published " + std::to_string(items - next) +
                         " items into a pool of " + std::to_string(shape.capacity) +
                         " while the consumer paused";
      }
      pauses += must_fill ? 1 : 0;
      guard.progress();
      continue;
    }
    for (std::size_t k = 0; k < s.pops && next < items; ++k) {
      while (pool.empty()) {
        // Everything published (read first: the pushes happened before) and
        // still empty: items were lost, no need to wait for the stall guard.
        if (published.load() == items && pool.empty()) {
          consumer_error = "the producer published all " + std::to_string(items) +
                           " items, the pool is empty, " + std::to_string(next) + " arrived";
          break;
        }
        if (!guard.keep_waiting()) {
          consumer_error = "consumer stalled at item " + std::to_string(next);
          break;
        }
      }
      if (!consumer_error.empty()) {
        break;
      }
      guard.progress();
      const Bytes got = pool.front();
      const std::vector<std::uint8_t> want = item(next, length_of(next));
      if (!std::equal(got.begin(), got.end(), want.begin(), want.end())) {
        consumer_error = "item " + std::to_string(next) + " is not the next item (" +
                         std::to_string(got.size()) + " octets, want " +
                         std::to_string(want.size()) + ")";
        break;
      }
      claimed.fetch_add(1);
      pool.pop();
      ++next;
    }
  }
  if (!consumer_error.empty()) {
    stalled.store(true);  // lets a producer blocked on a full pool give up
  }
  producer.join();

  if (!producer_error.empty()) {
    RC_FAIL(cat(producer_error));
  }
  if (!consumer_error.empty()) {
    RC_FAIL(cat(consumer_error));
  }
  RC_ASSERT(next == items);
  RC_ASSERT(pool.empty());
  const PoolStats st = pool.stats();
  RC_ASSERT(st.pushed == items);
  RC_ASSERT(st.popped == items);
  RC_ASSERT(st.oversize == 0u);
  RC_ASSERT(st.high_water <= shape.capacity);
  // Every episode the producer went through (refused after an accepted
  // attempt) is one back-pressure count.
  RC_ASSERT(st.backpressure == producer_episodes);
  RC_TAG(producer_episodes > 0 ? "back-pressure" : "never full");
  RC_TAG(pauses > 0 ? "consumer paused with the pool filling" : "no pause that fills");
}

}  // namespace
}  // namespace ip4ref::props
