// engine_options.h: the command-line options that choose a reassembly engine
// and fill its ReassemblyConfig (shared by replay and the regression corpus).
#pragma once

#include <optional>
#include <string>

#include "ip4ref/reassembly_config.h"

namespace CLI {
class App;
}

namespace ip4ref::replay {

struct EngineOptions {
  std::string engine = "ref";
  std::string policy = "linux";
  double timeout_seconds = 30.0;
  std::string memory;  // "HIGH[,LOW]" with optional K/M/G (KiB/MiB/GiB) suffixes
  std::size_t max_fragments = 0;
  std::size_t max_datagrams = 0;
  bool strip_options = false;
};

// Adds --engine (unless !with_engine), --policy, --timeout, --memory,
// --max-fragments, --max-datagrams, --strip-options to `cmd`.
void add_engine_options(CLI::App& cmd, EngineOptions& o, bool with_engine = true);

// The replay options that reproduce `c` ("--policy bsd --timeout 15 ...").
std::string config_arguments(const ReassemblyConfig& c);

// The config the options describe, or nullopt with `error` set (bad policy,
// timeout, memory spec).
std::optional<ReassemblyConfig> make_config(const EngineOptions& o, std::string& error);

// "ref, fast, ..." (registered engines, for help texts and errors).
std::string engine_names();
bool engine_known(const std::string& name);

// "4194304" / "4M" / "512K" -> octets; nullopt when malformed or overflowing.
std::optional<std::size_t> parse_size(const std::string& text);

}  // namespace ip4ref::replay
