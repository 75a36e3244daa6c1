// expect_check.cpp
#include "expect_check.h"

#include <fstream>

namespace ip4ref::replay {
namespace {

using json = nlohmann::ordered_json;

bool read_events(const json& j, Expectation& e, std::string& error) {
  if (!j.is_array()) {
    error = e.path + ": expect.events: expected an array of strings";
    return false;
  }
  std::vector<std::string> lines;
  for (const json& line : j) {
    if (!line.is_string()) {
      error = e.path + ": expect.events: expected an array of strings";
      return false;
    }
    lines.push_back(line.get<std::string>());
  }
  e.events = std::move(lines);
  return true;
}

void check_events(const Expectation& e, const std::vector<std::string>& got,
                  std::vector<std::string>& out) {
  const auto& want = *e.events;
  for (std::size_t i = 0; i < std::max(want.size(), got.size()); ++i) {
    const std::string w = i < want.size() ? want[i] : "(none)";
    const std::string g = i < got.size() ? got[i] : "(none)";
    if (w != g) {
      out.push_back("events[" + std::to_string(i) + "]: expected '" + w + "', got '" + g + "'");
      return;  // the first difference; later ones usually follow from it
    }
  }
}

}  // namespace

std::optional<Expectation> load_expectation(const std::string& path, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = path + ": cannot open expected-outcome file";
    return std::nullopt;
  }
  json j = json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("expect") || !j["expect"].is_object()) {
    error = path + ": not an expected-outcome file (a JSON object with an \"expect\" object)";
    return std::nullopt;
  }
  Expectation e;
  e.path = path;
  const json& expect = j["expect"];
  if (expect.contains("summary")) {
    if (!expect["summary"].is_object()) {
      error = path + ": expect.summary: expected an object";
      return std::nullopt;
    }
    e.summary = expect["summary"];
  }
  if (expect.contains("events") && !read_events(expect["events"], e, error)) {
    return std::nullopt;
  }
  return e;
}

std::vector<std::string> check_expectation(const Expectation& e, const json& summary,
                                           const std::vector<std::string>& events) {
  std::vector<std::string> out;
  for (const auto& [key, want] : e.summary.items()) {
    if (!summary.contains(key)) {
      out.push_back("summary." + key + ": expected " + want.dump() + ", not in the output");
    } else if (nlohmann::json(summary[key]) != nlohmann::json(want)) {  // key order ignored
      out.push_back("summary." + key + ": expected " + want.dump() + ", got " +
                    summary[key].dump());
    }
  }
  if (e.events) {
    check_events(e, events, out);
  }
  return out;
}

}  // namespace ip4ref::replay
