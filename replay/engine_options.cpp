// engine_options.cpp
#include "engine_options.h"

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <limits>

#include "adapter_engines.h"
#include "ip4ref/policy.h"
#include "ip4ref/reassembly_engine.h"

namespace ip4ref::replay {
namespace {

constexpr double kMaxTimeoutSeconds = 1e9;  // ~31 years: anything larger is a typo

std::string policy_names() {
  std::string names;
  for (Policy p : kAllPolicies) {
    names += (names.empty() ? "" : ", ") + std::string(to_string(p));
  }
  return names;
}

bool parse_memory(const std::string& spec, ReassemblyConfig& c, std::string& error) {
  const auto comma = spec.find(',');
  const auto high = parse_size(spec.substr(0, comma));
  const auto low = comma == std::string::npos ? std::optional<std::size_t>{}
                                              : parse_size(spec.substr(comma + 1));
  if (!high || (comma != std::string::npos && !low)) {
    error = "--memory: expected HIGH[,LOW] in octets with an optional K, M or G suffix, got '" +
            spec + "'";
    return false;
  }
  c.high_threshold = *high;
  // Without LOW keep DESIGN.md's ratio (3 MiB for 4 MiB): three quarters of HIGH.
  c.low_threshold = low ? *low : *high / 4 * 3;
  if (c.low_threshold > c.high_threshold) {
    error = "--memory: LOW (" + std::to_string(c.low_threshold) + ") is above HIGH (" +
            std::to_string(c.high_threshold) + ")";
    return false;
  }
  return true;
}

}  // namespace

std::optional<std::size_t> parse_size(const std::string& text) {
  std::size_t used = 0;
  unsigned long long value = 0;
  try {
    value = std::stoull(text, &used);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (text.empty() || text[0] == '-') {
    return std::nullopt;
  }
  const std::string suffix = text.substr(used);
  unsigned shift = 0;
  if (suffix == "K" || suffix == "k") {
    shift = 10;
  } else if (suffix == "M" || suffix == "m") {
    shift = 20;
  } else if (suffix == "G" || suffix == "g") {
    shift = 30;
  } else if (!suffix.empty()) {
    return std::nullopt;
  }
  if (value > (std::numeric_limits<std::size_t>::max() >> shift)) {
    return std::nullopt;
  }
  return static_cast<std::size_t>(value) << shift;
}

std::string engine_names() {
  std::string names;
  for (const EngineInfo& e : engine_registry()) {
    names += (names.empty() ? "" : ", ") + e.name;
  }
  names += ", so:PATH (a plug-in, ip4ref/engine.h)";
  const std::string missing = missing_adapter_engines();
  return missing.empty() ? names : names + "; not in this build: " + missing;
}

bool engine_known(const std::string& name) {
  for (const EngineInfo& e : engine_registry()) {
    if (e.name == name) {
      return true;
    }
  }
  return false;
}

void add_engine_options(CLI::App& cmd, EngineOptions& o, bool with_engine) {
  if (with_engine) {
    cmd.add_option("--engine", o.engine, "reassembly engine: " + engine_names())
        ->capture_default_str();
  }
  cmd.add_option("--policy", o.policy, "overlap policy: " + policy_names())->capture_default_str();
  cmd.add_option("--timeout", o.timeout_seconds,
                 "reassembly timeout in seconds (deadline = first fragment + timeout)")
      ->capture_default_str();
  cmd.add_option("--memory", o.memory,
                 "memory limits HIGH[,LOW] in octets, K/M/G suffixes (default 4M,3M; "
                 "LOW defaults to 3/4 of HIGH)");
  cmd.add_option("--max-fragments", o.max_fragments, "fragments per datagram cap (0 = none)")
      ->capture_default_str();
  cmd.add_option("--max-datagrams", o.max_datagrams, "datagrams in progress cap (0 = none)")
      ->capture_default_str();
  cmd.add_flag("--strip-options", o.strip_options,
               "reassembled datagrams get IHL 5 (options removed)");
}

std::string config_arguments(const ReassemblyConfig& c) {
  char timeout[48];
  std::snprintf(timeout, sizeof timeout, "%lld.%09lld",
                static_cast<long long>(c.timeout.ns() / 1'000'000'000),
                static_cast<long long>(c.timeout.ns() % 1'000'000'000));
  std::string t = timeout;
  t.erase(t.find_last_not_of('0') + 1);  // "15.000000000" -> "15."
  if (t.back() == '.') {
    t.pop_back();
  }
  std::string out = "--policy " + std::string(to_string(c.policy)) + " --timeout " + t +
                    " --memory " + std::to_string(c.high_threshold) + "," +
                    std::to_string(c.low_threshold);
  if (c.max_fragments_per_datagram != 0) {
    out += " --max-fragments " + std::to_string(c.max_fragments_per_datagram);
  }
  if (c.max_datagrams != 0) {
    out += " --max-datagrams " + std::to_string(c.max_datagrams);
  }
  return c.strip_options ? out + " --strip-options" : out;
}

std::optional<ReassemblyConfig> make_config(const EngineOptions& o, std::string& error) {
  ReassemblyConfig c;
  const auto policy = policy_from_string(o.policy);
  if (!policy) {
    error = "--policy: unknown policy '" + o.policy + "' (known: " + policy_names() + ")";
    return std::nullopt;
  }
  c.policy = *policy;
  // 0 is allowed: every datagram expires at the next packet (fuzz traces use it).
  if (!std::isfinite(o.timeout_seconds) || o.timeout_seconds < 0 ||
      o.timeout_seconds > kMaxTimeoutSeconds) {
    error = "--timeout: expected seconds >= 0, got " + std::to_string(o.timeout_seconds);
    return std::nullopt;
  }
  c.timeout = Duration::nanoseconds(std::llround(o.timeout_seconds * 1e9));
  if (!o.memory.empty() && !parse_memory(o.memory, c, error)) {
    return std::nullopt;
  }
  c.max_fragments_per_datagram = o.max_fragments;
  c.max_datagrams = o.max_datagrams;
  c.strip_options = o.strip_options;
  return c;
}

}  // namespace ip4ref::replay
