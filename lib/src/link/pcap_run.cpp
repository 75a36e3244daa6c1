// pcap_run.cpp: what PcapLink shares whether or not libpcap was found: the
// reason names, the counters as text, and run_from_capture (pcap_link.h).
#include <algorithm>
#include <cstddef>
#include <string>

#include "ip4ref/pcap_link.h"
#include "ip4ref/stack.h"

namespace ip4ref {

std::string_view to_string(PcapLinkReason r) {
  switch (r) {
    case PcapLinkReason::kNotIpv4:
      return "not-ipv4";
    case PcapLinkReason::kTruncatedLinkHeader:
      return "truncated-link-header";
    case PcapLinkReason::kSnapped:
      return "snapped";
    case PcapLinkReason::kOverMtu:
      return "over-mtu";
    case PcapLinkReason::kTimeWentBack:
      return "time-went-back";
    case PcapLinkReason::kBadRecord:
      return "bad-record";
    case PcapLinkReason::kWriteOverMtu:
      return "write-over-mtu";
    case PcapLinkReason::kCount:
      break;
  }
  return "unknown";
}

std::string to_string(const PcapLinkStats& s) {
  std::string out = "pcap.records " + std::to_string(s.records) + "\n";
  out += "pcap.packets_read " + std::to_string(s.packets_read) + "\n";
  out += "pcap.packets_written " + std::to_string(s.packets_written) + "\n";
  for (std::size_t i = 0; i < kPcapLinkReasonCount; ++i) {
    if (s.by_reason[i] != 0) {
      out += "pcap." + std::string{to_string(static_cast<PcapLinkReason>(i))} + " " +
             std::to_string(s.by_reason[i]) + "\n";
    }
  }
  return out;
}

namespace {

// The clock's next value: the earlier of the next packet and the next
// reassembly deadline (deadlines only while packets remain, unless
// finish_timers); nullopt when neither is left.
std::optional<Instant> next_step(const Stack& stack, const PcapLink& link,
                                 const CaptureRunOptions& options) {
  const std::optional<Instant> arrival = link.next_arrival();
  std::optional<Instant> timer = stack.next_timer();
  if (!arrival && !options.finish_timers) {
    timer.reset();
  }
  if (arrival && timer) {
    return std::max(link.now(), std::min(*arrival, *timer));
  }
  if (arrival) {
    return arrival;
  }
  if (timer) {
    return std::max(link.now(), *timer);
  }
  return std::nullopt;
}

}  // namespace

CaptureRunResult run_from_capture(Stack& stack, PcapLink& link, const CaptureRunOptions& options) {
  CaptureRunResult result;
  bool stalled = false;  // the last step moved nothing
  while (const std::optional<Instant> t = next_step(stack, link, options)) {
    if (stalled && *t == link.now()) {
      // Same instant, nothing moved last time: a deadline the engine will not
      // expire or a packet the stack will not take. Stop rather than spin.
      result.error = link.name() + ": the stack made no progress at t=" +
                     std::to_string(t->ns()) + " ns; run stopped";
      break;
    }
    link.set_now(*t);
    if (!result.first) {
      result.first = *t;
    }
    ++result.rounds;
    stalled = !stack.poll(*t);
    while (stack.poll(*t)) {
    }
  }
  // Whatever is still queued (replies to the last packets) goes out now.
  while (stack.poll(link.now())) {
  }
  result.last = link.now();
  if (result.error.empty()) {
    result.error = link.error();
  }
  return result;
}

}  // namespace ip4ref
