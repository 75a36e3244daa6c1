// route_table.cpp: longest-prefix lookup over a handful of routes, by a
// linear scan (a host has a few routes; clarity first).
#include "ip4ref/route_table.h"

#include <cstdint>
#include <optional>

namespace ip4ref {

void RouteTable::add_connected(const Ipv4Prefix& local) {
  Ipv4Prefix network = local;
  network.address = local.network();
  add(Route{network, 0});
}

void RouteTable::add_default(std::uint32_t gateway) {
  add(Route{Ipv4Prefix{0, 0}, gateway});
}

void RouteTable::add(const Route& route) {
  routes_.push_back(route);
}

std::optional<NextHop> RouteTable::lookup(std::uint32_t destination) const {
  // RFC 1122 3.3.6: the limited broadcast is sent on the connected network.
  if (destination == kLimitedBroadcast) {
    return NextHop{destination, Route{Ipv4Prefix{kLimitedBroadcast, 32}, 0}};
  }
  const Route* best = nullptr;
  for (const Route& route : routes_) {
    // Strictly longer wins, so among equal lengths the first added stays.
    if (route.destination.contains(destination) &&
        (best == nullptr || route.destination.length > best->destination.length)) {
      best = &route;
    }
  }
  if (best == nullptr) {
    return std::nullopt;
  }
  return NextHop{best->gateway == 0 ? destination : best->gateway, *best};
}

}  // namespace ip4ref
