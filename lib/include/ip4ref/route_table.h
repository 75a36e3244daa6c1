// route_table.h: the host's small routing table (RFC 1122 3.3.1): connected
// subnets and a default gateway, looked up by longest prefix.
//
// RFC 1122 3.3.1.1: "To decide if the destination is on a connected network
// ... For each connected network, the host computes ... the address mask";
// 3.3.1.2: a destination off every connected network goes to a gateway.
// A host does not forward, so the table only decides the next hop of what the
// stack itself sends.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "ip4ref/ipv4_address.h"

namespace ip4ref {

struct Route {
  Ipv4Prefix destination;     // the network this route covers
  std::uint32_t gateway = 0;  // 0: on-link (a connected subnet), else the next hop
  bool operator==(const Route&) const = default;
};

// Where a datagram goes next: the gateway of the matching route, or the
// destination itself when it is on a connected subnet.
struct NextHop {
  std::uint32_t address = 0;
  Route route;
};

class RouteTable {
 public:
  // A connected subnet: `local`'s network, on-link.
  void add_connected(const Ipv4Prefix& local);
  // A default route (0.0.0.0/0) via `gateway`.
  void add_default(std::uint32_t gateway);
  void add(const Route& route);

  // Longest matching prefix; among equal lengths the route added first.
  // The limited broadcast 255.255.255.255 is always on-link (RFC 1122
  // 3.3.6: sent on the connected network, never routed). nullopt: no route.
  std::optional<NextHop> lookup(std::uint32_t destination) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;  // insertion order
};

}  // namespace ip4ref
