// stack_command.cpp: `ip4ref stack` (stack_command.h): PcapLink + Stack +
// run_from_capture, then the counters.
#include "stack_command.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "engine_options.h"
#include "exit_codes.h"
#include "ip4ref/ipv4_address.h"
#include "ip4ref/pcap_link.h"
#include "ip4ref/stack.h"

namespace ip4ref::replay {
namespace {

struct StackCommandOptions {
  std::string in;
  std::string out;
  std::string addr;
  std::size_t mtu = 1500;
  std::string fragmenter = "ref";
  bool no_finish_timers = false;
  EngineOptions engine;
};

int fail(const std::string& message) {
  std::fprintf(stderr, "ip4ref stack: %s\n", message.c_str());
  return kExitBadInput;
}

// The stack config the options describe; nullopt after printing the error.
std::optional<StackConfig> stack_config(const StackCommandOptions& o) {
  const std::optional<Ipv4Prefix> prefix = Ipv4Prefix::parse(o.addr);
  if (!prefix) {
    fail("--addr '" + o.addr + "' is not an address with a prefix, e.g. 192.0.2.2/24");
    return std::nullopt;
  }
  std::string error;
  const std::optional<ReassemblyConfig> reassembly = make_config(o.engine, error);
  if (!reassembly) {
    fail(error);
    return std::nullopt;
  }
  StackConfig config;
  config.addresses.push_back(*prefix);
  config.engine = o.engine.engine;
  config.reassembly = *reassembly;
  config.fragmenter = o.fragmenter;
  return config;
}

int run_stack(const StackCommandOptions& o) {
  const std::optional<StackConfig> config = stack_config(o);
  if (!config) {
    return kExitBadInput;
  }
  std::string error;
  std::unique_ptr<PcapLink> link = PcapLink::open({o.in, o.out, o.mtu}, &error);
  if (!link) {
    return fail(error);
  }
  std::unique_ptr<Stack> stack = Stack::create(*link, *config, &error);
  if (!stack) {
    return fail(error);
  }
  const CaptureRunResult run =
      run_from_capture(*stack, *link, {.finish_timers = !o.no_finish_timers});
  std::fputs(to_string(stack->stats()).c_str(), stdout);
  std::fputs(to_string(link->stats()).c_str(), stdout);
  std::fflush(stdout);
  const bool closed = link->close_output(&error);
  const PcapLinkStats s = link->stats();
  std::fprintf(stderr,
               "ip4ref stack: %llu packets read, %llu written to %s; clock %.9f .. %.9f s\n",
               static_cast<unsigned long long>(s.packets_read),
               static_cast<unsigned long long>(s.packets_written), o.out.c_str(),
               run.first ? static_cast<double>(run.first->ns()) / 1e9 : 0.0,
               static_cast<double>(run.last.ns()) / 1e9);
  if (!run.ok()) {
    return fail(run.error);
  }
  if (!closed) {
    return fail(error);
  }
  return kExitOk;
}

}  // namespace

void add_stack_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<StackCommandOptions>();
  CLI::App* cmd = app.add_subcommand(
      "stack", "run the reference stack offline: packets from a capture in, what it sends out");
  cmd->add_option("--in", options->in, "capture to read (pcap, pcapng)")->required();
  cmd->add_option("--out", options->out, "LINKTYPE_IPV4 pcap of what the stack sends")
      ->required();
  cmd->add_option("--addr", options->addr, "the stack's address and prefix, e.g. 192.0.2.2/24")
      ->required();
  cmd->add_option("--mtu", options->mtu, "the link MTU (68..65535), default 1500");
  cmd->add_option("--fragmenter", options->fragmenter, "ref (default) or fast");
  cmd->add_flag("--no-finish-timers", options->no_finish_timers,
                "stop the clock at the last packet (no reassembly timeouts after it)");
  add_engine_options(*cmd, options->engine);
  cmd->footer(
      "The capture's timestamps are the stack's clock; replies are stamped with the time\n"
      "the stack sent them. Exit: 0 whole capture read, 2 bad option or bad capture.");
  cmd->callback([options, &exit_code] { exit_code = run_stack(*options); });
}

}  // namespace ip4ref::replay
