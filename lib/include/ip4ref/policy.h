// policy.h: the named overlap policies of the reassembly store.
//
// What each policy does with overlapping fragments is specified exactly in
// DESIGN.md ("Overlap policies") and in lib/src/ref/policies.cpp, which
// implements each rule in its plainest form. Sources: the running Linux kernel
// (net/ipv4/inet_fragment.c inet_frag_queue_insert), RFC 5722 with erratum
// 3089, FreeBSD sys/netinet/ip_reass.c, and J. Novak, "Target-Based
// Fragmentation Reassembly" (Sourcefire, 2005).
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace ip4ref {

enum class Policy {
  kLinux,        // modern Linux (default)
  kReject,       // RFC 5722 + erratum 3089, applied to IPv4
  kFirst,        // every byte from the earliest fragment that carried it
  kLast,         // every byte from the latest fragment that carried it
  kBsd,          // FreeBSD ip_reass: front-trim new, then trim/remove successors
  kLinuxLegacy,  // Linux < 2018 as Novak models it: bsd, but new wins on equal offset
  kWindows,      // existing wins, except fragments the new one strictly surrounds
  kSolaris,      // windows, but surrounding also counts on an equal end
};

inline constexpr std::array<Policy, 8> kAllPolicies = {
    Policy::kLinux, Policy::kReject,      Policy::kFirst,   Policy::kLast,
    Policy::kBsd,   Policy::kLinuxLegacy, Policy::kWindows, Policy::kSolaris};

// Stable names: "linux", "reject", "first", "last", "bsd", "linux-legacy",
// "windows", "solaris".
std::string_view to_string(Policy p);
std::optional<Policy> policy_from_string(std::string_view name);

}  // namespace ip4ref
