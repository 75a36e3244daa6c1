// reason.h: the one enumeration of every reason a packet, a fragment or a
// datagram is refused, dropped or discarded, with stable names.
//
// The names returned by to_string() are part of the public contract: the
// differential harness, the JSON output of the replay tool and the regression
// corpus compare them. Never rename one; append new reasons before kCount.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace ip4ref {

enum class Reason {
  // --- Parsing one IPv4 packet (RFC 791 3.1) ---
  kTruncated,         // fewer than 20 octets, or fewer than the IHL says
  kBadVersion,        // version field is not 4
  kBadHeaderLength,   // IHL < 5
  kBadTotalLength,    // total length < header length, or > the bytes present
  kBadChecksum,       // RFC 1071 header checksum does not verify
  kBadOptions,        // an option's length is < 2 or runs past the header

  // --- Fragments refused one at a time (the datagram, if any, stays) ---
  kOversize,           // fragment end passes 65535 - header length (ping of death)
  kEmptyFragment,      // zero octets of payload
  kUnalignedFragment,  // MF set but payload length not a multiple of 8 (RFC 791)
  kDuplicate,          // carries nothing new under the policy
  kMemoryLimit,        // accepting it would break the memory limits
  kTooManyDatagrams,   // datagrams-in-progress cap reached

  // --- Whole datagrams discarded ---
  kTimeout,           // first arrival + timeout reached
  kOverlap,           // overlap forbidden by the policy
  kConflictingEnd,    // a second last fragment with a different end
  kPastEnd,           // data beyond the end set by the last fragment
  kTooManyFragments,  // fragments-per-datagram cap reached
  kEvicted,           // discarded to make room under the memory limits

  // --- Fragmenter / output ---
  kMtuTooSmall,            // MTU < 68 (RFC 791: every module forwards 68 octets)
  kFragmentationNeeded,    // DF set and the datagram exceeds the MTU (RFC 1191)
  kDatagramTooLarge,       // more than 65535 octets would be needed
  kOptionsTooLong,         // options do not fit in the 40 octets IHL allows

  // --- Appended later (names are stable; order is not meaningful) ---
  kEcnMismatch,  // linux: Not-ECT mixed with ECT/CE fragments (RFC 3168 5.3)

  kCount
};

inline constexpr std::size_t kReasonCount = static_cast<std::size_t>(Reason::kCount);

// Stable kebab-case name, e.g. "bad-checksum". "unknown" for out-of-range values.
std::string_view to_string(Reason r);

// Inverse of to_string; nullopt for an unknown name.
std::optional<Reason> reason_from_string(std::string_view name);

}  // namespace ip4ref
