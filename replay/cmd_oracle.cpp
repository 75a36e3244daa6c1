// cmd_oracle.cpp: `ip4ref oracle --against ENGINE`: a seeded campaign of
// random fragment trains (overlaps, duplicates, tiny, zero-length and
// unaligned fragments, conflicting ends, header variations, any order;
// lib/adapters/linux_kernel/oracle_train.h) through the reference under
// --policy and through ENGINE; every disagreement gets a stable class
// (lib/adapters/oracle/divergence_class.h), the first of each class is
// minimized and, with --findings DIR, written as DIR/<class>.pcap; the run
// ends with a table class -> trains -> the command that shows it.
// --against linux-kernel uses the kernel campaign's own judge (a simulation
// of the kernel names each disagreement by the kernel behaviour behind it).
//
//   ip4ref oracle --against libtins --policy first --trains 100000 --findings DIR
//   ip4ref oracle --against dpdk --seed 3 --only 1234       one train, minimized
//   ip4ref oracle --against libtins --replay F.pcap --expect CLASS
//
// Exit: 0 done (and --expect matched), 1 --expect mismatch (or, against
// linux-kernel, an unexplained disagreement), 2 bad usage or input, 77 the
// engine is not in this build or cannot run here (ctest's skip code).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <memory>

#include "commands.h"
#include "engine_options.h"
#include "exit_codes.h"

#if IP4REF_HAVE_ENGINE_ORACLE
#include "engine_oracle.h"
#include "ip4ref/policy.h"
#include "linux_kernel_engine.h"
#include "oracle_campaign.h"
#include "oracle_pcap.h"
#endif

