// oracle_campaign.h: the reference (policy linux) against the running kernel
// (engine linux-kernel), train by train: judge one train, minimize a
// disagreement, run a seeded campaign. The function other tools call is
// run_campaign(); ip4ref-oracle (oracle_main.cpp) is its command line.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "ip4ref/events.h"
#include "ip4ref/reassembly_config.h"
#include "linux_kernel_engine.h"
#include "oracle_kernel_model.h"
#include "oracle_train.h"

namespace ip4ref::oracle {

// The outcome for one train. Event lists are observable(..., caps) for the
// kernel engine's capabilities (delivered bytes, in order), without the
// datagrams a raw socket cannot see (LinuxKernelEngine::raw_socket_sees).
struct Verdict {
  bool agree = true;         // reference == kernel
  bool explained = true;     // predict(every quirk) == kernel
  bool crosscheck = true;    // predict(no quirk) == reference
  std::uint32_t needed = 0;  // the quirks the explanation needs
  std::vector<RecordedEvent> reference, kernel, model;
  std::vector<RecordedEvent> plain;  // the simulation with no quirk

  // "agree", the quirk set ("df-largest-fragment+ecn-combination"),
  // "unexplained", or "simulation-differs-from-reference" when the kernel
  // simulation with every quirk off does not reproduce the reference (a bug
  // in one of the two; checked on every train).
  std::string class_name() const;
};

class Oracle {
 public:
  // `max_dist` must be what the engine's namespace uses (EngineOptions: 0).
  Oracle(linux_kernel::LinuxKernelEngine& kernel, const ReassemblyConfig& config,
         long max_dist = 0);

  // Pushes the packets through the kernel (then makes it forget every key
  // they used) and through the reference, and compares.
  Verdict judge(const std::vector<Packet>& packets);

  // The shortest train (greedy: drop packets, then plain headers, then unused
  // flows) whose verdict has the same class.
  Train minimize(const Train& train, const std::string& class_name);

 private:
  std::vector<RecordedEvent> run_kernel(const std::vector<Packet>& packets);

  linux_kernel::LinuxKernelEngine& kernel_;
  ReassemblyConfig config_;
  long max_dist_;
};

// The shortest train (greedy: drop packets, merge adjacent fragments,
// shorten and pull back, plain headers, then drop unused flows) that `same`
// still accepts; `same(train)` holds for `train`. Engine-generic: the kernel
// oracle and the engine campaigns (lib/adapters/oracle) both minimize with it.
Train minimize_train(const Train& train, const std::function<bool(const Train&)>& same);

// Human-readable: the three event streams and, for the first differing
// datagram, the first differing octet with the header field it falls in.
std::string explain(const Verdict& v);

struct CampaignOptions {
  std::uint64_t trains = 1000;
  std::uint64_t seed = 1;
  std::size_t show = 5;      // print the first K disagreements, minimized
  std::string findings_dir;  // when set: one minimized pcap per single-quirk class
  GeneratorOptions generator;
  double progress_seconds = 5;  // progress line interval on `log`; 0 = none
};

struct ClassRecord {
  std::uint64_t count = 0;
  std::uint64_t first_train = 0;  // index: regenerate with the same seed
  Train minimized;
  Verdict verdict;  // of the minimized train
};

struct CampaignResult {
  std::uint64_t trains = 0;
  std::uint64_t packets = 0;
  std::uint64_t agree = 0;
  std::uint64_t unexplained = 0;  // includes crosscheck failures
  std::uint64_t crosscheck_failures = 0;
  double seconds = 0;
  std::map<std::string, ClassRecord> classes;     // disagreements by class
  std::map<std::string, std::uint64_t> by_quirk;  // trains whose explanation needs the quirk
};

// The train number `index` of the campaign seeded with `seed`.
Train campaign_train(std::uint64_t seed, std::uint64_t index, const GeneratorOptions& g);

CampaignResult run_campaign(Oracle& oracle, const CampaignOptions& options, std::ostream& log);

}  // namespace ip4ref::oracle
