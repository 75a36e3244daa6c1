// datagram.h: one datagram in progress in the fast engine (a slot of the
// arena). The same state as the reference's DatagramEntry, laid out flat:
// the offset-0 header and quote inline, the data and bookkeeping in one
// pooled buffer (buffer_layout.h), links for creation order and the timer.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "ip4ref/events.h"
#include "ip4ref/time.h"

namespace ip4ref::fast {

inline constexpr std::uint32_t kNil = 0xffffffff;
inline constexpr std::uint32_t kUnknownTotal = 0xffffffff;
inline constexpr std::size_t kQuoteData = 8;  // RFC 792: header + 64 bits of data

// Fields read or written for every fragment come first, in one cache line;
// creation order, timer and key (used when a datagram starts or ends) after.
struct alignas(64) Datagram {
  std::uint8_t* buffer = nullptr;
  std::size_t charge = 0;               // memory this datagram holds (DESIGN.md accounting)
  std::uint32_t fragments = 0;          // fragments accepted
  std::uint32_t max_end = 0;            // highest end seen (Linux q.len)
  std::uint32_t total = kUnknownTotal;  // data length once MF = 0 arrived
  std::uint32_t held_blocks = 0;        // bits set in the `have` table
  std::uint32_t tail_end = 0;           // linux: end of the run with the highest end
  // linux (kernel ip_frag_queue): the largest fragment accepted (header +
  // data), the largest with DF, and the OR of the fragments' ECN codepoints
  // as bits (1 << (tos & 3)).
  std::uint32_t max_size = 0;
  std::uint32_t max_df_size = 0;
  std::uint8_t ecn_bits = 0;
  // windows / solaris: HeldRecord allocation (never-used watermark, free list).
  std::uint16_t record_top = 0;
  std::uint16_t record_free = 0xffff;
  std::uint8_t buffer_class = 0;
  // The first accepted offset-0 fragment: its header is kept in the buffer's
  // headroom, right-aligned against the data (0 = not seen yet); its first
  // data octets here, for the ICMP quote (later fragments may overwrite the
  // data under some policies, the quote must not change).
  std::uint8_t header_length = 0;
  std::uint8_t quote_data_length = 0;
  std::array<std::uint8_t, kQuoteData> quote_data;

  FragmentKey key;
  std::uint64_t creation = 0;  // creation order, breaks deadline ties
  Instant deadline;            // first arrival + timeout; never refreshed
  // Creation order, oldest first (eviction order; also the timer order while
  // deadlines are monotone, see deadline_order.h).
  std::uint32_t older = kNil;
  std::uint32_t newer = kNil;
  std::uint32_t heap_pos = kNil;  // position in the deadline heap, when in use
};

}  // namespace ip4ref::fast
