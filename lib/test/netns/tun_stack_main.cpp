// tun_stack_main.cpp: ip4ref_tun_stack, the netns tests' driver. It runs the
// stack on a TUN device (created, or attached by name) so the real Linux
// kernel on the other side can ping it and exchange UDP with it. It is test
// infrastructure: the user-facing command is `ip4ref tun` (replay/).
//
// Services:
//   ICMP echo                  answered by the stack itself
//   UDP --echo-port (7)        each datagram sent back to its sender
//   UDP --chargen-port (19)    a datagram holding a decimal N gets N octets
//                              back, octet i = (i * 7) mod 256, sent by the stack
// Prints "ready dev=NAME mtu=N" once the device is open; on SIGINT or SIGTERM
// stops and prints every counter as "name value" lines; exit 0.
// Exit 2: the device cannot be opened or the stack cannot be built.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "ip4ref/ipv4_address.h"
#include "ip4ref/policy.h"
#include "ip4ref/reassembly_engine.h"
#include "ip4ref/stack.h"
#include "ip4ref/tun_link.h"

namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_signal(int) {
  g_stop.store(true);
}

std::vector<std::uint8_t> chargen(std::size_t n) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) {
    v[i] = static_cast<std::uint8_t>(i * 7);
  }
  return v;
}

struct Options {
  std::string dev;
  std::string addr;
  std::string engine = "ref";
  std::string fragmenter = "ref";
  std::string policy = "linux";
  int timeout_ms = 30000;
  std::size_t in_pool = 256;
  std::uint64_t shuffle_seed = 0;
  std::uint16_t echo_port = 7;
  std::uint16_t chargen_port = 19;
  bool threaded = false;
  bool list_engines = false;
};

void bind_services(ip4ref::Stack& stack, const Options& o) {
  stack.udp_bind(o.echo_port, [&stack](const ip4ref::UdpDatagram& d) {
    (void)stack.udp_send(d.destination_port, d.source, d.source_port, d.payload);
  });
  stack.udp_bind(o.chargen_port, [&stack](const ip4ref::UdpDatagram& d) {
    std::size_t n = 0;
    const char* text = reinterpret_cast<const char*>(d.payload.data());
    std::from_chars(text, text + d.payload.size(), n);
    n = std::min(n, ip4ref::kUdpMaxPayload);
    (void)stack.udp_send(d.destination_port, d.source, d.source_port, chargen(n));
  });
}

int run(const Options& o) {
  if (o.list_engines) {
    for (const ip4ref::EngineInfo& e : ip4ref::engine_registry()) {
      std::cout << e.name << "\n";
    }
    return 0;
  }
  ip4ref::StackConfig config;
  const auto prefix = ip4ref::Ipv4Prefix::parse(o.addr);
  const auto policy = ip4ref::policy_from_string(o.policy);
  if (!prefix || !policy) {
    std::cerr << "ip4ref_tun_stack: bad --addr or --policy\n";
    return 2;
  }
  config.addresses.push_back(*prefix);
  config.engine = o.engine;
  config.fragmenter = o.fragmenter;
  config.reassembly.policy = *policy;
  config.reassembly.timeout = ip4ref::Duration::milliseconds(o.timeout_ms);
  config.in_pool_slots = o.in_pool;
  config.shuffle_fragments = o.shuffle_seed != 0;
  config.shuffle_seed = o.shuffle_seed;

  ip4ref::TunError tun_error;
  auto link =
      ip4ref::TunLink::open({.name = o.dev, .mtu = std::nullopt, .bring_up = true}, &tun_error);
  if (!link) {
    std::cerr << "ip4ref_tun_stack: " << tun_error.message << "\n";
    return 2;
  }
  std::string error;
  auto stack = ip4ref::Stack::create(*link, config, &error);
  if (!stack) {
    std::cerr << "ip4ref_tun_stack: " << error << "\n";
    return 2;
  }
  bind_services(*stack, o);
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::cout << "ready dev=" << link->name() << " mtu=" << link->mtu() << std::endl;
  if (o.threaded) {
    stack->start_threads(ip4ref::steady_now);
    while (!g_stop.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    stack->stop_threads();
  } else {
    stack->run(ip4ref::steady_now, g_stop);
  }
  std::cout << ip4ref::to_string(stack->stats()) << std::flush;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"ip4ref_tun_stack: the ip4ref stack on a TUN device (netns test driver)"};
  app.add_option("--dev", o.dev, "TUN device to create or attach");
  app.add_option("--addr", o.addr, "the stack's address and prefix, e.g. 192.0.2.2/24");
  app.add_option("--engine", o.engine, "reassembly engine");
  app.add_option("--fragmenter", o.fragmenter, "output fragmenter: ref or fast");
  app.add_option("--policy", o.policy, "overlap policy");
  app.add_option("--timeout-ms", o.timeout_ms, "reassembly timeout");
  app.add_option("--in-pool", o.in_pool, "in_pool slots");
  app.add_option("--shuffle-seed", o.shuffle_seed, "shuffle output fragments (0: off)");
  app.add_option("--echo-port", o.echo_port, "UDP echo port");
  app.add_option("--chargen-port", o.chargen_port, "UDP chargen port");
  app.add_flag("--threaded", o.threaded, "one thread per manager");
  app.add_flag("--list-engines", o.list_engines, "print the registered engines and exit");
  CLI11_PARSE(app, argc, argv);
  if (!o.list_engines && (o.dev.empty() || o.addr.empty())) {
    std::cerr << "ip4ref_tun_stack: --dev and --addr are required\n";
    return 2;
  }
  return run(o);
}
