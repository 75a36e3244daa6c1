// tool_pieces_test.cpp: the small pieces of the ip4ref tool: sizes, hex
// views, expected-outcome checks, lockstep comparison.
#include <gtest/gtest.h>

#include <fstream>

#include "compare.h"
#include "engine_options.h"
#include "expect_check.h"
#include "hex_view.h"

namespace ip4ref::replay {
namespace {

using json = nlohmann::ordered_json;

TEST(ParseSize, OctetsAndBinarySuffixes) {
  EXPECT_EQ(parse_size("4096"), 4096u);
  EXPECT_EQ(parse_size("4K"), 4096u);
  EXPECT_EQ(parse_size("4M"), 4u << 20);
  EXPECT_EQ(parse_size("1G"), 1u << 30);
  EXPECT_FALSE(parse_size(""));
  EXPECT_FALSE(parse_size("-1"));
  EXPECT_FALSE(parse_size("4X"));
  EXPECT_FALSE(parse_size("99999999999999999999999"));
  EXPECT_FALSE(parse_size("17179869184G"));  // overflows size_t
}

TEST(MakeConfig, MemoryTimeoutPolicy) {
  EngineOptions o;
  o.memory = "8M";
  o.timeout_seconds = 0.5;
  o.policy = "bsd";
  std::string error;
  const auto c = make_config(o, error);
  ASSERT_TRUE(c) << error;
  EXPECT_EQ(c->high_threshold, 8u << 20);
  EXPECT_EQ(c->low_threshold, 6u << 20);
  EXPECT_EQ(c->timeout, Duration::milliseconds(500));
  EXPECT_EQ(c->policy, Policy::kBsd);
  o.memory = "1M,2M";
  EXPECT_FALSE(make_config(o, error));
  EXPECT_NE(error.find("LOW"), std::string::npos);
  o.memory = "";
  o.timeout_seconds = -1;
  EXPECT_FALSE(make_config(o, error));
  o.timeout_seconds = 1;
  o.policy = "plan9";
  EXPECT_FALSE(make_config(o, error));
}

TEST(ConfigArguments, ReproduceTheConfig) {
  ReassemblyConfig c;
  c.policy = Policy::kWindows;
  c.timeout = Duration::milliseconds(1500);
  c.max_datagrams = 9;
  c.strip_options = true;
  EXPECT_EQ(config_arguments(c),
            "--policy windows --timeout 1.5 --memory 4194304,3145728 --max-datagrams 9 "
            "--strip-options");
  c.timeout = Duration::seconds(30);
  EXPECT_NE(config_arguments(c).find("--timeout 30 "), std::string::npos);
}

TEST(HexView, FirstDifferenceAndPrefixes) {
  const std::vector<std::uint8_t> a = {1, 2, 3, 4};
  const std::vector<std::uint8_t> b = {1, 2, 9, 4};
  const std::vector<std::uint8_t> c = {1, 2};
  EXPECT_EQ(first_difference(a, b), 2u);
  EXPECT_EQ(first_difference(a, c), 2u);
  EXPECT_FALSE(first_difference(a, a));
}

TEST(HexView, MarksTheOctetAndNamesTheField) {
  std::vector<std::uint8_t> a(40, 0);
  a[0] = 0x45;
  std::vector<std::uint8_t> b = a;
  b[8] = 0x3f;  // TTL
  const std::string view = hex_context(a, b, 8, "ref", "fast");
  EXPECT_NE(view.find("[00]"), std::string::npos);
  EXPECT_NE(view.find("[3f]"), std::string::npos);
  EXPECT_EQ(ipv4_location(a, 8), "time to live");
  EXPECT_EQ(ipv4_location(a, 10), "header checksum");
  EXPECT_EQ(ipv4_location(a, 25), "data +5");
  a[0] = 0x46;
  EXPECT_EQ(ipv4_location(a, 21), "options");
}

TEST(ExpectCheck, ListedKeysMustMatchExactlyInAnyKeyOrder) {
  const std::string path = ::testing::TempDir() + "/x.expect.json";
  std::ofstream(path) << R"({"expect": {"summary": {"dropped": {"b": 2, "a": 1}, "packets": 3},
                            "events": ["1 Dropped duplicate"]}})";
  std::string error;
  const auto e = load_expectation(path, error);
  ASSERT_TRUE(e) << error;
  json summary = {{"packets", 3}, {"dropped", {{"a", 1}, {"b", 2}}}, {"other", 7}};
  EXPECT_TRUE(check_expectation(*e, summary, {"1 Dropped duplicate"}).empty());
  summary["dropped"]["c"] = 1;
  EXPECT_EQ(check_expectation(*e, summary, {"1 Dropped duplicate"}).size(), 1u);
  EXPECT_EQ(check_expectation(*e, summary, {}).size(), 2u);
}

TEST(ExpectCheck, MalformedFilesAreErrorsNamingTheFile) {
  const std::string path = ::testing::TempDir() + "/bad.expect.json";
  std::ofstream(path) << "{ not json";
  std::string error;
  EXPECT_FALSE(load_expectation(path, error));
  EXPECT_NE(error.find(path), std::string::npos);
  EXPECT_FALSE(load_expectation(path + ".missing", error));
}

TEST(CompareStep, SameEventsAndCountersAgree) {
  const std::vector<RecordedEvent> none;
  const ReassemblyStats s;
  const StepContext ctx{"1", 24, Instant::from_ns(5), {}, "ref", "fast"};
  EXPECT_FALSE(compare_step(ctx, {none, s, std::nullopt}, {none, s, std::nullopt}));
}

TEST(CompareStep, ReportsTheFirstDifferingEventAndByte) {
  RecordedEvent a;
  a.kind = RecordedEvent::Kind::kDelivered;
  a.bytes = std::vector<std::uint8_t>(28, 0);
  a.bytes[0] = 0x45;
  RecordedEvent b = a;
  b.bytes[22] = 1;
  const std::vector<RecordedEvent> ea = {a}, eb = {b};
  const ReassemblyStats s;
  const StepContext ctx{"7", 24, Instant::from_ns(1'000'000'001), {}, "ref", "fast"};
  const auto d = compare_step(ctx, {ea, s, std::nullopt}, {eb, s, std::nullopt});
  ASSERT_TRUE(d);
  EXPECT_NE(d->report.find("at packet 7"), std::string::npos) << d->report;
  EXPECT_NE(d->report.find("1.000000001"), std::string::npos) << d->report;
  EXPECT_NE(d->report.find("first differing byte: 22 (data +2)"), std::string::npos) << d->report;
  EXPECT_EQ(d->json["first_differing_byte"], 22);
}

TEST(CompareStep, CountersAndExpiryAreComparedToo) {
  const std::vector<RecordedEvent> none;
  ReassemblyStats a, b;
  b.reasm_overlaps = 1;
  const StepContext ctx{"2", 0, Instant{}, {}, "ref", "fast"};
  const auto d = compare_step(ctx, {none, a, std::nullopt}, {none, b, std::nullopt});
  ASSERT_TRUE(d);
  EXPECT_NE(d->report.find("ReasmOverlaps 0 vs 1"), std::string::npos);
  EXPECT_TRUE(compare_step(ctx, {none, a, Instant::from_ns(1)}, {none, a, std::nullopt}));
}

}  // namespace
}  // namespace ip4ref::replay
