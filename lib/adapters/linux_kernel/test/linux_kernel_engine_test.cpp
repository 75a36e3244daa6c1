// linux_kernel_engine_test.cpp: engine "linux-kernel" against the reference
// (policy linux), on the running kernel. ctest label `netns`: every test that
// needs the kernel skips, saying why, without root, /dev/net/tun or
// permission to create a network namespace.
#include "linux_kernel_engine.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <sstream>

#include "ip4ref/checksum.h"
#include "ip4ref/ipv4_header.h"
#include "oracle_campaign.h"
#include "oracle_kernel_model.h"
#include "oracle_train.h"

namespace ip4ref {
namespace {

using linux_kernel::EngineOptions;
using linux_kernel::LinuxKernelEngine;
using oracle::FragmentRecipe;
using oracle::Packet;
using oracle::Train;

constexpr std::uint32_t kSource = 0xc000020a;       // 192.0.2.10
constexpr std::uint32_t kDestination = 0xc6336401;  // 198.51.100.1

Train one_flow(std::vector<FragmentRecipe> packets, std::uint8_t protocol = 17) {
  Train t;
  t.flows = {oracle::Flow{kSource, kDestination, protocol, 0x1234}};
  t.packets = std::move(packets);
  return t;
}

FragmentRecipe piece(std::uint32_t offset, std::uint32_t length, bool more,
                     std::uint8_t fill = 0x41) {
  FragmentRecipe r;
  r.offset = offset;
  r.length = length;
  r.more = more;
  r.fill = fill;
  return r;
}

std::vector<RecordedEvent> reference(const std::vector<Packet>& packets,
                                     const ReassemblyConfig& config = {}) {
  auto ref = make_engine("ref", config);
  EventLog log;
  for (std::size_t i = 0; i < packets.size(); ++i) {
    ref->push(packets[i], Instant::from_ns(static_cast<std::int64_t>(i)), log);
  }
  return observable(log.events(), IP4REF_CAP_DELIVERED_BYTES);
}

class LinuxKernelEngineTest : public ::testing::Test {
 protected:
  void SetUp() override { make(ReassemblyConfig{}); }

  void make(const ReassemblyConfig& config, const EngineOptions& options = {}) {
    std::string error;
    engine_ = LinuxKernelEngine::create(config, options, &error);
    if (!engine_) {
      GTEST_SKIP() << "linux-kernel engine unavailable (needs root, /dev/net/tun and "
                      "permission to create a network namespace): "
                   << error;
    }
  }

  std::vector<RecordedEvent> kernel(const std::vector<Packet>& packets) {
    EventLog log;
    for (std::size_t i = 0; i < packets.size(); ++i) {
      engine_->push(packets[i], Instant::from_ns(static_cast<std::int64_t>(i)), log);
    }
    EXPECT_EQ(engine_->counters().sentinel_timeouts, 0u);
    return observable(log.events(), engine_->capabilities());
  }

  std::unique_ptr<LinuxKernelEngine> engine_;
};

TEST(LinuxKernelEngineRegistry, RegistersByNameAndRefusesOtherPolicies) {
  register_linux_kernel_engine();
  register_linux_kernel_engine();  // idempotent
  std::size_t found = 0;
  for (const EngineInfo& e : engine_registry()) {
    found += e.name == "linux-kernel" ? 1 : 0;
  }
  EXPECT_EQ(found, 1u);
  ReassemblyConfig last;
  last.policy = Policy::kLast;
  std::string error;
  EXPECT_EQ(make_linux_kernel_engine(last, &error), nullptr);
  EXPECT_NE(error.find("only policy linux"), std::string::npos) << error;
  ReassemblyConfig capped;
  capped.max_fragments_per_datagram = 4;
  EXPECT_EQ(make_linux_kernel_engine(capped, &error), nullptr);
  EXPECT_NE(error.find("cap"), std::string::npos) << error;
}

TEST_F(LinuxKernelEngineTest, CapabilitiesAreDeliveredBytesOnly) {
  EXPECT_EQ(engine_->capabilities(), std::uint32_t{IP4REF_CAP_DELIVERED_BYTES});
  EXPECT_EQ(engine_->name(), "linux-kernel");
  EXPECT_EQ(engine_->next_expiry(), std::nullopt);
}

TEST_F(LinuxKernelEngineTest, UnfragmentedPacketPassesThroughUnchanged) {
  const auto packets = oracle::build_packets(one_flow({piece(0, 100, false)}));
  const auto got = kernel(packets);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].bytes, packets[0]);
  EXPECT_EQ(got, reference(packets));
}

