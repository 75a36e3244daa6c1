// local_addresses.h (private): which destinations are "us" (RFC 1122
// 3.2.1.3, 3.3.6): the configured addresses, the limited broadcast, and the
// directed broadcast of each configured subnet.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "ip4ref/ipv4_address.h"

namespace ip4ref {

class LocalAddresses {
 public:
  // Precondition: at least one prefix (Stack::create checks it).
  explicit LocalAddresses(std::vector<Ipv4Prefix> prefixes) : prefixes_(std::move(prefixes)) {}

  bool is_local(std::uint32_t address) const {
    for (const Ipv4Prefix& p : prefixes_) {
      if (p.address == address) {
        return true;
      }
    }
    return false;
  }

  // RFC 1122 3.2.1.3 (c) limited broadcast {-1, -1} and (e) directed
  // broadcast {<Network>, -1}. A /31 or /32 has no broadcast address
  // (RFC 3021), so none is recognised for it. The obsolete all-zeros host
  // forms (RFC 1122 3.3.6 "SHOULD recognize") are not accepted, as Linux
  // does not accept them.
  bool is_broadcast(std::uint32_t address) const {
    if (address == kLimitedBroadcast) {
      return true;
    }
    for (const Ipv4Prefix& p : prefixes_) {
      if (p.length <= 30 && p.broadcast() == address) {
        return true;
      }
    }
    return false;
  }

  // The address whose subnet holds `next_hop`, else the first (primary).
  std::uint32_t source_for_next_hop(std::uint32_t next_hop) const {
    for (const Ipv4Prefix& p : prefixes_) {
      if (p.contains(next_hop)) {
        return p.address;
      }
    }
    return primary();
  }

  std::uint32_t primary() const { return prefixes_.front().address; }
  const std::vector<Ipv4Prefix>& prefixes() const { return prefixes_; }

 private:
  std::vector<Ipv4Prefix> prefixes_;
};

}  // namespace ip4ref
