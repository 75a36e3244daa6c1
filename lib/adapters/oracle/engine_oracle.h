// engine_oracle.h: any registered engine (libtins, dpdk, so:PATH, fast...)
// against the reference under a chosen policy, train by train: the engine
// campaign behind `ip4ref oracle --against ENGINE`. Trains come from the
// kernel campaign's generator (oracle_train.h), minimization from its
// minimizer (minimize_train, oracle_campaign.h); a disagreement's class is
// divergence_class.h's. The linux-kernel engine keeps its own judge (a
// simulation of the kernel explains each disagreement: oracle_campaign.h);
// `ip4ref oracle --against linux-kernel` runs that one.
//
// What is compared: the datagrams each engine delivered, octet for octet,
// per fragment key (divergence_class.h), for every engine, since every
// adapter observes delivered bytes. For libtins, dpdk and linux-kernel that
// is all: drops, discards, reasons, fragment counts, timeouts and counters
// are not compared (what they cannot observe, describe_missing()); the
// reference's reasons only name classes. An engine that observes more
// (fast, a so: plug-in) is then also compared on every event both observe.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "divergence_class.h"
#include "ip4ref/reassembly_config.h"
#include "ip4ref/reassembly_engine.h"
#include "oracle_train.h"

namespace ip4ref::oracle {

struct EngineVerdict {
  std::string class_name = "agree";  // divergence_class.h
  std::string detail;                // one line: the first difference
  FragmentKey key;                   // the key the class is about
  TrainEvents reference, engine;
  bool agree() const { return class_name == "agree"; }
};

class EngineOracle {
 public:
  // nullptr with *error when the engine is unknown or cannot be created.
  // `config.policy` is the reference's policy (the engine gets the same
  // config and may ignore the policy).
  static std::unique_ptr<EngineOracle> create(const std::string& engine,
                                              const ReassemblyConfig& config, std::string* error);

  // Runs the packets through a fresh reference and the engine (packet i at
  // i microseconds after the train's start) and compares.
  EngineVerdict judge(const std::vector<Packet>& packets);
  // The shortest train with the same class (minimize_train).
  Train minimize(const Train& train, const std::string& class_name);

  const std::string& engine_name() const { return name_; }
  std::uint32_t capabilities() const { return caps_; }
  const ReassemblyConfig& config() const { return config_; }

 private:
  EngineOracle(std::string name, const ReassemblyConfig& config,
               std::unique_ptr<ReassemblyEngine> engine);
  TrainEvents run(ReassemblyEngine& engine, const std::vector<Packet>& packets, Instant start);
  void compare_events(EngineVerdict& v) const;
  EngineVerdict judge_once(const std::vector<Packet>& packets);

  std::string name_;
  ReassemblyConfig config_;
  std::uint32_t caps_ = 0;
  // Reused across trains only when making one is expensive (dpdk: a 256k-entry
  // table); each train then starts a timeout + 1 s after the previous one, and
  // expire() at its start clears what the last train left.
  std::unique_ptr<ReassemblyEngine> reused_;
  std::int64_t trains_run_ = 0;
};

struct EngineCampaignOptions {
  std::uint64_t trains = 1000;
  std::uint64_t seed = 1;
  std::string findings_dir;  // when set: <class>.pcap, minimized, per class
  GeneratorOptions generator;
  double progress_seconds = 5;  // progress line interval on `log`; 0 = none
};

struct EngineClassRecord {
  std::uint64_t count = 0;
  std::uint64_t first_train = 0;
  Train minimized;
  EngineVerdict verdict;  // of the minimized train
};

struct EngineCampaignResult {
  std::uint64_t trains = 0;
  std::uint64_t packets = 0;
  std::uint64_t agree = 0;
  double seconds = 0;
  std::map<std::string, EngineClassRecord> classes;
};

EngineCampaignResult run_engine_campaign(EngineOracle& oracle, const EngineCampaignOptions& options,
                                         std::ostream& log);

// The delivered datagrams of both sides and the difference, for a report.
std::string explain(const EngineVerdict& v, const std::string& engine);

}  // namespace ip4ref::oracle
