// block_table_test.cpp: the reference store's bit table (lib/src/ref/block_table.h).
// Each range question is checked against a one-block-at-a-time answer, for
// ranges that start and end inside a word, on word boundaries, and across
// several words.
#include "ref/block_table.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <utility>
#include <vector>

namespace ip4ref::ref {
namespace {

// The plain answers, a block at a time.
bool any_plain(const BlockTable& t, std::size_t first, std::size_t end) {
  for (std::size_t k = first; k < end; ++k) {
    if (t.held(k)) {
      return true;
    }
  }
  return false;
}
bool all_plain(const BlockTable& t, std::size_t first, std::size_t end) {
  for (std::size_t k = first; k < end; ++k) {
    if (!t.held(k)) {
      return false;
    }
  }
  return true;
}
std::size_t find_plain(const BlockTable& t, std::size_t first, std::size_t end, bool held) {
  for (std::size_t k = first; k < end; ++k) {
    if (t.held(k) == held) {
      return k;
    }
  }
  return end;
}

struct Marked {
  const char* name;
  std::size_t blocks;                                    // table size
  std::vector<std::pair<std::size_t, std::size_t>> set;  // ranges marked held
};

const Marked kTables[] = {
    {"empty", 0, {}},
    {"nothing-held", 200, {}},
    {"one-block", 200, {{5, 6}}},
    {"word-boundary", 200, {{63, 65}}},
    {"whole-words", 200, {{64, 192}}},
    {"across-three-words", 200, {{10, 150}}},
    {"gaps", 200, {{0, 3}, {8, 64}, {70, 71}, {128, 199}}},
    {"all", 130, {{0, 130}}},
    {"largest-datagram", 8192, {{0, 4000}, {4001, 8192}}},
};

TEST(BlockTable, RangeQuestionsMatchTheBlockAtATimeAnswers) {
  for (const Marked& m : kTables) {
    BlockTable t;
    t.grow(m.blocks);
    for (auto [first, end] : m.set) {
      t.set_range(first, end);
    }
    ASSERT_EQ(t.size(), m.blocks) << m.name;
    // Every range [first, end) with ends up to past the table.
    const std::size_t limit = m.blocks + 70;
    const std::size_t step = m.blocks > 1000 ? 509 : 1;
    for (std::size_t first = 0; first <= limit; first += step) {
      for (std::size_t end = first; end <= limit; end += step) {
        ASSERT_EQ(t.any(first, end), any_plain(t, first, end))
            << m.name << " " << first << ".." << end;
        ASSERT_EQ(t.all(first, end), all_plain(t, first, end))
            << m.name << " " << first << ".." << end;
        for (bool held : {false, true}) {
          ASSERT_EQ(t.find(first, end, held), find_plain(t, first, end, held))
              << m.name << " " << first << ".." << end << " held " << held;
        }
      }
    }
  }
}

TEST(BlockTable, BlocksPastTheTableAreNotHeld) {
  BlockTable t;
  t.grow(10);
  t.set_range(0, 10);
  EXPECT_TRUE(t.all(0, 10));
  EXPECT_FALSE(t.all(0, 11));
  EXPECT_FALSE(t.held(10));
  EXPECT_FALSE(t.any(10, 500));
  EXPECT_EQ(t.find(0, 500, /*held=*/false), 10u);
}

TEST(BlockTable, GrowingKeepsWhatIsHeldAndAddsEmptyBlocks) {
  BlockTable t;
  t.grow(3);
  t.set_range(1, 3);
  t.grow(300);
  EXPECT_FALSE(t.held(0));
  EXPECT_TRUE(t.held(1));
  EXPECT_TRUE(t.held(2));
  EXPECT_FALSE(t.any(3, 300));
  t.grow(2);  // never shrinks
  EXPECT_EQ(t.size(), 300u);
}

TEST(BlockTable, SetClearsAndMarksOneBlock) {
  BlockTable t;
  t.grow(128);
  t.set_range(0, 128);
  t.set(64, false);
  EXPECT_FALSE(t.held(64));
  EXPECT_TRUE(t.held(63));
  EXPECT_TRUE(t.held(65));
  EXPECT_EQ(t.find(0, 128, /*held=*/false), 64u);
  t.set(64, true);
  EXPECT_TRUE(t.all(0, 128));
}

}  // namespace
}  // namespace ip4ref::ref
