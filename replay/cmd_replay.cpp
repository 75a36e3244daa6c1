// cmd_replay.cpp: `ip4ref replay IN.pcap`: the capture's packet timestamps
// drive the clock of a reassembly engine (DESIGN.md "Time is a parameter");
// reassembled datagrams go to a LINKTYPE_IPV4 pcap; a summary goes to stderr
// (or JSON to stdout). --compare runs a second engine in lockstep.
//
// Clock: the first packet's timestamp starts it; a timestamp earlier than the
// clock is counted (clock_regressions) and the packet is pushed at the clock,
// which never goes back. End of capture: nothing is force-expired (datagrams
// still incomplete are reported as in_progress) unless --expire-at-end.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <limits>
#include <memory>

#include "capture_reader.h"
#include "capture_writer.h"
#include "commands.h"
#include "compare.h"
#include "engine_options.h"
#include "exit_codes.h"
#include "expect_check.h"
#include "ip4ref/reassembly_engine.h"
#include "progress_bar.h"
#include "replay_sink.h"
#include "replay_summary.h"

namespace ip4ref::replay {
namespace {

using json = nlohmann::ordered_json;

struct ReplayArgs {
  std::string input;
  std::string out;
  std::string compare;
  std::string expect;
  EngineOptions engine;
  bool only_reassembled = false;
  bool json = false;
  bool quiet = false;
  bool events = false;
  bool expire_at_end = false;
  std::string reader = "auto";
};

void complain(const std::string& line) {
  std::fprintf(stderr, "ip4ref replay: %s\n", line.c_str());
}

class Replayer {
 public:
  explicit Replayer(const ReplayArgs& args) : args_(args) {}
  int run();

 private:
  bool open_all();
  bool read_all();  // false on bad input
  template <bool kCompare>
  CaptureReader::Next replay_from(CapturedPacket& p, ProgressBar& progress);
  void push_compared(const CapturedPacket& p, Instant now);
  void expire_at_end();
  void check_lockstep(const StepContext& ctx);
  json build_json() const;
  int finish(double seconds);

