// block_table.h: the reference store's bit table, one bit per 8-octet block
// of a datagram's data (RFC 815 section 1 and the classic BSD / Linux stores
// keep the same information as a hole or fragment list; a bit per block is
// the plainest form of it, since RFC 791 offsets count 8-octet units).
//
// Bits live in 64-bit words: block k is bit (k % 64) of word k / 64. The
// range questions (`any`, `all`) look at a whole word at a time through a
// mask of the blocks of the range that fall in it, so a 65535-octet datagram
// (8192 blocks) is answered in 128 steps rather than 8192; `find` gives the
// next held (or not held) block the same way.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ip4ref::ref {

class BlockTable {
 public:
  // Number of blocks the table covers; blocks past it are not held.
  std::size_t size() const { return blocks_; }

  // Covers at least `blocks` blocks; the new ones are not held.
  void grow(std::size_t blocks) {
    if (blocks > blocks_) {
      blocks_ = blocks;
      words_.resize((blocks + kWordBits - 1) / kWordBits, 0);
    }
  }

  // Whether block k is held (false past the end).
  bool held(std::size_t k) const { return k < blocks_ && (words_[k / kWordBits] & bit(k)) != 0; }

  // Precondition: k < size().
  void set(std::size_t k, bool value) {
    if (value) {
      words_[k / kWordBits] |= bit(k);
    } else {
      words_[k / kWordBits] &= ~bit(k);
    }
  }

  // Marks blocks [first, end) held. Precondition: end <= size().
  void set_range(std::size_t first, std::size_t end) {
    for (std::size_t w = first / kWordBits; first < end; ++w) {
      const std::size_t stop = std::min(end, (w + 1) * kWordBits);
      words_[w] |= mask(first, stop);
      first = stop;
    }
  }

  // True when any block of [first, end) is held.
  bool any(std::size_t first, std::size_t end) const {
    end = std::min(end, blocks_);
    for (std::size_t w = first / kWordBits; first < end; ++w) {
      const std::size_t stop = std::min(end, (w + 1) * kWordBits);
      if ((words_[w] & mask(first, stop)) != 0) {
        return true;
      }
      first = stop;
    }
    return false;
  }

  // The first block of [first, end) whose held state is `held`, or `end`
  // when there is none. Blocks past the table count as not held.
  std::size_t find(std::size_t first, std::size_t end, bool held) const {
    for (std::size_t w = first / kWordBits; first < end; ++w) {
      const std::size_t stop = std::min(end, (w + 1) * kWordBits);
      const std::uint64_t word = w < words_.size() ? words_[w] : 0;
      const std::uint64_t wanted = (held ? word : ~word) & mask(first, stop);
      if (wanted != 0) {
        return w * kWordBits + static_cast<std::size_t>(std::countr_zero(wanted));
      }
      first = stop;
    }
    return end;
  }

  // True when every block of [first, end) is held (an empty range is).
  bool all(std::size_t first, std::size_t end) const {
    if (end > blocks_ && first < end) {
      return false;  // blocks past the table are not held
    }
    for (std::size_t w = first / kWordBits; first < end; ++w) {
      const std::size_t stop = std::min(end, (w + 1) * kWordBits);
      const std::uint64_t m = mask(first, stop);
      if ((words_[w] & m) != m) {
        return false;
      }
      first = stop;
    }
    return true;
  }

 private:
  static constexpr std::size_t kWordBits = 64;

  static std::uint64_t bit(std::size_t k) { return std::uint64_t{1} << (k % kWordBits); }

  // The bits of blocks [first, stop) within their word; both in the same
  // word, first < stop <= the word's end.
  static std::uint64_t mask(std::size_t first, std::size_t stop) {
    const std::size_t count = stop - first;
    const std::uint64_t ones =
        count == kWordBits ? ~std::uint64_t{0} : (std::uint64_t{1} << count) - 1;
    return ones << (first % kWordBits);
  }

  std::vector<std::uint64_t> words_;
  std::size_t blocks_ = 0;
};

}  // namespace ip4ref::ref
