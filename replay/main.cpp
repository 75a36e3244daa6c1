// main.cpp: the `ip4ref` command-line tool (replay/README.md):
//   ip4ref replay IN.pcap ...     reassemble a capture with an engine, --compare two
//   ip4ref diff A.pcap B.pcap     compare reassembled outputs datagram by datagram
//   ip4ref fragment IN.pcap ...   make fragment trains for testing other stacks
//   ip4ref convert ...            fuzz trace <-> pcap
//   ip4ref oracle --against E     random trains, E vs the reference, classified
//   ip4ref tun --dev NAME ...     the reference stack on a TUN device (tun_command.h)
//   ip4ref stack --in X --out Y   the reference stack driven by a capture (stack_command.h)
// Exit codes: 0 success, 1 differences found, 2 bad usage or bad input.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "adapter_engines.h"
#include "commands.h"
#include "exit_codes.h"
#include "stack_command.h"
#include "tun_command.h"

int main(int argc, char** argv) {
  using namespace ip4ref::replay;
  CLI::App app{"ip4ref: the IPv4 reassembly oracle's command-line tool"};
  app.name("ip4ref");
  app.require_subcommand(1);
  app.footer(
      "Exit codes: 0 success, 1 differences found, 2 bad usage or bad input.\n"
      "Run 'ip4ref COMMAND --help' for a command's options.");
  int exit_code = kExitOk;
  register_adapter_engines();  // before the commands list engine names in --help
  add_replay_command(app, exit_code);
  add_diff_command(app, exit_code);
  add_fragment_command(app, exit_code);
  add_convert_command(app, exit_code);
  add_oracle_command(app, exit_code);
  add_tun_command(app, exit_code);
  add_stack_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version are "errors" with exit code 0 in CLI11.
    return app.exit(e) == 0 ? kExitOk : kExitBadInput;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ip4ref: %s\n", e.what());
    return kExitBadInput;
  }
  return exit_code;
}
