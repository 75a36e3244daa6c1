// events.h: what a reassembly engine tells its sink, in order. This is the
// canonical form the differential harness compares (DESIGN.md "Events").
//
// Byte spans inside an event are valid only during the sink call; a sink that
// keeps them copies them (EventLog does).
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "ip4ref/bytes.h"
#include "ip4ref/reason.h"

namespace ip4ref {

// RFC 791 3.2: "The internet identification field (ID) is used together with
// the source and destination address, and the protocol fields, to identify
// datagram fragments for reassembly."
struct FragmentKey {
  std::uint32_t source = 0;
  std::uint32_t destination = 0;
  std::uint8_t protocol = 0;
  std::uint16_t identification = 0;
  auto operator<=>(const FragmentKey&) const = default;
};

std::string to_string(const FragmentKey& key);  // "192.0.2.1>192.0.2.2 proto 17 id 0x1234"

// A complete datagram: reassembled, or an unfragmented packet passed through
// (fragment_count 1). fragment_count is the number of fragments the datagram
// accepted, including ones whose octets a later fragment replaced (under
// last and linux-legacy an exact duplicate is accepted and counted; the other
// policies drop it as kDuplicate).
struct Delivered {
  FragmentKey key;
  Bytes datagram;
  std::uint32_t fragment_count = 0;
};

// One packet not accepted; state for its datagram (if any) is unchanged.
struct Dropped {
  Reason reason;
};

// A whole datagram thrown away. `quote` is the offset-0 fragment's header plus
// its first 8 data octets (what ICMP time exceeded carries), empty when
// first_fragment_seen is false.
struct Discarded {
  FragmentKey key;
  Reason reason;
  bool first_fragment_seen = false;
  Bytes quote;
};

class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void on_delivered(const Delivered& e) = 0;
  virtual void on_dropped(const Dropped& e) = 0;
  virtual void on_discarded(const Discarded& e) = 0;
};

// An owning copy of any event, comparable, printable.
struct RecordedEvent {
  enum class Kind { kDelivered, kDropped, kDiscarded };
  Kind kind = Kind::kDropped;
  FragmentKey key;                  // Delivered, Discarded
  Reason reason = Reason::kCount;   // Dropped, Discarded
  std::uint32_t fragment_count = 0; // Delivered
  bool first_fragment_seen = false; // Discarded
  std::vector<std::uint8_t> bytes;  // Delivered: datagram; Discarded: quote

  bool operator==(const RecordedEvent&) const = default;
};

// One line, e.g. "Delivered 192.0.2.1>192.0.2.2 proto 17 id 0x1 len 1500 frags 2 sum 0x1a2b".
std::string to_string(const RecordedEvent& e);

// Makes r the record of e: every field is set (the ones e does not carry to
// their defaults); r's octet buffer is reused, so a sink that keeps its
// records can refill them without allocating (EventLog and the fuzz
// harness's log both record through these).
void record_event(const Delivered& e, RecordedEvent& r);
void record_event(const Dropped& e, RecordedEvent& r);
void record_event(const Discarded& e, RecordedEvent& r);

// A sink that records every event (tests, the harness, the replay tool).
class EventLog : public EventSink {
 public:
  void on_delivered(const Delivered& e) override;
  void on_dropped(const Dropped& e) override;
  void on_discarded(const Discarded& e) override;

  const std::vector<RecordedEvent>& events() const { return events_; }
  void clear() { events_.clear(); }

 private:
  std::vector<RecordedEvent> events_;
};

}  // namespace ip4ref