  const ReplayArgs& args_;
  ReassemblyConfig config_;
  std::unique_ptr<ReassemblyEngine> a_, b_;
  std::unique_ptr<CaptureReader> reader_;
  std::unique_ptr<CaptureWriter> writer_;
  std::optional<Expectation> expectation_;
  ReplayCounters counters_;
  std::vector<std::string> event_lines_;
  std::unique_ptr<ReplaySink> sink_;
  CapturedPacket packet_;  // the record being replayed, which sink_ follows
  EventLog log_a_, log_b_;
  std::optional<Divergence> divergence_;
};

std::unique_ptr<ReassemblyEngine> make_named(const std::string& name, const ReassemblyConfig& c) {
  std::string error;
  auto e = make_engine(name, c, &error);
  if (!e && (engine_known(name) || name.rfind("so:", 0) == 0)) {
    // An adapter that exists but cannot run here (the factory said why on stderr).
    complain("engine '" + name + "' cannot be created here" +
             (error.empty() ? std::string() : ": " + error));
  } else if (!e) {
    complain("unknown engine '" + name + "' (this build has: " + engine_names() + ")");
  }
  return e;
}

bool Replayer::open_all() {
  std::string error;
  const auto config = make_config(args_.engine, error);
  if (!config) {
    complain(error);
    return false;
  }
  config_ = *config;
  a_ = make_named(args_.engine.engine, config_);
  if (!a_ || (!args_.compare.empty() && !(b_ = make_named(args_.compare, config_)))) {
    return false;
  }
  if (!args_.expect.empty() && !(expectation_ = load_expectation(args_.expect, error))) {
    complain(error);
    return false;
  }
  const ReaderChoice choice =
      args_.reader == "libpcap" ? ReaderChoice::kLibpcap : ReaderChoice::kAuto;
  if (!(reader_ = CaptureReader::open(args_.input, error, choice)) ||
      (!args_.out.empty() && !(writer_ = CaptureWriter::open(args_.out, error)))) {
    complain(error);
    return false;
  }
  const bool keep_events = args_.events || (expectation_ && expectation_->events);
  sink_ = std::make_unique<ReplaySink>(counters_, writer_.get(), args_.only_reassembled,
                                       keep_events ? &event_lines_ : nullptr);
  return true;
}

// --compare: both engines take the packet, the first one's events also go
// to the counting sink; then their events, counters and next expiry must
// agree. Strings are built here, so this is not the one-engine loop's path.
void Replayer::push_compared(const CapturedPacket& p, Instant now) {
  const Bytes ip = p.link.ipv4;
  const StepContext ctx{std::to_string(p.number), p.file_offset, p.timestamp, ip,
                        args_.engine.engine, args_.compare};
  log_a_.clear();
  log_b_.clear();
  TeeSink tee(*sink_, log_a_);
  a_->push(ip, now, tee);
  b_->push(ip, now, log_b_);
  check_lockstep(ctx);
}

// Only what both engines can observe is compared (capabilities(),
// reassembly_engine.h): an adapter such as libtins or linux-kernel reports
// delivered datagrams only, so drops, discards, reasons, fragment counts,
// counters and next expiry are left out for it (the summary says which).
void Replayer::check_lockstep(const StepContext& ctx) {
  const std::uint32_t caps = a_->capabilities() & b_->capabilities();
  if (caps == kCapNative) {
    divergence_ = compare_step(ctx, EngineState{log_a_.events(), a_->stats(), a_->next_expiry()},
                               EngineState{log_b_.events(), b_->stats(), b_->next_expiry()});
    return;
  }
  static const ReassemblyStats kNotCompared;
  const bool stats = (caps & kCapStats) != 0;
  const bool expiry = (caps & IP4REF_CAP_NEXT_EXPIRY) != 0;
  const auto events_a = observable(log_a_.events(), caps);
  const auto events_b = observable(log_b_.events(), caps);
  divergence_ = compare_step(ctx,
                             EngineState{events_a, stats ? a_->stats() : kNotCompared,
                                         expiry ? a_->next_expiry() : std::nullopt},
                             EngineState{events_b, stats ? b_->stats() : kNotCompared,
                                         expiry ? b_->next_expiry() : std::nullopt});
}

// The per-packet loop, from the record already in `p` to the end of the
// capture, an error or (kCompare) the first divergence. The clock: the
// first packet's timestamp starts it (read_all); an earlier timestamp is
// counted and the packet is pushed at the clock, which never goes back.
// Only what must be decided per packet is done per packet: `packets` is the
// reader's count and `ipv4` follows from it (read_all).
template <bool kCompare>
CaptureReader::Next Replayer::replay_from(CapturedPacket& first, ProgressBar& progress) {
  CaptureReader& reader = *reader_;
  ReassemblyEngine& engine = *a_;
  ReplaySink& sink = *sink_;
  Instant clock = *counters_.clock;
  std::uint64_t snapped = 0;
  // Always inlined (in CaptureReader::for_each's loop): a call per packet
  // would cost more than the body.
  const auto replay_one = [&](const CapturedPacket& p) __attribute__((always_inline)) {
    snapped += p.snapped() ? 1 : 0;
    if (p.timestamp < clock) [[unlikely]] {
      ++counters_.clock_regressions;
    } else {
      clock = p.timestamp;
    }
    if (p.link.kind != LinkPayload::kIpv4) [[unlikely]] {
      ++(p.link.kind == LinkPayload::kOther ? counters_.non_ipv4 : counters_.link_truncated);
    } else if constexpr (kCompare) {
      push_compared(p, clock);
      if (divergence_) {
        return false;
      }
    } else {
      engine.push(p.link.ipv4, clock, sink);
    }
    progress.update(p.number, [&] { return reader.position(); });
    return true;
  };
  const CaptureReader::Next next =
      replay_one(first) ? reader.for_each(first, replay_one) : CaptureReader::Next::kPacket;
  counters_.clock = clock;
  counters_.snapped += snapped;
  return next;
}

bool Replayer::read_all() {
  ProgressBar progress("replay", reader_->file_size(), !args_.quiet);
  CapturedPacket& p = packet_;
  sink_->follow(p);
  CaptureReader::Next next = reader_->next(p);
  if (next == CaptureReader::Next::kPacket) {
    counters_.first_timestamp = p.timestamp;
    counters_.clock = p.timestamp;
    next = b_ ? replay_from<true>(p, progress) : replay_from<false>(p, progress);
  }
  counters_.packets = reader_->packets();
  counters_.ipv4 = counters_.packets - counters_.non_ipv4 - counters_.link_truncated;
  if (next == CaptureReader::Next::kError) {
    progress.finish();
    complain(reader_->error());
    return false;
  }
  return true;
}

// --expire-at-end: every datagram still in progress times out, as if the
// clock ran on forever after the last packet.
void Replayer::expire_at_end() {
  const Instant forever = Instant::from_ns(std::numeric_limits<std::int64_t>::max());
  const StepContext ctx{"end", reader_->position(), counters_.clock.value_or(Instant{}),
                        {},    args_.engine.engine, args_.compare};
  packet_ = CapturedPacket{};
  packet_.number = ReplaySink::kEnd;
  packet_.timestamp = ctx.timestamp;
  if (!b_) {
    a_->expire(forever, *sink_);
    return;
  }
  log_a_.clear();
  log_b_.clear();
  TeeSink tee(*sink_, log_a_);
  a_->expire(forever, tee);
  b_->expire(forever, log_b_);
  check_lockstep(ctx);
}

json Replayer::build_json() const {
  ReplayMeta meta{args_.input, link_type_name(reader_->link_type()), args_.engine.engine, config_,
                  args_.out,   writer_ ? writer_->written() : 0,     args_.expire_at_end};
  json j = summary_json(meta, counters_, a_->stats());
  if (b_) {
    const std::string missing = describe_missing(a_->capabilities() & b_->capabilities());
    j["compare"] = json{{"engine", args_.compare},
                        {"not_compared", missing},
                        {"diverged", divergence_.has_value()},
                        {"divergence", divergence_ ? divergence_->json : json(nullptr)}};
  }
  if (args_.events) {
    j["events"] = event_lines_;
  }
  return j;
}

int Replayer::finish(double seconds) {
  // Built only when something reads it: --quiet alone needs no summary (and
  // naming the link type may load libpcap, libpcap_on_demand.cpp).
  const bool wanted = args_.json || !args_.quiet || expectation_.has_value();
  const json j = wanted ? build_json() : json();
  if (args_.json) {
    std::cout << j.dump(2) << "\n";
  } else if (!args_.quiet) {
    ReplayMeta meta{args_.input,         j["link_type"],
                    args_.engine.engine, config_,
                    args_.out,           writer_ ? writer_->written() : 0,
                    args_.expire_at_end};
    std::fputs(summary_text(meta, counters_, a_->stats(), seconds).c_str(), stderr);
  }
  int rc = kExitOk;
  if (b_ && !args_.quiet && !args_.json) {
    const std::string missing = describe_missing(a_->capabilities() & b_->capabilities());
    if (!missing.empty()) {
      std::fprintf(
          stderr, "compare %s vs %s: %s (what %s cannot observe)\n", args_.engine.engine.c_str(),
          args_.compare.c_str(), missing.c_str(),
          a_->capabilities() == kCapNative ? args_.compare.c_str() : args_.engine.engine.c_str());
    }
  }
  if (divergence_) {
    std::fputs(divergence_->report.c_str(), stderr);
    rc = kExitDifferent;
  }
  if (expectation_) {
    for (const std::string& m : check_expectation(*expectation_, j, event_lines_)) {
      complain(args_.expect + ": " + m);
      rc = kExitDifferent;
    }
  }
  return rc;
}

int Replayer::run() {
  if (!open_all()) {
    return kExitBadInput;
  }
  const auto started = std::chrono::steady_clock::now();
  const bool ok = read_all();
  if (ok && !divergence_ && args_.expire_at_end) {
    expire_at_end();
  }
  std::string error;
  if (writer_ && !writer_->close(error)) {
    complain(error);
    return kExitBadInput;
  }
  if (!ok) {
    return kExitBadInput;
  }
  const auto elapsed = std::chrono::steady_clock::now() - started;
  return finish(std::chrono::duration<double>(elapsed).count());
}

}  // namespace

void add_replay_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ReplayArgs>();
  CLI::App* cmd = app.add_subcommand(
      "replay", "Reassemble the IPv4 fragments of a capture; packet timestamps are the clock.");
  cmd->add_option("input", args->input, "capture to read (pcap or pcapng; - for stdin)")
      ->required();
  cmd->add_option("--reader", args->reader,
                  "auto: classic pcap parsed by ip4ref, the rest by libpcap; libpcap: "
                  "libpcap for every file (to compare)")
      ->check(CLI::IsMember({"auto", "libpcap"}));
  add_engine_options(*cmd, args->engine);
  cmd->add_option("--out", args->out,
                  "write delivered datagrams to this LINKTYPE_IPV4 pcap (nanosecond timestamps)");
  cmd->add_flag("--only-reassembled", args->only_reassembled,
                "with --out: only reassembled datagrams, not unfragmented packets");
  cmd->add_option("--compare", args->compare,
                  "run this second engine in lockstep; exit 1 at the first divergence");
  cmd->add_flag("--json", args->json, "print the summary as JSON on stdout (replay/README.md)");
  cmd->add_flag("--events", args->events, "with --json: list every event (small captures)");
  cmd->add_flag("--quiet", args->quiet, "no summary, no progress bar (errors still shown)");
  cmd->add_flag("--expire-at-end", args->expire_at_end,
                "at end of capture, time out every datagram still in progress");
  cmd->add_option("--expect", args->expect,
                  "expected-outcome file (corpus/regressions/*.expect.json); exit 1 if the "
                  "run does not match");
  cmd->callback([args, &exit_code] { exit_code = Replayer(*args).run(); });
}

}  // namespace ip4ref::replay
