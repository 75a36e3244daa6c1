// oracle_main.cpp: ip4ref-oracle, the reference (policy linux) against the
// running Linux kernel. Usage: lib/adapters/linux_kernel/README.md.
//
//   ip4ref-oracle --trains 100000 --seed 1 --show 5 --findings DIR
//   ip4ref-oracle --seed 1 --only 1234         one campaign train, minimized
//   ip4ref-oracle --replay FILE.pcap ...       judge saved trains
//   ip4ref-oracle --train "off 0 len 8 MF; off 8 len 8 DF" [--save F.pcap]
//
// Exit status: 0 when every disagreement is explained (and, with --expect,
// every replayed train has the expected class), 1 when not, 2 on a usage or
// input error, 77 when the kernel engine cannot be created (no root, no
// /dev/net/tun, no namespaces; 77 is ctest's SKIP_RETURN_CODE here).
#include <CLI/CLI.hpp>
#include <iostream>

#include "linux_kernel_engine.h"
#include "oracle_campaign.h"
#include "oracle_pcap.h"

namespace {

using namespace ip4ref;
using namespace ip4ref::oracle;

struct Args {
  std::uint64_t trains = 1000;
  std::uint64_t seed = 1;
  std::size_t show = 5;
  std::string findings;
  std::int64_t only = -1;
  std::vector<std::string> replay;
  std::string train;
  std::string save;
  std::string expect;
  int header_variation = 8;
  bool no_options = false;
  int max_flows = 4;
  long max_dist = 0;  // the engine's default: the distance check off
};

int replay_files(Oracle& oracle, const std::vector<std::string>& files, const std::string& expect) {
  int status = 0;
  for (const std::string& path : files) {
    std::vector<Packet> packets;
    std::string error;
    if (!read_ipv4_pcap(path, &packets, &error)) {
      std::cerr << "ip4ref-oracle: " << error << "\n";
      return 2;
    }
    const Verdict v = oracle.judge(packets);
    std::cout << path << ": " << packets.size() << " packets, " << v.class_name() << "\n"
              << explain(v);
    status = (!v.agree && !v.explained) ? 1 : status;
    if (!expect.empty() && v.class_name() != expect) {
      std::cout << path << ": expected class " << expect << ", got " << v.class_name() << "\n";
      status = 1;
    }
  }
  return status;
}

int written_train(Oracle& oracle, const Args& a) {
  Train t;
  std::string error;
  if (!parse_train(a.train, &t, &error)) {
    std::cerr << "ip4ref-oracle: --train: " << error << "\n";
    return 2;
  }
  const auto packets = build_packets(t);
  if (!a.save.empty() && !write_ipv4_pcap(a.save, packets, &error)) {
    std::cerr << "ip4ref-oracle: " << error << "\n";
    return 2;
  }
  const Verdict v = oracle.judge(packets);
  std::cout << "train: " << v.class_name() << "\n" << describe(t) << explain(v);
  return (!v.agree && !v.explained) ? 1 : 0;
}

int one_train(Oracle& oracle, const Args& a, const GeneratorOptions& g) {
  const Train t = campaign_train(a.seed, static_cast<std::uint64_t>(a.only), g);
  const Verdict v = oracle.judge(build_packets(t));
  std::cout << "train " << a.only << " (seed " << a.seed << "): " << v.class_name() << "\n"
            << describe(t) << explain(v);
  if (v.agree) {
    return 0;
  }
  const Train m = oracle.minimize(t, v.class_name());
  std::cout << "minimized:\n" << describe(m) << explain(oracle.judge(build_packets(m)));
  return v.explained ? 0 : 1;
}

void print_summary(const CampaignResult& r, const Args& a) {
  std::cout << "ip4ref-oracle: kernel " << linux_kernel::LinuxKernelEngine::kernel_release() << ", "
            << r.trains << " trains (seed " << a.seed << "), " << r.packets << " packets in "
            << r.seconds << " s = " << static_cast<long>(static_cast<double>(r.trains) / r.seconds)
            << " trains/s, " << static_cast<long>(static_cast<double>(r.packets) / r.seconds)
            << " packets/s\n";
  std::cout << "  agree                 " << r.agree << "\n";
  for (const auto& [name, c] : r.classes) {
    std::cout << "  " << name << "  " << c.count << "  (first: train " << c.first_train
              << ", minimized to " << c.minimized.packets.size() << " packets)\n";
  }
  std::cout << "  unexplained           " << r.unexplained << " (of which simulation/reference "
            << "cross-check failures: " << r.crosscheck_failures << ")\n";
  std::cout << "  trains needing each explanation:\n";
  for (const auto& [name, n] : r.by_quirk) {
    std::cout << "    " << name << "  " << n << "\n";
  }
}

void add_options(CLI::App& app, Args& a) {
  app.add_option("--trains", a.trains, "number of random trains")->capture_default_str();
  app.add_option("--seed", a.seed, "campaign seed")->capture_default_str();
  app.add_option("--show", a.show, "print the first K disagreements, minimized")
      ->capture_default_str();
  app.add_option("--findings", a.findings, "write one minimized pcap per class into DIR");
  app.add_option("--only", a.only, "judge only campaign train INDEX (and minimize it)");
  app.add_option("--replay", a.replay, "judge the trains in these pcaps (LINKTYPE_IPV4)");
  app.add_option("--expect", a.expect, "with --replay: the class every file must have");
  app.add_option("--train", a.train,
                 "judge a hand-written train, e.g. \"off 0 len 8 MF ecn 2; off 8 len 8 ecn 3\"");
  app.add_option("--save", a.save, "with --train: also write it as a LINKTYPE_IPV4 pcap");
  app.add_option("--header-variation", a.header_variation,
                 "per cent of packets with DF/RF/ECN/TTL/option variations")
      ->capture_default_str();
  app.add_flag("--no-options", a.no_options, "never generate IP options");
  app.add_option("--max-flows", a.max_flows, "concurrent datagrams per train")
      ->capture_default_str();
  app.add_option("--max-dist", a.max_dist, "net.ipv4.ipfrag_max_dist in the namespace (64: the kernel's default)")
      ->capture_default_str();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ip4ref-oracle: the reference's linux policy against the running Linux kernel"};
  Args a;
  add_options(app, a);
  CLI11_PARSE(app, argc, argv);

  std::string error;
  const ReassemblyConfig config;  // DESIGN.md defaults = the kernel's: 30 s, 4 MiB / 3 MiB
  linux_kernel::EngineOptions options;
  options.max_dist = a.max_dist;
  auto kernel = linux_kernel::LinuxKernelEngine::create(config, options, &error);
  if (!kernel) {
    std::cerr << "ip4ref-oracle: " << error << "\n";
    return 77;
  }
  Oracle oracle(*kernel, config, a.max_dist);
  if (!a.replay.empty()) {
    return replay_files(oracle, a.replay, a.expect);
  }
  if (!a.train.empty()) {
    return written_train(oracle, a);
  }
  GeneratorOptions g;
  g.header_variation_percent = a.header_variation;
  g.options = !a.no_options;
  g.max_flows = a.max_flows;
  if (a.only >= 0) {
    return one_train(oracle, a, g);
  }
  CampaignOptions o;
  o.trains = a.trains;
  o.seed = a.seed;
  o.show = a.show;
  o.findings_dir = a.findings;
  o.generator = g;
  const CampaignResult r = run_campaign(oracle, o, std::cout);
  print_summary(r, a);
  const auto& c = kernel->counters();
  std::cout << "  adapter: " << c.written << " written, " << c.deliveries << " delivered, "
            << c.sentinel_timeouts << " sentinel timeouts, " << c.foreign << " foreign, "
            << c.io_errors << " I/O errors, " << c.kernel_output << " kernel output packets\n";
  return r.unexplained == 0 && c.sentinel_timeouts == 0 ? 0 : 1;
}
