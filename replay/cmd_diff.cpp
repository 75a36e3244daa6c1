// cmd_diff.cpp: `ip4ref diff EXPECTED.pcap ACTUAL.pcap`: compares another
// implementation's reassembled output with the oracle's, datagram by
// datagram. Datagrams are matched by key (source, destination, protocol,
// identification; RFC 791); a key that repeats is matched in order of
// appearance (the n-th EXPECTED with the n-th ACTUAL). Reports every missing,
// extra and differing datagram (up to --max-reports of each, then counts),
// with the first differing octet in hex context. Exit 1 when they differ.
//
// EXPECTED is held in memory (it is a reassembled output, not a raw
// capture); ACTUAL is streamed.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <deque>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "capture_reader.h"
#include "commands.h"
#include "exit_codes.h"
#include "hex_view.h"
#include "ip4ref/events.h"
#include "ip4ref/ipv4_header.h"

namespace ip4ref::replay {
namespace {

using json = nlohmann::ordered_json;

struct DiffArgs {
  std::string expected;
  std::string actual;
  bool payload_only = false;
  bool json = false;
  bool quiet = false;
  std::size_t max_reports = 10;
};

struct Stored {
  std::uint64_t number;  // record number in its file
  std::vector<std::uint8_t> bytes;
};

// Unparseable IPv4 packets have no key: they are matched in order among
// themselves under a key no parseable packet has (protocol 256 cannot occur).
struct DiffKey {
  FragmentKey key;
  bool parsed = true;
  auto operator<=>(const DiffKey&) const = default;
};

struct DiffState {
  std::map<DiffKey, std::deque<Stored>> expected;
  std::uint64_t matched = 0, differ = 0, missing = 0, extra = 0, skipped = 0;
  json reports = json::array();
};

void complain(const std::string& line) {
  std::fprintf(stderr, "ip4ref diff: %s\n", line.c_str());
}

DiffKey key_of(Bytes ip) {
  const auto v = Ipv4View::parse(ip);
  if (!v) {
    return DiffKey{{}, false};
  }
  return DiffKey{FragmentKey{v->source(), v->destination(), v->protocol(), v->identification()},
                 true};
}

std::string key_text(const DiffKey& k) {
  return k.parsed ? to_string(k.key) : std::string("(unparseable IPv4 packet)");
}

// Reads every IPv4 packet of `reader`, calling f(number, bytes); false on a
// read error (already reported).
template <typename F>
bool for_each_ipv4(CaptureReader& reader, DiffState& s, F f) {
  CapturedPacket p;
  CaptureReader::Next next;
  while ((next = reader.next(p)) == CaptureReader::Next::kPacket) {
    if (p.link.kind != LinkPayload::kIpv4) {
      ++s.skipped;
      continue;
    }
    f(p.number, p.link.ipv4);
  }
  if (next == CaptureReader::Next::kError) {
    complain(reader.error());
    return false;
  }
  return true;
}

class Differ {
 public:
  explicit Differ(const DiffArgs& a) : a_(a) {}
  int run();

 private:
  void match(std::uint64_t number, Bytes ip);
  void compare(const DiffKey& k, const Stored& want, std::uint64_t number, Bytes got);
  void report_missing();
  void print_result(bool same) const;
  void report(const char* kind, std::uint64_t& counter, json entry, const std::string& text);
  Bytes compared_part(Bytes ip) const;