TEST_F(LinuxKernelEngineTest, CleanTrainInAnyOrderIsDeliveredAsTheReferenceBuildsIt) {
  const std::vector<FragmentRecipe> clean = {piece(0, 1480, true, 1), piece(1480, 1480, true, 2),
                                             piece(2960, 1000, false, 3)};
  const std::vector<std::vector<int>> orders = {{0, 1, 2}, {2, 1, 0}, {1, 2, 0}, {2, 0, 1}};
  for (const auto& order : orders) {
    std::vector<FragmentRecipe> train;
    for (int i : order) {
      train.push_back(clean[static_cast<std::size_t>(i)]);
    }
    for (const std::uint8_t protocol : std::vector<std::uint8_t>{17, 6, 1, 253}) {
      const auto packets = oracle::build_packets(one_flow(train, protocol));
      const auto got = kernel(packets);
      ASSERT_EQ(got.size(), 1u) << "protocol " << int{protocol};
      EXPECT_EQ(got, reference(packets)) << "protocol " << int{protocol};
      EXPECT_EQ(got[0].bytes.size(), 20u + 3960u);
    }
  }
}

TEST_F(LinuxKernelEngineTest, OverlapDiscardsTheDatagramWhereTheReferenceDoes) {
  // [0,16) then [8,24): a partial overlap -> inet_frag_queue_insert
  // IPFRAG_OVERLAP -> discard_qp; the last fragment then starts a new queue.
  const auto packets = oracle::build_packets(
      one_flow({piece(0, 16, true), piece(8, 16, true, 0x77), piece(24, 8, false)}));
  EXPECT_TRUE(kernel(packets).empty());
  EXPECT_TRUE(reference(packets).empty());
}

TEST_F(LinuxKernelEngineTest, DuplicateInsideARunIsDroppedAlone) {
  // [8,16) lies inside the run [0,24): IPFRAG_DUP, the queue is kept.
  const auto packets = oracle::build_packets(one_flow(
      {piece(0, 16, true), piece(16, 8, true), piece(8, 8, true, 0x99), piece(24, 8, false)}));
  const auto got = kernel(packets);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got, reference(packets));
}

TEST_F(LinuxKernelEngineTest, AddressesAreMappedBackAndKeysStayApart) {
  // Same source, protocol and id, two destinations, interleaved: two keys.
  Train t;
  t.flows = {oracle::Flow{0x0a000001, 0x0a000002, 17, 7},
             oracle::Flow{0x0a000001, 0x0a000003, 17, 7}};
  FragmentRecipe a0 = piece(0, 8, true, 1), a1 = piece(8, 8, false, 2);
  FragmentRecipe b0 = piece(0, 8, true, 3), b1 = piece(8, 16, false, 4);
  b0.flow = b1.flow = 1;
  t.packets = {a0, b0, a1, b1};
  const auto packets = oracle::build_packets(t);
  const auto got = kernel(packets);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got, reference(packets));
  EXPECT_EQ(got[0].key.destination, 0x0a000002u);
  EXPECT_EQ(got[1].key.destination, 0x0a000003u);
  EXPECT_EQ(internet_checksum(Bytes(got[1].bytes).first(20)), 0);
}

TEST_F(LinuxKernelEngineTest, BadPacketsAreDroppedByTheKernelToo) {
  auto packets = oracle::build_packets(one_flow({piece(0, 64, false)}));
  packets[0][ipv4_field::kChecksum] ^= 0x01;  // RFC 791: discarded at once
  EXPECT_TRUE(kernel(packets).empty());
  const Packet version6(40, 0x60);
  EventLog log;
  engine_->push(version6, Instant{}, log);
  EXPECT_TRUE(log.events().empty());
  EXPECT_EQ(engine_->counters().not_ipv4, 1u);
}

