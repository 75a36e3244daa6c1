// tun_command_check_main.cpp: ip4ref_tun_command_check, replay/tun_command.cpp
// in a CLI11 app of its own (the `ip4ref` tool's main.cpp wires the same
// function in), so the netns tests exercise `tun` end to end: permission
// error, --mtu, ping, --pcap, counters on SIGINT.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "exit_codes.h"
#include "tun_command.h"

int main(int argc, char** argv) {
  using namespace ip4ref::replay;
  CLI::App app{"ip4ref (tun only): test build of the tun command"};
  app.name("ip4ref");
  app.require_subcommand(1);
  int exit_code = kExitOk;
  add_tun_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitBadInput;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ip4ref: %s\n", e.what());
    return kExitBadInput;
  }
  return exit_code;
}
