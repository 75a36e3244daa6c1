// replay_sink.h: the EventSink of `ip4ref replay`: counts every event, writes
// delivered datagrams to the output capture, and (with --events) keeps one
// line per event for the JSON output and the regression corpus.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

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

  // The packet (1-based record number, or kEnd) whose push() the next
  // events belong to; `timestamp` is the packet's own (it stamps the
  // datagram it completes in the output). Cheap: called for every packet.
  void set_packet(std::uint64_t number, Instant timestamp) {
    packet_ = number;
    timestamp_ = timestamp;
  }

  void on_delivered(const Delivered& e) override;
  void on_dropped(const Dropped& e) override;
  void on_discarded(const Discarded& e) override;

 private:
  static std::size_t slot(Reason r);
  // Appends one event line; called only with --events (events_ set).
  void record(RecordedEvent::Kind kind, const FragmentKey& key, Reason reason, std::uint32_t count,
              bool first_seen, Bytes bytes);

  ReplayCounters& counters_;
  CaptureWriter* writer_;
  bool only_reassembled_;
  std::vector<std::string>* events_;
  std::uint64_t packet_ = kEnd;
  Instant timestamp_;
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
