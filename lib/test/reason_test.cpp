// reason_test.cpp: every Reason has its stable kebab-case name, and the names
// map back (reason.h: the names are public contract, never renamed).
#include "ip4ref/reason.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <iterator>
#include <set>
#include <string>
#include <string_view>

namespace ip4ref {
namespace {

struct Named {
  Reason reason;
  std::string_view name;
};

// The contract, written out: a rename shows up here as a failing test.
constexpr Named kNames[] = {
    {Reason::kTruncated, "truncated"},
    {Reason::kBadVersion, "bad-version"},
    {Reason::kBadHeaderLength, "bad-header-length"},
    {Reason::kBadTotalLength, "bad-total-length"},
    {Reason::kBadChecksum, "bad-checksum"},
    {Reason::kBadOptions, "bad-options"},
    {Reason::kOversize, "oversize"},
    {Reason::kEmptyFragment, "empty-fragment"},
    {Reason::kUnalignedFragment, "unaligned-fragment"},
    {Reason::kDuplicate, "duplicate"},
    {Reason::kMemoryLimit, "memory-limit"},
    {Reason::kTooManyDatagrams, "too-many-datagrams"},
    {Reason::kTimeout, "timeout"},
    {Reason::kOverlap, "overlap"},
    {Reason::kConflictingEnd, "conflicting-end"},
    {Reason::kPastEnd, "past-end"},
    {Reason::kTooManyFragments, "too-many-fragments"},
    {Reason::kEvicted, "evicted"},
    {Reason::kMtuTooSmall, "mtu-too-small"},
    {Reason::kFragmentationNeeded, "fragmentation-needed"},
    {Reason::kDatagramTooLarge, "datagram-too-large"},
    {Reason::kOptionsTooLong, "options-too-long"},
    {Reason::kEcnMismatch, "ecn-mismatch"},
};

TEST(Reason, TableNamesEveryReason) {
  EXPECT_EQ(std::size(kNames), kReasonCount);
  for (std::size_t i = 0; i < std::size(kNames); ++i) {
    EXPECT_EQ(kNames[i].reason, static_cast<Reason>(i)) << kNames[i].name;
  }
}

TEST(Reason, ToStringGivesTheStableName) {
  for (const Named& n : kNames) {
    EXPECT_EQ(to_string(n.reason), n.name);
  }
}

// Law: reason_from_string(to_string(r)) == r for every reason.
TEST(Reason, EveryNameRoundTrips) {
  for (std::size_t i = 0; i < kReasonCount; ++i) {
    const auto r = static_cast<Reason>(i);
    const auto back = reason_from_string(to_string(r));
    ASSERT_TRUE(back.has_value()) << to_string(r);
    EXPECT_EQ(*back, r);
  }
}

TEST(Reason, NamesAreDistinctKebabCase) {
  std::set<std::string_view> seen;
  for (std::size_t i = 0; i < kReasonCount; ++i) {
    const std::string_view name = to_string(static_cast<Reason>(i));
    EXPECT_TRUE(seen.insert(name).second) << "duplicate name " << name;
    EXPECT_FALSE(name.empty());
    EXPECT_NE(name.front(), '-') << name;
    EXPECT_NE(name.back(), '-') << name;
    for (const char c : name) {
      EXPECT_TRUE((c >= 'a' && c <= 'z') || c == '-') << name;
    }
    EXPECT_NE(name, "unknown");
  }
}

TEST(Reason, SentinelAndOutOfRangeValuesAreUnknown) {
  EXPECT_EQ(to_string(Reason::kCount), "unknown");
  EXPECT_EQ(to_string(static_cast<Reason>(1000)), "unknown");
  EXPECT_EQ(to_string(static_cast<Reason>(-1)), "unknown");
}

TEST(Reason, UnknownNamesAreRefused) {
  const std::string_view unknown[] = {
      "", "unknown", "Truncated", "bad_checksum", "bad-checksum ", "kTimeout", "timeout\n"};
  for (const std::string_view name : unknown) {
    EXPECT_FALSE(reason_from_string(name).has_value()) << '"' << std::string(name) << '"';
  }
}

}  // namespace
}  // namespace ip4ref
