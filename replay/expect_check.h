// expect_check.h: `ip4ref replay --expect FILE`: compares a run's outcome
// with an expected-outcome file (the regression corpus format,
// corpus/regressions/README.md):
//
//   { "description": "...",
//     "args": ["--policy", "bsd"],           // used by corpus/CMakeLists.txt
//     "engines": ["ref", "fast"],            // optional, idem
//     "expect": {
//       "summary": { "datagrams_rebuilt": 1, "dropped": {}, ... },
//       "events": [ "17 Delivered 192.0.2.1>... fnv1a64 ...", ... ] } }
//
// Every key listed under "summary" must equal the run's --json value of the
// same name exactly (objects included: "dropped": {} means "none"); keys not
// listed are not checked. "events", when present, must equal the run's
// event lines (--events) one for one.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace ip4ref::replay {

struct Expectation {
  std::string path;
  nlohmann::ordered_json summary = nlohmann::ordered_json::object();
  std::optional<std::vector<std::string>> events;
};

// nullopt with `error` = "PATH: ..." when the file is missing or malformed.
std::optional<Expectation> load_expectation(const std::string& path, std::string& error);

// One line per mismatch; empty when the run matches.
std::vector<std::string> check_expectation(const Expectation& e,
                                           const nlohmann::ordered_json& summary,
                                           const std::vector<std::string>& events);

}  // namespace ip4ref::replay
