// stack_reason.cpp: stable kebab-case names for every StackReason.
#include "ip4ref/stack_reason.h"

#include <cstddef>
#include <optional>
#include <string_view>

namespace ip4ref {

// No `default:` on purpose: -Wswitch then names any reason added without a name.
std::string_view to_string(StackReason r) {
  switch (r) {
    case StackReason::kNotForUs:
      return "not-for-us";
    case StackReason::kBadSource:
      return "bad-source";
    case StackReason::kUnknownProtocol:
      return "unknown-protocol";
    case StackReason::kIcmpMalformed:
      return "icmp-malformed";
    case StackReason::kIcmpBadChecksum:
      return "icmp-bad-checksum";
    case StackReason::kIcmpEchoBroadcast:
      return "icmp-echo-broadcast";
    case StackReason::kIcmpUnhandled:
      return "icmp-unhandled";
    case StackReason::kUdpMalformed:
      return "udp-malformed";
    case StackReason::kUdpBadChecksum:
      return "udp-bad-checksum";
    case StackReason::kUdpNoListener:
      return "udp-no-listener";
    case StackReason::kNoRoute:
      return "no-route";
    case StackReason::kDatagramTooLarge:
      return "send-too-large";
    case StackReason::kFragmentationNeeded:
      return "send-fragmentation-needed";
    case StackReason::kSendQueueFull:
      return "send-queue-full";
    case StackReason::kLinkReadError:
      return "link-read-error";
    case StackReason::kLinkWriteError:
      return "link-write-error";
    case StackReason::kCount:
      break;
  }
  return "unknown";
}

std::optional<StackReason> stack_reason_from_string(std::string_view name) {
  for (std::size_t i = 0; i < kStackReasonCount; ++i) {
    const auto r = static_cast<StackReason>(i);
    if (to_string(r) == name) {
      return r;
    }
  }
  return std::nullopt;
}

}  // namespace ip4ref
