// block_bitmap.h: bit tables with one bit per 8-octet block (RFC 791: "The
// fragment offset is measured in units of 8 octets"), stored as 64-bit words
// so that range tests, fills and counts run a word at a time.
//
// Every range is half-open, [b0, b1), in blocks. Callers keep b1 within the
// table (the buffer layout sizes tables to the datagram's capacity).
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>

namespace ip4ref::fast {

inline constexpr std::size_t kBlock = 8;
inline constexpr std::size_t kWordBits = 64;

constexpr std::size_t first_block(std::size_t begin) {
  return begin / kBlock;
}
constexpr std::size_t end_block(std::size_t end) {
  return (end + kBlock - 1) / kBlock;
}

// Bits [lo, hi) of one word, 0 <= lo < hi <= 64.
constexpr std::uint64_t word_mask(std::size_t lo, std::size_t hi) {
  const std::uint64_t upper = hi == kWordBits ? ~std::uint64_t{0} : (std::uint64_t{1} << hi) - 1;
  return upper & (~std::uint64_t{0} << lo);
}

// Calls f(word index, mask of the range's bits in that word) for every word
// the range touches, in order, while f returns true.
template <typename F>
inline void for_each_word(std::size_t b0, std::size_t b1, F&& f) {
  if (b0 >= b1) {
    return;
  }
  const std::size_t w0 = b0 / kWordBits;
  const std::size_t w1 = (b1 - 1) / kWordBits;
  for (std::size_t w = w0; w <= w1; ++w) {
    const std::size_t lo = w == w0 ? b0 % kWordBits : 0;
    const std::size_t hi = w == w1 ? (b1 - 1) % kWordBits + 1 : kWordBits;
    if (!f(w, word_mask(lo, hi))) {
      return;
    }
  }
}

inline bool test_bit(const std::uint64_t* words, std::size_t b) {
  return ((words[b / kWordBits] >> (b % kWordBits)) & 1) != 0;
}

inline void set_bit(std::uint64_t* words, std::size_t b) {
  words[b / kWordBits] |= std::uint64_t{1} << (b % kWordBits);
}

// The words and edge masks of a non-empty range [b0, b1): bits >= b0 % 64 of
// word w0, bits <= (b1 - 1) % 64 of word w1 (the masks need no branch: a
// shift by 63 at most). The per-fragment operations below use these rather
// than for_each_word's per-word mask: a fragment spans one to a few words, so
// the two edges are masked once and any words between them need no mask.
struct WordSpan {
  std::size_t w0;
  std::size_t w1;
  std::uint64_t head;  // mask of word w0
  std::uint64_t tail;  // mask of word w1
};
constexpr WordSpan word_span(std::size_t b0, std::size_t b1) {
  // (kWordBits - b1 % kWordBits) % kWordBits == (0 - b1) % kWordBits: the
  // bits above (b1 - 1) % 64, none when b1 is a multiple of 64.
  return WordSpan{b0 / kWordBits, (b1 - 1) / kWordBits, ~std::uint64_t{0} << (b0 % kWordBits),
                  ~std::uint64_t{0} >> ((0 - b1) % kWordBits)};
}

inline bool any_set(const std::uint64_t* words, std::size_t b0, std::size_t b1) {
  if (b0 >= b1) {
    return false;
  }
  const WordSpan s = word_span(b0, b1);
  if (s.w0 == s.w1) {
    return (words[s.w0] & s.head & s.tail) != 0;
  }
  std::uint64_t x = (words[s.w0] & s.head) | (words[s.w1] & s.tail);
  for (std::size_t w = s.w0 + 1; w < s.w1; ++w) {
    x |= words[w];
  }
  return x != 0;
}

inline bool all_set(const std::uint64_t* words, std::size_t b0, std::size_t b1) {
  if (b0 >= b1) {
    return true;
  }
  const WordSpan s = word_span(b0, b1);
  if (s.w0 == s.w1) {
    const std::uint64_t m = s.head & s.tail;
    return (words[s.w0] & m) == m;
  }
  std::uint64_t missing = (~words[s.w0] & s.head) | (~words[s.w1] & s.tail);
  for (std::size_t w = s.w0 + 1; w < s.w1; ++w) {
    missing |= ~words[w];
  }
  return missing == 0;
}

// Sets the range; returns how many bits were newly set. (Counting only
// where bits were already set keeps popcount, a library call on baseline
// x86-64, off the common path.)
inline std::size_t set_range(std::uint64_t* words, std::size_t b0, std::size_t b1) {
  if (b0 >= b1) {
    return 0;
  }
  const WordSpan s = word_span(b0, b1);
  std::size_t already = 0;
  const auto fill = [&](std::size_t w, std::uint64_t m) {
    const std::uint64_t old = words[w] & m;
    if (old != 0) {
      already += static_cast<std::size_t>(std::popcount(old));
    }
    words[w] |= m;
  };
  if (s.w0 == s.w1) {
    fill(s.w0, s.head & s.tail);
  } else {
    fill(s.w0, s.head);
    for (std::size_t w = s.w0 + 1; w < s.w1; ++w) {
      fill(w, ~std::uint64_t{0});
    }
    fill(s.w1, s.tail);
  }
  return (b1 - b0) - already;
}

// Sets the range, known to be clear (no count needed). Always inlined: g++
// kept it as a call from the engine's store (~15 instructions per fragment).
[[gnu::always_inline]] inline void fill_range(std::uint64_t* words, std::size_t b0, std::size_t b1) {
  if (b0 >= b1) {
    return;
  }
  const WordSpan s = word_span(b0, b1);
  if (s.w0 == s.w1) {
    words[s.w0] |= s.head & s.tail;
    return;
  }
  words[s.w0] |= s.head;
  for (std::size_t w = s.w0 + 1; w < s.w1; ++w) {
    words[w] = ~std::uint64_t{0};
  }
  words[s.w1] |= s.tail;
}

// Clears the range; returns how many bits were set before.
inline std::size_t clear_range(std::uint64_t* words, std::size_t b0, std::size_t b1) {
  std::size_t removed = 0;
  for_each_word(b0, b1, [&](std::size_t w, std::uint64_t m) {
    removed += static_cast<std::size_t>(std::popcount(words[w] & m));
    words[w] &= ~m;
    return true;
  });
  return removed;
}

// The first bit in [b, limit) equal to `value`, or `limit` when none is.
template <bool value>
inline std::size_t next_bit(const std::uint64_t* words, std::size_t b, std::size_t limit) {
  std::size_t found = limit;
  for_each_word(b, limit, [&](std::size_t w, std::uint64_t m) {
    const std::uint64_t x = (value ? words[w] : ~words[w]) & m;
    if (x != 0) {
      found = w * kWordBits + static_cast<std::size_t>(std::countr_zero(x));
      return false;
    }
    return true;
  });
  return found;
}

inline std::size_t next_set(const std::uint64_t* words, std::size_t b, std::size_t limit) {
  return next_bit<true>(words, b, limit);
}

inline std::size_t next_clear(const std::uint64_t* words, std::size_t b, std::size_t limit) {
  return next_bit<false>(words, b, limit);
}

// The first block in [b, limit) that starts a range (set in `starts`) or is
// not held (clear in `have`), or `limit`: where the range holding block b-1
// ends. One pass over both tables.
inline std::size_t next_boundary(const std::uint64_t* starts, const std::uint64_t* have,
                                 std::size_t b, std::size_t limit) {
  std::size_t found = limit;
  for_each_word(b, limit, [&](std::size_t w, std::uint64_t m) {
    const std::uint64_t x = (starts[w] | ~have[w]) & m;
    if (x != 0) {
      found = w * kWordBits + static_cast<std::size_t>(std::countr_zero(x));
      return false;
    }
    return true;
  });
  return found;
}

// Calls f(z0, z1) for every maximal run [z0, z1) of clear bits inside [b0, b1).
template <typename F>
inline void for_each_clear_run(const std::uint64_t* words, std::size_t b0, std::size_t b1, F&& f) {
  std::size_t z = next_clear(words, b0, b1);
  while (z < b1) {
    const std::size_t e = next_set(words, z, b1);
    f(z, e);
    z = next_clear(words, e, b1);
  }
}

}  // namespace ip4ref::fast
