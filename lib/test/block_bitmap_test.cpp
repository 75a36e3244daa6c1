// block_bitmap_test.cpp: the fast engine's bit tables (lib/src/fast/block_bitmap.h).
// Each range operation is checked against a one-block-at-a-time answer on
// tables with a few patterns, for every range [b0, b1) of a 4-word table:
// empty ranges, ranges inside one word, ending or starting on a word
// boundary, and spanning two, three and four words.
#include "fast/block_bitmap.h"

#include <gtest/gtest.h>

#include <array>
#include <cstddef>
#include <cstdint>

namespace ip4ref::fast {
namespace {

constexpr std::size_t kWords = 4;
constexpr std::size_t kBits = kWords * kWordBits;
using Table = std::array<std::uint64_t, kWords>;

bool held(const Table& t, std::size_t b) {
  return ((t[b / kWordBits] >> (b % kWordBits)) & 1) != 0;
}

// Tables with runs and gaps at and around word boundaries.
std::array<Table, 6> patterns() {
  Table runs{};
  for (std::size_t b = 0; b < kBits; ++b) {
    if ((b / 5) % 3 != 0) {
      runs[b / kWordBits] |= std::uint64_t{1} << (b % kWordBits);
    }
  }
  return {Table{}, Table{~0ull, ~0ull, ~0ull, ~0ull}, Table{1ull << 63, 1, 0, 1ull << 63},
          Table{~0ull, 0, ~0ull, 0}, Table{0x00ff00ff00ff00ffull, ~0ull, 0x8000000000000001ull, 0},
          runs};
}

TEST(BlockBitmap, RangeQuestionsMatchTheBlockAtATimeAnswer) {
  for (const Table& t : patterns()) {
    for (std::size_t b0 = 0; b0 <= kBits; ++b0) {
      for (std::size_t b1 = b0; b1 <= kBits; ++b1) {
        bool any = false;
        bool all = true;
        for (std::size_t b = b0; b < b1; ++b) {
          any = any || held(t, b);
          all = all && held(t, b);
        }
        ASSERT_EQ(any_set(t.data(), b0, b1), any) << b0 << ".." << b1;
        ASSERT_EQ(all_set(t.data(), b0, b1), all) << b0 << ".." << b1;
      }
    }
  }
}

TEST(BlockBitmap, SetRangeSetsExactlyTheRangeAndCountsNewBits) {
  for (const Table& before : patterns()) {
    for (std::size_t b0 = 0; b0 <= kBits; ++b0) {
      for (std::size_t b1 = b0; b1 <= kBits; ++b1) {
        Table t = before;
        std::size_t fresh = 0;
        for (std::size_t b = b0; b < b1; ++b) {
          fresh += held(before, b) ? 0 : 1;
        }
        ASSERT_EQ(set_range(t.data(), b0, b1), fresh) << b0 << ".." << b1;
        for (std::size_t b = 0; b < kBits; ++b) {
          const bool inside = b >= b0 && b < b1;
          ASSERT_EQ(held(t, b), inside || held(before, b)) << b0 << ".." << b1 << " bit " << b;
        }
      }
    }
  }
}

// fill_range (the store's path for a range known to be clear) sets exactly
// the range, like set_range, on any table: it only ORs words in.
TEST(BlockBitmap, FillRangeSetsExactlyTheRange) {
  for (const Table& before : patterns()) {
    for (std::size_t b0 = 0; b0 <= kBits; ++b0) {
      for (std::size_t b1 = b0; b1 <= kBits; ++b1) {
        Table t = before;
        fill_range(t.data(), b0, b1);
        for (std::size_t b = 0; b < kBits; ++b) {
          const bool inside = b >= b0 && b < b1;
          ASSERT_EQ(held(t, b), inside || held(before, b)) << b0 << ".." << b1 << " bit " << b;
        }
      }
    }
  }
}

}  // namespace
}  // namespace ip4ref::fast