TEST_F(LinuxKernelEngineTest, ForgetKillsTheKernelsQueue) {
  const auto packets = oracle::build_packets(one_flow({piece(0, 16, true), piece(16, 16, false)}));
  EventLog log;
  engine_->push(packets[0], Instant{}, log);
  engine_->forget(FragmentKey{kSource, kDestination, 17, 0x1234});
  engine_->push(packets[1], Instant{}, log);
  EXPECT_TRUE(log.events().empty());
}

TEST_F(LinuxKernelEngineTest, StripOptionsGivesTheReferencesHeader) {
  ReassemblyConfig config;
  config.strip_options = true;
  make(config);
  if (IsSkipped()) {
    return;
  }
  FragmentRecipe first = piece(0, 16, true), last = piece(16, 8, false);
  first.options = oracle::OptionKind::kNop;
  const auto packets = oracle::build_packets(one_flow({first, last}));
  const auto got = kernel(packets);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].bytes[0], 0x45);
  EXPECT_EQ(got, reference(packets, config));
}

// The `linux` policy's finer rules (DESIGN.md, reassembly_store.h), each
// confirmed on the running kernel: the kernel delivers exactly what the
// reference does. Trains in oracle::parse_train's notation.
struct PolicyCase {
  const char* name;
  const char* train;
  std::size_t delivered;
};

const PolicyCase kLinuxRules[] = {
    {"clean, last fragment first", "off 16 len 8; off 0 len 8 MF; off 8 len 8 MF", 1},
    {"duplicate inside a run is dropped alone",
     "off 0 len 16 MF; off 16 len 8 MF; off 8 len 8 MF fill 0x99; off 24 len 8", 1},
    {"runs are not merged: a fragment across two runs is an overlap",
     "off 0 len 8 MF; off 16 len 8 MF; off 8 len 8 MF; off 0 len 16 MF; off 24 len 8", 0},
    {"partial overlap of the tail discards", "off 0 len 16 MF; off 8 len 16 MF; off 24 len 8", 0},
    {"a duplicate last fragment sets the end but completes nothing", "off 0 len 16 MF; off 8 len 8",
     0},
    {"unaligned MF fragment is cut down to a multiple of 8",
     "off 0 len 13 MF; off 8 len 8 fill 0x42", 1},
    {"MF fragment shorter than 8 octets discards the datagram",
     "off 0 len 8 MF; off 8 len 5 MF; off 8 len 8", 0},
    {"zero-length last fragment discards the datagram", "off 0 len 8 MF; off 8 len 0; off 8 len 8",
     0},
    {"a second, different end discards the datagram", "off 8 len 8; off 16 len 8; off 0 len 8 MF",
     0},
    {"MF data past a known end discards the datagram",
     "off 8 len 8; off 16 len 8 MF; off 0 len 8 MF", 0},
    {"last fragment ending before data already seen discards",
     "off 16 len 8 MF; off 8 len 8; off 0 len 8 MF; off 8 len 16", 1},
    {"the header is the offset-0 fragment's", "off 8 len 8 ttl 200; off 0 len 8 MF ttl 5", 1},
    {"concurrent datagrams keep apart",
     "off 0 len 8 MF; off 0 len 8 MF f 1; off 8 len 8 f 1; off 8 len 16", 2},
};

TEST_F(LinuxKernelEngineTest, KernelConfirmsTheLinuxPolicysRules) {
  for (const PolicyCase& c : kLinuxRules) {
    Train t;
    std::string error;
    ASSERT_TRUE(oracle::parse_train(c.train, &t, &error)) << c.name << ": " << error;
    const auto packets = oracle::build_packets(t);
    const auto got = kernel(packets);
    EXPECT_EQ(got.size(), c.delivered) << c.name;
    EXPECT_EQ(got, reference(packets)) << c.name;
    for (const auto& key : {FragmentKey{0xc000020a, 0xc6336401, 17, 0x1234},
                            FragmentKey{0xc000020a, 0xc6336401, 17, 0x1235}}) {
      engine_->forget(key);
    }
  }
}

