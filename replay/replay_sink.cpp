// replay_sink.cpp
#include "replay_sink.h"

#include <cstdio>

#include "hex_view.h"

namespace ip4ref::replay {

std::string event_line(const std::string& packet, const RecordedEvent& e) {
  std::string out = packet + " " + to_string(e);
  if (!e.bytes.empty()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, " fnv1a64 %016llx",
                  static_cast<unsigned long long>(fnv1a64(e.bytes)));
    out += buf;
  }
  return out;
}

ReplaySink::ReplaySink(ReplayCounters& counters, CaptureWriter* writer, bool only_reassembled,
                       std::vector<std::string>* events)
    : counters_(counters),
      writer_(writer),
      only_reassembled_(only_reassembled),
      events_(events) {}

void ReplaySink::record(RecordedEvent::Kind kind, const FragmentKey& key, Reason reason,
                        std::uint32_t count, bool first_seen, Bytes bytes) {
  RecordedEvent r;
  r.kind = kind;
  r.key = key;
  r.reason = reason;
  r.fragment_count = count;
  r.first_fragment_seen = first_seen;
  r.bytes.assign(bytes.begin(), bytes.end());
  const std::uint64_t number = packet_->number;
  events_->push_back(event_line(number == kEnd ? "end" : std::to_string(number), r));
}

void ReplaySink::write_and_record(const Delivered& e, bool rebuilt) {
  if (writer_ != nullptr && (rebuilt || !only_reassembled_)) {
    writer_->write(packet_->timestamp, e.datagram);
  }
  if (events_ != nullptr) {
    record(RecordedEvent::Kind::kDelivered, e.key, Reason::kCount, e.fragment_count, false,
           e.datagram);
  }
}

// Reasons come from an engine; one outside the enum (an adapter's bug) is
// counted in the last slot rather than written out of bounds.
std::size_t ReplaySink::slot(Reason r) {
  const auto i = static_cast<std::size_t>(r);
  return i < kReasonCount ? i : kReasonCount - 1;
}

void ReplaySink::on_dropped(const Dropped& e) {
  ++counters_.dropped[slot(e.reason)];
  if (events_ != nullptr) {
    record(RecordedEvent::Kind::kDropped, {}, e.reason, 0, false, {});
  }
}

void ReplaySink::on_discarded(const Discarded& e) {
  ++counters_.discarded[slot(e.reason)];
  if (events_ != nullptr) {
    record(RecordedEvent::Kind::kDiscarded, e.key, e.reason, 0, e.first_fragment_seen, e.quote);
  }
}

}  // namespace ip4ref::replay
