// reassembly_table.h: the fast reassembly engine, engine "fast" (DESIGN.md
// "The optimized variant"). Same events, same order, same counters as the
// reference store (lib/src/ref/reassembly_store.h lists the rules, in order;
// this engine applies them in the same order) for every input, policy and
// configuration; lib/test/fast_engine_test.cpp checks it differentially.
//
// Shape:
// - datagrams live in slots of an arena (datagram_arena.h), found through an
//   open-addressing table on the exact 4-tuple key (flow_table.h);
// - the timer is the creation list while deadlines are monotone, an indexed
//   heap after the clock stepped back (deadline_order.h);
// - data, bit tables and policy bookkeeping share one pooled buffer per
//   datagram in one of three size classes (buffer_pool.h, buffer_layout.h); a
//   datagram starts in the smallest class its first fragment fits and moves
//   to a larger one (at most twice, in practice once) when a fragment passes it;
// - completion is a counter of held blocks against the known end, not a scan;
// - an untouched fragment (no block of it held) takes each policy's short
//   path; overlaps take the exact rule (insert_rules.h);
// - the reassembled header is written into the buffer's headroom, so the
//   Delivered datagram is the buffer itself: no copy on delivery.
// In steady state (the number of datagrams in progress not growing) push()
// allocates nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "buffer_layout.h"
#include "buffer_pool.h"
#include "datagram_arena.h"
#include "deadline_order.h"
#include "flow_table.h"
#include "ip4ref/reassembly_engine.h"

namespace ip4ref::fast {

class ReassemblyTable final : public ReassemblyEngine {
 public:
  explicit ReassemblyTable(const ReassemblyConfig& config);
  ~ReassemblyTable() override;
  ReassemblyTable(const ReassemblyTable&) = delete;
  ReassemblyTable& operator=(const ReassemblyTable&) = delete;

  void push(Bytes packet, Instant now, EventSink& sink) override;
  void expire(Instant now, EventSink& sink) override;
  std::optional<Instant> next_expiry() const override;
  const ReassemblyStats& stats() const override { return stats_; }
  const ReassemblyConfig& config() const override { return config_; }
  std::string_view name() const override { return "fast"; }
  // Removes every datagram (buffers back to the pool, slots to the free
  // list, the timer back to the creation list), zeroes the counters and takes
  // `config`; refuses a config whose policy needs the other buffer layout.
  bool reset(const ReassemblyConfig& config) override;

  // Data capacity of the buffer classes, in octets. Under linux a fragment
  // may end past 65535 (offset up to 65528 plus a payload up to 65515: the
  // kernel queues it and refuses the datagram at completion), hence kHuge.
  static constexpr std::uint32_t kSmallCapacity = 2048;
  static constexpr std::uint32_t kLargeCapacity = 65536;
  static constexpr std::uint32_t kHugeCapacity = 131072;

 private:
  struct Fragment;  // one parsed fragment (reassembly_table.cpp)

  void push_fragment(const Fragment& f, Instant now, EventSink& sink);
  std::uint32_t find_or_create(const Fragment& f, Instant now, EventSink& sink);
  bool lengths_consistent(std::uint32_t index, const Fragment& f, EventSink& sink);
  bool admit(std::uint32_t target, std::size_t needed, EventSink& sink);
  void store(std::uint32_t index, const Fragment& f, EventSink& sink);
  void deliver(std::uint32_t index, EventSink& sink);
  std::uint8_t class_for(std::uint32_t end) const;
  void grow_buffer(Datagram& d, std::uint32_t end);

  void drop(Reason reason, bool is_fragment, EventSink& sink);
  void discard(std::uint32_t index, Reason reason, EventSink& sink);
  // Removes the datagram; returns its buffer, which the caller releases.
  std::uint8_t* remove(std::uint32_t index);
  // Removes every datagram, buffers back to the pool (no events).
  void remove_all();

  const BufferLayout& layout(const Datagram& d) const { return layouts_[d.buffer_class]; }
  BufferView view(const Datagram& d) const { return BufferView::of(d.buffer, layout(d)); }

  ReassemblyConfig config_;
  ReassemblyStats stats_;
  BufferLayout layouts_[BufferPool::kClasses];
  BufferPool pool_;
  DatagramArena arena_;
  DeadlineOrder deadlines_;
  FlowTable flows_;
  std::uint64_t next_creation_ = 0;
};

}  // namespace ip4ref::fast
