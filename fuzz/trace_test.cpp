// trace_test.cpp: the fuzz trace codec (fuzz/README.md "The trace format"):
// the octet layout, strict errors with their offsets, the lenient decoder's
// totality, expansion of fragment specs, and the clock of a run.
#include "trace.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

#include "ip4ref/ipv4_header.h"

namespace ip4ref::trace {
namespace {

using Octets = std::vector<std::uint8_t>;

Trace sample() {
  Trace t;
  t.config.policy = Policy::kBsd;
  t.config.timeout = Duration::seconds(15);
  t.config.high_threshold = 2000;
  t.config.low_threshold = 1500;
  t.config.max_fragments_per_datagram = 3;
  t.config.max_datagrams = 9;
  t.config.strip_options = true;
  FragmentSpec s;
  s.flow = 5;
  s.offset_units = 3;
  s.length = 24;
  s.more_fragments = true;
  s.options = OptionsVariant::kLooseSourceRoute;
  s.fill = Fill::kDatagramHash;
  s.seed = 7;
  t.records = {s, AdvanceClock{1'000'000}, RawPacket{{0x45, 0x00}}, Expire{}};
  return t;
}

// The README's worked example, octet by octet.
TEST(TraceFormat, EncodesTheDocumentedOctets) {
  const Octets expected = {
      'I',  '4',  'T',  'R',  1,  // magic, version
      4,    0x01,                 // policy bsd, strip_options
      0x00, 0x00, 0x3a, 0x98,     // timeout 15000 ms
      0x00, 0x00, 0x07, 0xd0,     // high 2000
      0x00, 0x00, 0x05, 0xdc,     // low 1500
      0x00, 0x03, 0x00, 0x09,     // caps 3 fragments, 9 datagrams
      0x02, 5,    0x00, 0x03, 0x00,
      24,   0x31, 0x02, 7,  // fragment: flow 5 off 3 len 24 MF|LSRR hash 7
      0x03, 0,    0,    0,    0,
      0,    0x0f, 0x42, 0x40,        // advance 1,000,000 ns
      0x01, 0x00, 0x02, 0x45, 0x00,  // raw, 2 octets
      0x00,                          // expire
  };
  EXPECT_EQ(encode(sample()), expected);
}

TEST(TraceFormat, StrictAndLenientDecodeTheEncoding) {
  const Octets bytes = encode(sample());
  const StrictResult strict = decode_strict(bytes);
  ASSERT_TRUE(strict) << strict.error.what;
  EXPECT_EQ(*strict.trace, sample());
  EXPECT_EQ(decode_lenient(bytes), sample());
}

TEST(TraceFormat, EmptyInputIsTheDefaultConfigAndNoRecords) {
  const Trace t = decode_lenient({});
  EXPECT_EQ(t.config, ReassemblyConfig{});
  EXPECT_TRUE(t.records.empty());
}

struct StrictCase {
  const char* name;
  Octets bytes;
  std::size_t offset;
};

Octets with(std::size_t at, std::uint8_t value, Octets base = encode(sample())) {
  base[at] = value;
  return base;
}

TEST(TraceFormat, StrictReportsTheFirstProblemAndItsOffset) {
  Octets truncated = encode(sample());
  truncated.resize(truncated.size() - 5);  // inside the raw record (starts at 41)
  Octets cut_config = encode(sample());
  cut_config.resize(10);
  const StrictCase cases[] = {
      {"bad magic", with(0, 'X'), 0},      {"version", with(4, 2), 4},
      {"config cut", cut_config, 10},      {"policy", with(5, 8), 5},
      {"config flags", with(6, 0x02), 6},  {"high threshold", with(11, 0x10), 11},
      {"unknown tag", with(23, 0x07), 23}, {"flow", with(24, 64), 23},
      {"offset", with(25, 0x20), 23},      {"fragment flags", with(29, 0x81), 23},
      {"fill", with(30, 0x10), 23},        {"truncated record", truncated, truncated.size()},
  };
  for (const StrictCase& c : cases) {
    const StrictResult r = decode_strict(c.bytes);
    EXPECT_FALSE(r) << c.name;
    EXPECT_EQ(r.error.offset, c.offset) << c.name << ": " << r.error.what;
  }
}

TEST(TraceFormat, LenientMapsAnyBytesToAValidTraceThatEncodesCanonically) {
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    Octets bytes(rng() % 200);
    for (auto& b : bytes) {
      b = static_cast<std::uint8_t>(rng());
    }
    const Trace t = decode_lenient(bytes);
    const Octets canonical = encode(t);
    const StrictResult again = decode_strict(canonical);
    ASSERT_TRUE(again) << again.error.what;
    EXPECT_EQ(*again.trace, t);
  }
}

TEST(TraceFormat, LenientClampsFields) {
  Octets b = encode(sample());
  b[5] = 13;     // policy 13 % 8 = 5 (linux-legacy)
  b[11] = 0xff;  // high threshold -> 64 MiB
  b[23] = 0x07;  // tag 7 % 5 = fragment
  b[24] = 0xc5;  // flow -> 5
  b[27] = 0xff;  // length 0xffff > 65535 - 28 -> clamped
  b[28] = 0xff;
  const Trace t = decode_lenient(b);
  EXPECT_EQ(t.config.policy, Policy::kLinuxLegacy);
  EXPECT_EQ(t.config.high_threshold, kMaxThreshold);
  const auto& s = std::get<FragmentSpec>(t.records.at(0));
  EXPECT_EQ(s.flow, 5);
  EXPECT_EQ(s.length, 65535 - 28);
}

TEST(TraceFormat, LenientCutsATruncatedRawPacketAndStopsAtOtherTruncations) {
  Octets b = encode(Trace{});
  b.insert(b.end(), {0x01, 0x00, 0x10, 0xaa, 0xbb});  // raw, 16 announced, 2 present
  const Trace t = decode_lenient(b);
  ASSERT_EQ(t.records.size(), 1u);
  EXPECT_EQ(std::get<RawPacket>(t.records[0]).bytes, (Octets{0xaa, 0xbb}));
  Octets f = encode(Trace{});
  f.insert(f.end(), {0x00, 0x02, 0x01});  // expire, then a fragment cut short
  EXPECT_EQ(decode_lenient(f).records.size(), 1u);
}

TEST(TraceFormat, LenientLimitsStopBeforeTheRecordThatPassesThem) {
  Trace t;
  for (int i = 0; i < 10; ++i) {
    t.records.push_back(RawPacket{Octets(100, 0)});
  }
  EXPECT_EQ(decode_lenient(encode(t), {3, 1000}).records.size(), 3u);
  EXPECT_EQ(decode_lenient(encode(t), {100, 450}).records.size(), 4u);
}

TEST(Expand, MakesAValidFragmentOfTheFlow) {
  FragmentSpec s;
  s.flow = 0x1d;  // pair 1, protocol 3 (253), id 1 (0x0002)
  s.offset_units = 100;
  s.length = 37;
  s.dont_fragment = true;
  s.options = OptionsVariant::kSecurityAndRoute;
  s.fill = Fill::kDatagramCounter;
  s.seed = 3;
  s.ecn = 3;
  const Octets p = expand(s);
  const auto v = Ipv4View::parse(p);
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->checksum_ok());
  EXPECT_EQ(v->header_length(), 44u);
  EXPECT_EQ(v->payload().size(), 37u);
  EXPECT_EQ(v->fragment_offset(), 800u);
  EXPECT_TRUE(v->dont_fragment());
  EXPECT_FALSE(v->more_fragments());
  EXPECT_EQ(v->source(), 0xc0000202u);
  EXPECT_EQ(v->destination(), 0xc0000201u);
  EXPECT_EQ(v->protocol(), 253);
  EXPECT_EQ(v->identification(), 0x0002);
  EXPECT_EQ(v->tos(), 3);  // CE
  EXPECT_TRUE(parse_options(v->options()));
  EXPECT_EQ(v->payload()[0], static_cast<std::uint8_t>(800 + 3));
}