TEST_F(LinuxKernelEngineTest, TimeoutIsIpfragTimeRoundedUpToSeconds) {
  ReassemblyConfig config;
  config.timeout = Duration::milliseconds(400);  // ipfrag_time 1
  make(config);
  if (IsSkipped()) {
    return;
  }
  const auto packets = oracle::build_packets(one_flow({piece(0, 16, true), piece(16, 8, false)}));
  EventLog log;
  engine_->push(packets[0], Instant{}, log);
  usleep(2'200'000);  // past 1 s plus the timer's slack: the queue is gone
  engine_->push(packets[1], Instant{}, log);
  EXPECT_TRUE(log.events().empty());
  EXPECT_GE(engine_->stats().reasm_timeout, 1u);
}

TEST_F(LinuxKernelEngineTest, MemoryThresholdReachesTheNamespace) {
  // ipfrag_high_thresh 1: after the first fragment the queues hold more than
  // that, and inet_frag_find refuses every further fragment.
  ReassemblyConfig config;
  config.high_threshold = 1;
  config.low_threshold = 0;
  make(config);
  if (IsSkipped()) {
    return;
  }
  const auto packets = oracle::build_packets(one_flow({piece(0, 16, true), piece(16, 8, false)}));
  EXPECT_TRUE(kernel(packets).empty());
  EXPECT_TRUE(reference(packets, config).empty());
}

TEST_F(LinuxKernelEngineTest, DfFollowsTheLargestFragmentNotTheFirst) {
  // ip_frag_reasm: DF only "if (qp->max_df_size == qp->q.max_size)".
  FragmentRecipe first = piece(0, 8, true), last = piece(8, 64, false);
  first.dont_fragment = true;
  const auto packets = oracle::build_packets(one_flow({first, last}));
  const auto got = kernel(packets);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_FALSE((got[0].bytes[ipv4_field::kFlagsFragment] & 0x40) != 0);
  // The reference's linux policy models this since the first campaign.
  const auto ref = reference(packets);
  ASSERT_EQ(ref.size(), 1u);
  EXPECT_FALSE((ref[0].bytes[ipv4_field::kFlagsFragment] & 0x40) != 0);
  const auto model = observable(oracle::predict(packets, oracle::kDfLargestFragment, {}, got),
                                IP4REF_CAP_DELIVERED_BYTES);
  EXPECT_EQ(model, got);
}

TEST_F(LinuxKernelEngineTest, KernelCountersAreReadFromTheNamespace) {
  const auto packets = oracle::build_packets(one_flow({piece(0, 16, true), piece(16, 8, false)}));
  ASSERT_EQ(kernel(packets).size(), 1u);
  EXPECT_EQ(engine_->stats().reasm_oks, 1u);
  EXPECT_EQ(engine_->stats().reasm_reqds, 2u);
}

TEST_F(LinuxKernelEngineTest, DestructionRemovesTheHelperAndItsNamespace) {
  const pid_t helper = engine_->helper_pid();
  ASSERT_EQ(kill(helper, 0), 0);
  engine_.reset();
  EXPECT_EQ(kill(helper, 0), -1);
  EXPECT_EQ(errno, ESRCH);
}

TEST_F(LinuxKernelEngineTest, ShortCampaignHasNoUnexplainedDisagreement) {
  oracle::Oracle o(*engine_, ReassemblyConfig{});
  oracle::CampaignOptions options;
  options.trains = 300;
  options.seed = 7;
  options.show = 0;
  options.progress_seconds = 0;
  std::ostringstream log;
  const auto r = oracle::run_campaign(o, options, log);
  EXPECT_EQ(r.trains, 300u);
  EXPECT_EQ(r.unexplained, 0u) << log.str();
  EXPECT_GT(r.agree, 200u);
}

}  // namespace
}  // namespace ip4ref
