// observable.cpp: what an engine with given capabilities can be compared on.
#include "ip4ref/reassembly_engine.h"

namespace ip4ref {

std::vector<RecordedEvent> observable(const std::vector<RecordedEvent>& events,
                                      std::uint32_t caps) {
  std::vector<RecordedEvent> out;
  for (RecordedEvent e : events) {
    if (e.kind == RecordedEvent::Kind::kDropped && (caps & IP4REF_CAP_DROPPED) == 0) {
      continue;
    }
    if (e.kind == RecordedEvent::Kind::kDiscarded) {
      const bool timeout = e.reason == Reason::kTimeout;
      const bool seen = (caps & IP4REF_CAP_DISCARDED) != 0 ||
                        (timeout && (caps & IP4REF_CAP_TIMEOUTS) != 0);
      if (!seen) {
        continue;
      }
    }
    if ((caps & IP4REF_CAP_REASONS) == 0 &&
        !(e.reason == Reason::kTimeout && (caps & IP4REF_CAP_TIMEOUTS) != 0)) {
      e.reason = Reason::kCount;
    }
    if (e.kind == RecordedEvent::Kind::kDelivered) {
      if ((caps & IP4REF_CAP_DELIVERED_BYTES) == 0) {
        e.bytes.clear();
      }
      if ((caps & IP4REF_CAP_FRAGMENT_COUNT) == 0) {
        e.fragment_count = 0;
      }
    }
    out.push_back(std::move(e));
  }
  return out;
}

std::string describe_missing(std::uint32_t caps) {
  struct Bit {
    std::uint32_t bit;
    const char* what;
  };
  static const Bit bits[] = {
      {IP4REF_CAP_DELIVERED_BYTES, "delivered bytes"}, {IP4REF_CAP_FRAGMENT_COUNT, "fragment counts"},
      {IP4REF_CAP_DROPPED, "dropped packets"},         {IP4REF_CAP_REASONS, "reasons"},
      {IP4REF_CAP_DISCARDED, "discarded datagrams"},   {IP4REF_CAP_TIMEOUTS, "timeouts"},
      {IP4REF_CAP_NEXT_EXPIRY, "next expiry"},         {kCapStats, "stats"},
  };
  std::string out;
  for (const Bit& b : bits) {
    if ((caps & b.bit) == 0) {
      out += out.empty() ? "not compared: " : ", ";
      out += b.what;
    }
  }
  return out;
}

}  // namespace ip4ref