TEST(Expand, HeaderVariants) {
  for (std::size_t i = 0; i < kOptionsVariants; ++i) {
    FragmentSpec s;
    s.options = static_cast<OptionsVariant>(i);
    s.length = 8;
    const Octets p = expand(s);
    const auto v = Ipv4View::parse(p);
    ASSERT_TRUE(v) << i;
    EXPECT_EQ(v->header_length(), header_length(s.options)) << i;
    EXPECT_EQ(static_cast<bool>(parse_options(v->options())),
              s.options != OptionsVariant::kMalformed)
        << i;
  }
  FragmentSpec bad;
  bad.bad_checksum = true;
  EXPECT_FALSE(Ipv4View::parse(expand(bad))->checksum_ok());
}

TEST(Expand, FillsAgreeOnOverlapsForPositionalPatterns) {
  FragmentSpec a;
  a.fill = Fill::kDatagramHash;
  a.seed = 9;
  a.length = 64;
  FragmentSpec b = a;
  b.offset_units = 2;
  b.length = 16;
  const Octets pa = expand(a);
  const Octets pb = expand(b);
  EXPECT_TRUE(std::equal(pb.begin() + 20, pb.end(), pa.begin() + 20 + 16));
}

TEST(Flows, SixtyFourDistinctKeysInTestNetworks) {
  std::set<FragmentKey> keys;
  for (std::size_t f = 0; f < kFlows; ++f) {
    const FragmentKey k = flow_key(static_cast<std::uint8_t>(f));
    keys.insert(k);
    for (std::uint32_t a : {k.source, k.destination}) {
      EXPECT_TRUE((a >> 8) == 0xc00002 || (a >> 8) == 0xc63364) << format_ipv4(a);
    }
  }
  EXPECT_EQ(keys.size(), kFlows);
}

