// reason.cpp: stable kebab-case names for every Reason.
//
// These strings are public contract (reason.h): the differential harness, the
// replay tool's JSON and the regression corpus compare them. Never rename one.
#include "ip4ref/reason.h"

#include <cstddef>
#include <optional>
#include <string_view>

namespace ip4ref {

// No `default:` on purpose: -Wswitch then names any Reason added without a name.
std::string_view to_string(Reason r) {
  switch (r) {
    case Reason::kTruncated:
      return "truncated";
    case Reason::kBadVersion:
      return "bad-version";
    case Reason::kBadHeaderLength:
      return "bad-header-length";
    case Reason::kBadTotalLength:
      return "bad-total-length";
    case Reason::kBadChecksum:
      return "bad-checksum";
    case Reason::kBadOptions:
      return "bad-options";
    case Reason::kOversize:
      return "oversize";
    case Reason::kEmptyFragment:
      return "empty-fragment";
    case Reason::kUnalignedFragment:
      return "unaligned-fragment";
    case Reason::kDuplicate:
      return "duplicate";
    case Reason::kMemoryLimit:
      return "memory-limit";
    case Reason::kTooManyDatagrams:
      return "too-many-datagrams";
    case Reason::kTimeout:
      return "timeout";
    case Reason::kOverlap:
      return "overlap";
    case Reason::kConflictingEnd:
      return "conflicting-end";
    case Reason::kPastEnd:
      return "past-end";
    case Reason::kTooManyFragments:
      return "too-many-fragments";
    case Reason::kEvicted:
      return "evicted";
    case Reason::kMtuTooSmall:
      return "mtu-too-small";
    case Reason::kFragmentationNeeded:
      return "fragmentation-needed";
    case Reason::kDatagramTooLarge:
      return "datagram-too-large";
    case Reason::kOptionsTooLong:
      return "options-too-long";
    case Reason::kEcnMismatch:
      return "ecn-mismatch";
    case Reason::kCount:
      break;  // not a reason: the sentinel
  }
  // kCount, or a value cast from an out-of-range integer.
  return "unknown";
}

// A linear scan over the 22 names keeps to_string the single source of truth.
std::optional<Reason> reason_from_string(std::string_view name) {
  for (std::size_t i = 0; i < kReasonCount; ++i) {
    const auto r = static_cast<Reason>(i);
    if (to_string(r) == name) {
      return r;
    }
  }
  return std::nullopt;
}

}  // namespace ip4ref
