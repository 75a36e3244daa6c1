// replay_sink.h: the EventSink of `ip4ref replay`: counts every event, writes
// delivered datagrams to the output capture, and (with --events) keeps one
// line per event for the JSON output and the regression corpus.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "capture_reader.h"
#include "capture_writer.h"
#include "ip4ref/events.h"
#include "replay_summary.h"

namespace ip4ref::replay {

// One event as a stable line: "<packet> <to_string(event)>[ fnv1a64 <hex>]",
// where <packet> is the 1-based record number or "end" (--expire-at-end).
// The FNV-1a of the datagram (Delivered) or the quote (Discarded) pins the
// bytes, which the event's one's complement sum alone does not (it ignores
// the order of 16-bit words).
std::string event_line(const std::string& packet, const RecordedEvent& e);

class ReplaySink final : public EventSink {
 public:
  // `writer` may be null; `events` may be null (no event lines kept).
  ReplaySink(ReplayCounters& counters, CaptureWriter* writer, bool only_reassembled,
             std::vector<std::string>* events);

  static constexpr std::uint64_t kEnd = 0;  // "end": --expire-at-end

  // The events that follow belong to whatever packet `p` holds when they
  // arrive: its `number` (1-based record number, or kEnd) and `timestamp`
  // (the packet's own, which stamps the datagram it completes in the
  // output). Set once for a whole replay loop, which reads every record
  // into the same `p`; `p` must outlive the events.
  void follow(const CapturedPacket& p) { packet_ = &p; }

  // Counts inline; the output and the event lines are out of line.
  void on_delivered(const Delivered& e) override {
    ++counters_.delivered;
    const bool rebuilt = e.fragment_count > 1;
    ++(rebuilt ? counters_.rebuilt : counters_.unfragmented);
    if (writer_ != nullptr || events_ != nullptr) [[unlikely]] {
      write_and_record(e, rebuilt);
    }
  }
  void on_dropped(const Dropped& e) override;
  void on_discarded(const Discarded& e) override;

 private:
  // Out of line, so on_delivered() saves no registers when it only counts.
  [[gnu::noinline]] void write_and_record(const Delivered& e, bool rebuilt);
  static std::size_t slot(Reason r);
  // Appends one event line; called only with --events (events_ set).
  void record(RecordedEvent::Kind kind, const FragmentKey& key, Reason reason, std::uint32_t count,
              bool first_seen, Bytes bytes);

  ReplayCounters& counters_;
  CaptureWriter* writer_;
  bool only_reassembled_;
  std::vector<std::string>* events_;
  const CapturedPacket* packet_ = nullptr;
};

// Forwards every event to two sinks (compare mode: the counting sink and the
// per-packet log that is compared).
class TeeSink final : public EventSink {
 public:
  TeeSink(EventSink& a, EventSink& b) : a_(a), b_(b) {}
  void on_delivered(const Delivered& e) override {
    a_.on_delivered(e);
    b_.on_delivered(e);
  }
  void on_dropped(const Dropped& e) override {
    a_.on_dropped(e);
    b_.on_dropped(e);
  }
  void on_discarded(const Discarded& e) override {
    a_.on_discarded(e);
    b_.on_discarded(e);
  }

 private:
  EventSink& a_;
  EventSink& b_;
};

}  // namespace ip4ref::replay
