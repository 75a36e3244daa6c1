// tun_command.cpp: `ip4ref tun` (tun_command.h): TunLink + Stack + the
// blocking run loop, with signal handling, counters and an optional pcap of
// both directions.
#include "tun_command.h"

#include <signal.h>
#include <time.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "capture_writer.h"
#include "engine_options.h"
#include "exit_codes.h"
#include "ip4ref/ipv4_address.h"
#include "ip4ref/link.h"
#include "ip4ref/stack.h"
#include "ip4ref/tun_link.h"

namespace ip4ref::replay {
namespace {

struct TunCommandOptions {
  std::string dev;
  std::string addr;
  std::optional<std::size_t> mtu;
  std::string fragmenter = "ref";
  EngineOptions engine;
  std::string pcap;
};

// Set by SIGINT / SIGTERM; the run loop polls it (a lock-free atomic is
// async-signal-safe).
std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free);

extern "C" void on_stop_signal(int) {
  g_stop.store(true);
}

// SIGINT and SIGTERM stop the loop; the previous handlers come back after.
class StopSignals {
 public:
  StopSignals() {
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;  // no SA_RESTART: poll() returns EINTR at once
    sigaction(SIGINT, &action, &old_int_);
    sigaction(SIGTERM, &action, &old_term_);
  }
  ~StopSignals() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

// Wall-clock time for capture timestamps (a pcap is read against calendars,
// unlike the stack's monotonic clock).
Instant wall_clock_now() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return Instant::from_ns(std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec);
}

// A Link that passes everything through and records each packet read or
// written into a capture.
class RecordingLink final : public Link {
 public:
  RecordingLink(Link& inner, CaptureWriter& capture) : inner_(inner), capture_(capture) {}
  std::size_t headroom() const override { return inner_.headroom(); }
  std::size_t mtu() const override { return inner_.mtu(); }
  int poll_fd() const override { return inner_.poll_fd(); }
  std::string name() const override { return inner_.name(); }
  LinkIo read(MutableBytes frame) override {
    const LinkIo io = inner_.read(frame);
    if (io.status == LinkStatus::kOk) {
      capture_.write(wall_clock_now(), Bytes{frame}.subspan(headroom(), io.length));
    }
    return io;
  }
  LinkIo write(MutableBytes frame) override {
    const LinkIo io = inner_.write(frame);
    if (io.status == LinkStatus::kOk) {
      capture_.write(wall_clock_now(), Bytes{frame}.subspan(headroom()));
    }
    return io;
  }

 private:
  Link& inner_;
  CaptureWriter& capture_;
};

int fail(const std::string& message) {
  std::fprintf(stderr, "ip4ref tun: %s\n", message.c_str());
  return kExitBadInput;
}

// The stack config the options describe; nullopt after printing the error.
std::optional<StackConfig> stack_config(const TunCommandOptions& o) {
  const std::optional<Ipv4Prefix> prefix = Ipv4Prefix::parse(o.addr);
  if (!prefix) {
    fail("--addr '" + o.addr + "' is not an address with a prefix, e.g. 192.0.2.2/24");
    return std::nullopt;
  }
  std::string error;
  const std::optional<ReassemblyConfig> reassembly = make_config(o.engine, error);
  if (!reassembly) {
    fail(error);
    return std::nullopt;
  }
  if (!engine_known(o.engine.engine)) {
    fail("unknown engine '" + o.engine.engine + "' (known: " + engine_names() + ")");
    return std::nullopt;
  }
  StackConfig config;
  config.addresses.push_back(*prefix);
  config.engine = o.engine.engine;
  config.reassembly = *reassembly;
  config.fragmenter = o.fragmenter;
  return config;
}

int run_tun(const TunCommandOptions& o) {
  const std::optional<StackConfig> config = stack_config(o);
  if (!config) {
    return kExitBadInput;
  }
  if (o.mtu && (*o.mtu < 68 || *o.mtu > 65535)) {
    return fail("--mtu must be 68..65535 (RFC 791: every IPv4 link carries 68 octets)");
  }
  TunError tun_error;
  std::unique_ptr<TunLink> tun = TunLink::open({o.dev, o.mtu, /*bring_up=*/true}, &tun_error);
  if (!tun) {
    return fail(tun_error.message);
  }
  std::unique_ptr<CaptureWriter> capture;
  std::unique_ptr<RecordingLink> recording;
  Link* link = tun.get();
  if (!o.pcap.empty()) {
    std::string error;
    capture = CaptureWriter::open(o.pcap, error);
    if (!capture) {
      return fail(error);
    }
    recording = std::make_unique<RecordingLink>(*tun, *capture);
    link = recording.get();
  }
  std::string error;
  std::unique_ptr<Stack> stack = Stack::create(*link, *config, &error);
  if (!stack) {
    return fail(error);
  }
  std::fprintf(stderr, "ip4ref tun: %s on %s, MTU %zu, engine %s, policy %s; Ctrl-C stops\n",
               o.addr.c_str(), tun->name().c_str(), stack->mtu(), o.engine.engine.c_str(),
               o.engine.policy.c_str());
  {
    g_stop.store(false);
    const StopSignals signals;
    stack->run(steady_now, g_stop);
  }
  std::fputs(to_string(stack->stats()).c_str(), stdout);
  std::fflush(stdout);
  if (capture) {
    std::fprintf(stderr, "ip4ref tun: %llu packets recorded in %s\n",
                 static_cast<unsigned long long>(capture->written()), o.pcap.c_str());
    if (!capture->close(error)) {
      return fail(error);
    }
  }
  return kExitOk;
}

}  // namespace

void add_tun_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<TunCommandOptions>();
  CLI::App* cmd = app.add_subcommand(
      "tun", "run the reference stack on a TUN device: answers ping, prints counters on exit");
  cmd->add_option("--dev", options->dev, "TUN device to create or attach (e.g. tun0)")->required();
  cmd->add_option("--addr", options->addr, "the stack's address and prefix, e.g. 192.0.2.2/24")
      ->required();
  cmd->add_option("--mtu", options->mtu, "set the device MTU first (68..65535)");
  cmd->add_option("--pcap", options->pcap, "record both directions to this LINKTYPE_IPV4 pcap");
  cmd->add_option("--fragmenter", options->fragmenter, "ref (default) or fast");
  add_engine_options(*cmd, options->engine);
  cmd->footer(
      "The kernel side is yours to configure, e.g.\n"
      "  ip addr add 192.0.2.1/24 dev tun0 && ping 192.0.2.2\n"
      "Needs CAP_NET_ADMIN to create or attach the device. Exit: 0 clean stop, 2 error.");
  cmd->callback([options, &exit_code] { exit_code = run_tun(*options); });
}

}  // namespace ip4ref::replay
