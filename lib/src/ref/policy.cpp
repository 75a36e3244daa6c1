// policy.cpp: stable names of the overlap policies.
#include "ip4ref/policy.h"

namespace ip4ref {

std::string_view to_string(Policy p) {
  switch (p) {
    case Policy::kLinux:
      return "linux";
    case Policy::kReject:
      return "reject";
    case Policy::kFirst:
      return "first";
    case Policy::kLast:
      return "last";
    case Policy::kBsd:
      return "bsd";
    case Policy::kLinuxLegacy:
      return "linux-legacy";
    case Policy::kWindows:
      return "windows";
    case Policy::kSolaris:
      return "solaris";
  }
  return "unknown";
}

std::optional<Policy> policy_from_string(std::string_view name) {
  for (Policy p : kAllPolicies) {
    if (to_string(p) == name) {
      return p;
    }
  }
  return std::nullopt;
}

}  // namespace ip4ref