namespace ip4ref::replay {
namespace {

constexpr int kExitUnavailable = 77;

struct OracleArgs {
  std::string against;
  std::string policy;  // empty: the engine's fair match (fair_policy)
  std::uint64_t trains = 10000;
  std::uint64_t seed = 1;
  std::string findings;
  std::int64_t only = -1;
  std::vector<std::string> replay;
  std::string expect;
  bool expect_from_name = false;
  int header_variation = 8;
  int reverse_flows = 5;
  int max_flows = 4;
  double timeout_seconds = 30;
  bool quiet = false;
};

void complain(const std::string& line) {
  std::fprintf(stderr, "ip4ref oracle: %s\n", line.c_str());
}

#if IP4REF_HAVE_ENGINE_ORACLE
using namespace ip4ref::oracle;

// The reference policy each adapter is compared under unless --policy says
// otherwise: the one under which the fewest trains disagree in a campaign
// per policy (table and reasons: corpus/findings/<engine>/README.md). DPDK
// gives up a datagram on any overlap or duplicate: `reject`; libtins and
// the kernel: `linux`.
std::string fair_policy(const std::string& engine) {
  return engine == "dpdk" ? "reject" : "linux";
}

GeneratorOptions generator(const OracleArgs& a) {
  GeneratorOptions g;
  g.header_variation_percent = a.header_variation;
  g.max_flows = a.max_flows;
  g.reverse_flow_percent = a.reverse_flows;
  return g;
}

std::string shown_command(const OracleArgs& a, const std::string& policy, const std::string& cls,
                          std::uint64_t first_train) {
  if (!a.findings.empty()) {
    return "ip4ref replay " + a.findings + "/" + cls + ".pcap --engine " + a.against +
           " --compare ref --policy " + policy;
  }
  return "ip4ref oracle --against " + a.against + " --policy " + policy + " --seed " +
         std::to_string(a.seed) + " --only " + std::to_string(first_train);
}

// One line per packet: "#i id 0x.. proto P off O len L MF DF".
std::string describe_packets(const std::vector<Packet>& packets) {
  std::string out;
  for (std::size_t i = 0; i < packets.size(); ++i) {
    const Packet& p = packets[i];
    if (p.size() < 20) {
      out += "  #" + std::to_string(i) + " (" + std::to_string(p.size()) + " octets)\n";
      continue;
    }
    const unsigned flags = (p[6] << 8 | p[7]);
    const std::size_t hl = std::size_t{p[0] & 0x0fu} * 4;
    char line[160];
    std::snprintf(line, sizeof line,
                  "  #%zu %u.%u.%u.%u>%u.%u.%u.%u id 0x%02x%02x proto %u off %u len %zu%s%s%s tos "
                  "0x%02x ttl %u ihl %zu\n",
                  i, p[12], p[13], p[14], p[15], p[16], p[17], p[18], p[19], p[4], p[5], p[9],
                  (flags & 0x1fffu) * 8, p.size() - std::min(hl, p.size()),
                  (flags & 0x2000u) ? " MF" : "", (flags & 0x4000u) ? " DF" : "",
                  (flags & 0x8000u) ? " RF" : "", p[1], p[8], hl);
    out += line;
  }
  return out;
}

// corpus/findings/ENGINE/CLASS.pcap -> "CLASS".
std::string class_from_name(const std::string& path) {
  const auto slash = path.find_last_of('/');
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  const auto dot = name.rfind(".pcap");
  return dot == std::string::npos ? name : name.substr(0, dot);
}

int replay_files(EngineOracle& oracle, const OracleArgs& a) {
  int rc = kExitOk;
  for (const std::string& path : a.replay) {
    std::vector<Packet> packets;
    std::string error;
    if (!read_ipv4_pcap(path, &packets, &error)) {
      complain(error);
      return kExitBadInput;
    }
    const EngineVerdict v = oracle.judge(packets);
    std::cout << path << ": " << packets.size() << " packets, " << v.class_name << "\n"
              << describe_packets(packets) << explain(v, a.against);
    const std::string expected = a.expect_from_name ? class_from_name(path) : a.expect;
    if (!expected.empty() && v.class_name != expected) {
      std::cout << path << ": expected class " << expected << ", got " << v.class_name << "\n";
      rc = kExitDifferent;
    }
  }
  return rc;
}

int one_train(EngineOracle& oracle, const OracleArgs& a) {
  const Train t = campaign_train(a.seed, static_cast<std::uint64_t>(a.only), generator(a));
  const EngineVerdict v = oracle.judge(build_packets(t));
  std::cout << "train " << a.only << " (seed " << a.seed << "): " << v.class_name << "\n"
            << describe(t) << explain(v, a.against);
  if (!v.agree()) {
    const Train m = oracle.minimize(t, v.class_name);
    std::cout << "minimized:\n"
              << describe(m) << explain(oracle.judge(build_packets(m)), a.against);
  }
  return kExitOk;
}

void print_table(const EngineCampaignResult& r, const OracleArgs& a, const std::string& policy,
                 std::uint32_t caps) {
  std::printf(
      "ip4ref oracle: %s vs ref --policy %s: %llu trains (seed %llu), %llu packets in "
      "%.1f s = %.0f trains/s\n",
      a.against.c_str(), policy.c_str(), static_cast<unsigned long long>(r.trains),
      static_cast<unsigned long long>(a.seed), static_cast<unsigned long long>(r.packets),
      r.seconds, static_cast<double>(r.trains) / std::max(r.seconds, 1e-9));
  const std::string missing = describe_missing(caps);
  std::printf("compared: delivered datagrams, octet for octet, per key%s%s\n",
              missing.empty() ? "" : "; ", missing.c_str());
  std::printf("%-40s %9s  %s\n", "class", "trains", "example (minimized)");
  std::printf("%-40s %9llu\n", "agree", static_cast<unsigned long long>(r.agree));
  for (const auto& [name, c] : r.classes) {
    std::printf("%-40s %9llu  %s  (%zu packets)\n", name.c_str(),
                static_cast<unsigned long long>(c.count),
                shown_command(a, policy, name, c.first_train).c_str(), c.minimized.packets.size());
  }
}

// --against linux-kernel: the kernel campaign's judge.
int run_kernel(const OracleArgs& a, const ReassemblyConfig& config) {
  if (a.only >= 0 || a.expect_from_name) {
    complain(
        "--against linux-kernel: --only and --expect-from-name are ip4ref-oracle's "
        "(ip4ref-oracle --seed S --only N; --replay F --expect CLASS)");
    return kExitBadInput;
  }
  std::string error;
  linux_kernel::EngineOptions options;
  auto kernel = linux_kernel::LinuxKernelEngine::create(config, options, &error);
  if (!kernel) {
    complain("engine 'linux-kernel' cannot run here: " + error);
    return kExitUnavailable;
  }
  Oracle oracle(*kernel, config, options.max_dist.value_or(0));
  int rc = kExitOk;
  for (const std::string& path : a.replay) {
    std::vector<Packet> packets;
    if (!read_ipv4_pcap(path, &packets, &error)) {
      complain(error);
      return kExitBadInput;
    }
    const Verdict v = oracle.judge(packets);
    std::cout << path << ": " << v.class_name() << "\n" << explain(v);
    rc = (!a.expect.empty() && v.class_name() != a.expect) ? kExitDifferent : rc;
  }
  if (!a.replay.empty()) {
    return rc;
  }
  CampaignOptions o;
  o.trains = a.trains;
  o.seed = a.seed;
  o.show = 0;
  o.findings_dir = a.findings;
  o.generator = generator(a);
  o.generator.reverse_flow_percent = 0;  // the kernel campaign's trains, as ip4ref-oracle's
  const CampaignResult r = run_campaign(oracle, o, a.quiet ? std::cerr : std::cout);
  std::printf(
      "ip4ref oracle: linux-kernel vs ref --policy linux: %llu trains, %llu agree, "
      "%llu unexplained\n",
      static_cast<unsigned long long>(r.trains), static_cast<unsigned long long>(r.agree),
      static_cast<unsigned long long>(r.unexplained));
  for (const auto& [name, c] : r.classes) {
    std::printf("%-40s %9llu  ip4ref-oracle --seed %llu --only %llu\n", name.c_str(),
                static_cast<unsigned long long>(c.count), static_cast<unsigned long long>(a.seed),
                static_cast<unsigned long long>(c.first_train));
  }
  return r.unexplained == 0 ? kExitOk : kExitDifferent;
}

int run(const OracleArgs& a) {
  const std::string policy = a.policy.empty() ? fair_policy(a.against) : a.policy;
  EngineOptions eo;
  eo.policy = policy;
  eo.timeout_seconds = a.timeout_seconds;
  std::string error;
  const auto config = make_config(eo, error);
  if (!config) {
    complain(error);
    return kExitBadInput;
  }
  if (a.against == "linux-kernel") {
    return run_kernel(a, *config);
  }
  if (a.against == "ref" || (!engine_known(a.against) && a.against.rfind("so:", 0) != 0)) {
    complain("--against: unknown engine '" + a.against + "' (this build has: " + engine_names() +
             ")");
    return kExitUnavailable;
  }
  auto oracle = EngineOracle::create(a.against, *config, &error);
  if (!oracle) {
    complain(error);
    return kExitUnavailable;
  }
  if (!a.replay.empty()) {
    return replay_files(*oracle, a);
  }
  if (a.only >= 0) {
    return one_train(*oracle, a);
  }
  EngineCampaignOptions o;
  o.trains = a.trains;
  o.seed = a.seed;
  o.findings_dir = a.findings;
  o.generator = generator(a);
  o.progress_seconds = a.quiet ? 0 : 5;
  const EngineCampaignResult r = run_engine_campaign(*oracle, o, std::cerr);
  print_table(r, a, policy, oracle->capabilities());
  return kExitOk;
}
#else
int run(const OracleArgs&) {
  complain(
      "not in this build (needs the Linux adapters: libpcap-dev, libcli11-dev, "
      "IP4REF_BUILD_ADAPTERS)");
  return kExitUnavailable;
}
#endif

}  // namespace

void add_oracle_command(CLI::App& app, int& exit_code) {
  auto a = std::make_shared<OracleArgs>();
  CLI::App* cmd = app.add_subcommand(
      "oracle",
      "Random fragment trains through ENGINE and the reference; classify, minimize "
      "and tabulate every disagreement.");
  cmd->add_option("--against", a->against, "engine under test: " + engine_names())->required();
  cmd->add_option("--policy", a->policy,
                  "the reference's policy (default: dpdk -> reject; others -> linux)");
  cmd->add_option("--trains", a->trains, "number of random trains")->capture_default_str();
  cmd->add_option("--seed", a->seed, "campaign seed")->capture_default_str();
  cmd->add_option("--findings", a->findings,
                  "write the first train of each class, minimized, as DIR/<class>.pcap");
  cmd->add_option("--only", a->only, "judge only campaign train INDEX (and minimize it)");
  cmd->add_option("--replay", a->replay, "judge the trains in these pcaps (LINKTYPE_IPV4/RAW)");
  cmd->add_option("--expect", a->expect, "with --replay: the class every file must have");
  cmd->add_flag("--expect-from-name", a->expect_from_name,
                "with --replay: each file's class is its name (CLASS.pcap, as --findings writes)");
  cmd->add_option("--header-variation", a->header_variation,
                  "per cent of packets with DF/RF/ECN/TTL/option variations")
      ->capture_default_str();
  cmd->add_option("--reverse-flows", a->reverse_flows,
                  "per cent of flows that reuse the previous flow's key, addresses swapped")
      ->capture_default_str();
  cmd->add_option("--max-flows", a->max_flows, "concurrent datagrams per train")
      ->capture_default_str();
  cmd->add_option("--timeout", a->timeout_seconds, "reassembly timeout in seconds")
      ->capture_default_str();
  cmd->add_flag("--quiet", a->quiet, "no progress lines");
  cmd->footer("Exit: 0 done, 1 --expect mismatch, 2 bad input, 77 engine unavailable here.");
  cmd->callback([a, &exit_code] { exit_code = run(*a); });
}

}  // namespace ip4ref::replay