  const DiffArgs& a_;
  DiffState s_;
};

Bytes Differ::compared_part(Bytes ip) const {
  if (!a_.payload_only) {
    return ip;
  }
  const auto v = Ipv4View::parse(ip);
  return v ? v->payload() : ip;
}

void Differ::report(const char* kind, std::uint64_t& counter, json entry, const std::string& text) {
  if (++counter <= a_.max_reports) {
    entry["kind"] = kind;
    s_.reports.push_back(std::move(entry));
    if (!a_.json && !a_.quiet) {
      std::cout << text;
    }
  }
}

void Differ::compare(const DiffKey& k, const Stored& want, std::uint64_t number, Bytes got) {
  const Bytes w = compared_part(want.bytes);
  const Bytes g = compared_part(got);
  const auto at = first_difference(w, g);
  if (!at) {
    ++s_.matched;
    return;
  }
  const std::string where =
      a_.payload_only ? "data +" + std::to_string(*at) : ipv4_location(w, *at);
  std::string text = "differs: " + key_text(k) + " (expected packet " +
                     std::to_string(want.number) + ", actual packet " + std::to_string(number) +
                     "): length " + std::to_string(w.size()) + " vs " + std::to_string(g.size()) +
                     ", first differing byte " + std::to_string(*at) +
                     (where.empty() ? "" : " (" + where + ")") + "\n";
  text += hex_context(w, g, *at, "expected", "actual");
  report("differs", s_.differ,
         json{{"key", key_text(k)},
              {"expected_packet", want.number},
              {"actual_packet", number},
              {"expected_length", w.size()},
              {"actual_length", g.size()},
              {"first_differing_byte", *at},
              {"field", where}},
         text);
}

void Differ::match(std::uint64_t number, Bytes ip) {
  const DiffKey k = key_of(ip);
  auto it = s_.expected.find(k);
  if (it == s_.expected.end() || it->second.empty()) {
    report("extra", s_.extra, json{{"key", key_text(k)}, {"actual_packet", number}},
           "extra: " + key_text(k) + " (actual packet " + std::to_string(number) + ")\n");
    return;
  }
  compare(k, it->second.front(), number, ip);
  it->second.pop_front();
}

void Differ::report_missing() {
  for (const auto& [k, queue] : s_.expected) {
    for (const Stored& m : queue) {
      report("missing", s_.missing, json{{"key", key_text(k)}, {"expected_packet", m.number}},
             "missing: " + key_text(k) + " (expected packet " + std::to_string(m.number) + ")\n");
    }
  }
}

void Differ::print_result(bool same) const {
  if (a_.json) {
    std::cout << json{{"schema", "ip4ref-diff/1"},
                      {"expected", a_.expected},
                      {"actual", a_.actual},
                      {"same", same},
                      {"matched", s_.matched},
                      {"differ", s_.differ},
                      {"missing", s_.missing},
                      {"extra", s_.extra},
                      {"non_ipv4_skipped", s_.skipped},
                      {"reports", s_.reports}}
                     .dump(2)
              << "\n";
  } else if (!a_.quiet) {
    std::fprintf(stderr, "ip4ref diff: %s: %llu matched, %llu differ, %llu missing, %llu extra\n",
                 same ? "same" : "different", static_cast<unsigned long long>(s_.matched),
                 static_cast<unsigned long long>(s_.differ),
                 static_cast<unsigned long long>(s_.missing),
                 static_cast<unsigned long long>(s_.extra));
  }
}

int Differ::run() {
  std::string error;
  auto expected = CaptureReader::open(a_.expected, error);
  auto actual = expected ? CaptureReader::open(a_.actual, error) : nullptr;
  if (!expected || !actual) {
    complain(error);
    return kExitBadInput;
  }
  const bool ok =
      for_each_ipv4(*expected, s_,
                    [&](std::uint64_t n, Bytes ip) {
                      s_.expected[key_of(ip)].push_back(Stored{n, {ip.begin(), ip.end()}});
                    }) &&
      for_each_ipv4(*actual, s_, [&](std::uint64_t n, Bytes ip) { match(n, ip); });
  if (!ok) {
    return kExitBadInput;
  }
  report_missing();
  const bool same = s_.differ == 0 && s_.missing == 0 && s_.extra == 0;
  print_result(same);
  return same ? kExitOk : kExitDifferent;
}

}  // namespace

void add_diff_command(CLI::App& app, int& exit_code) {
  auto a = std::make_shared<DiffArgs>();
  CLI::App* cmd = app.add_subcommand(
      "diff", "Compare two captures of reassembled datagrams, matched by (src, dst, proto, id).");
  cmd->add_option("expected", a->expected, "the oracle's output (e.g. ip4ref replay --out)")
      ->required();
  cmd->add_option("actual", a->actual, "the other implementation's output")->required();
  cmd->add_flag("--payload-only", a->payload_only,
                "compare only the data after the IP header (TTL, options, ... may differ)");
  cmd->add_option("--max-reports", a->max_reports,
                  "report at most this many of each kind (missing, extra, differs)")
      ->capture_default_str();
  cmd->add_flag("--json", a->json, "print the result as JSON on stdout (replay/README.md)");
  cmd->add_flag("--quiet", a->quiet, "no report, only the exit code");
  cmd->callback([a, &exit_code] { exit_code = Differ(*a).run(); });
}

}  // namespace ip4ref::replay
