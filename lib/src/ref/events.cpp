// events.cpp: printing and recording reassembly events.
#include "ip4ref/events.h"

#include <cstdio>

#include "ip4ref/checksum.h"
#include "ip4ref/ipv4_header.h"

namespace ip4ref {

std::string to_string(const FragmentKey& key) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%s>%s proto %u id 0x%04x", format_ipv4(key.source).c_str(),
                format_ipv4(key.destination).c_str(), unsigned{key.protocol},
                unsigned{key.identification});
  return buf;
}

std::string to_string(const RecordedEvent& e) {
  char buf[96];
  switch (e.kind) {
    case RecordedEvent::Kind::kDelivered:
      std::snprintf(buf, sizeof buf, " len %zu frags %u sum 0x%04x", e.bytes.size(),
                    e.fragment_count, unsigned{ones_complement_sum(e.bytes)});
      return "Delivered " + to_string(e.key) + buf;
    case RecordedEvent::Kind::kDropped:
      return "Dropped " + std::string(to_string(e.reason));
    case RecordedEvent::Kind::kDiscarded:
      std::snprintf(buf, sizeof buf, " first_seen %d quote %zu", e.first_fragment_seen ? 1 : 0,
                    e.bytes.size());
      return "Discarded " + to_string(e.key) + " " + std::string(to_string(e.reason)) + buf;
  }
  return "?";
}

void record_event(const Delivered& e, RecordedEvent& r) {
  r.kind = RecordedEvent::Kind::kDelivered;
  r.key = e.key;
  r.reason = Reason::kCount;
  r.fragment_count = e.fragment_count;
  r.first_fragment_seen = false;
  r.bytes.assign(e.datagram.begin(), e.datagram.end());
}

void record_event(const Dropped& e, RecordedEvent& r) {
  r.kind = RecordedEvent::Kind::kDropped;
  r.key = FragmentKey{};
  r.reason = e.reason;
  r.fragment_count = 0;
  r.first_fragment_seen = false;
  r.bytes.clear();
}

void record_event(const Discarded& e, RecordedEvent& r) {
  r.kind = RecordedEvent::Kind::kDiscarded;
  r.key = e.key;
  r.reason = e.reason;
  r.fragment_count = 0;
  r.first_fragment_seen = e.first_fragment_seen;
  r.bytes.assign(e.quote.begin(), e.quote.end());
}

void EventLog::on_delivered(const Delivered& e) {
  record_event(e, events_.emplace_back());
}

void EventLog::on_dropped(const Dropped& e) {
  record_event(e, events_.emplace_back());
}

void EventLog::on_discarded(const Discarded& e) {
  record_event(e, events_.emplace_back());
}

}  // namespace ip4ref