TEST(Run, TheClockStartsAtTraceStartAndDeadlinesAreExact) {
  Trace t;
  t.config.timeout = Duration::seconds(30);
  FragmentSpec first;
  first.length = 8;
  first.more_fragments = true;
  FragmentSpec last = first;
  last.offset_units = 1;
  last.more_fragments = false;
  auto engine = make_engine("ref", t.config);
  // Just before the deadline the datagram completes...
  t.records = {first, AdvanceClock{30'000'000'000 - 1}, last};
  EventLog log;
  EXPECT_EQ(run_trace(*engine, t, log), kTraceStart + Duration::nanoseconds(30'000'000'000 - 1));
  ASSERT_EQ(log.events().size(), 1u);
  EXPECT_EQ(log.events()[0].kind, RecordedEvent::Kind::kDelivered);
  // ...exactly at it, the first fragment has timed out.
  t.records = {first, AdvanceClock{30'000'000'000}, Expire{}};
  engine = make_engine("ref", t.config);
  log.clear();
  run_trace(*engine, t, log);
  ASSERT_EQ(log.events().size(), 1u);
  EXPECT_EQ(log.events()[0].reason, Reason::kTimeout);
}

TEST(Run, TheClockSaturatesBothWays) {
  TraceClock c;
  c.advance(kMaxAdvanceNs);
  c.advance(kMaxAdvanceNs);
  EXPECT_EQ(c.now(), kTraceEnd);
  c.rewind(kMaxAdvanceNs);
  c.rewind(1);
  EXPECT_EQ(c.now(), kTraceOrigin);
}

TEST(TraceFormat, RewindRecord) {
  Trace t;
  t.records = {RewindClock{5}};
  const Octets b = encode(t);
  EXPECT_EQ(Octets(b.begin() + 23, b.end()), (Octets{0x04, 0, 0, 0, 0, 0, 0, 0, 5}));
  EXPECT_EQ(decode_lenient(b), t);
  Octets folded = b;
  folded[23] = 0x09;  // 9 % 5 = rewind
  EXPECT_EQ(decode_lenient(folded), t);
  EXPECT_FALSE(decode_strict(folded));
}

}  // namespace
}  // namespace ip4ref::trace
