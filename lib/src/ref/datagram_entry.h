// datagram_entry.h: one datagram in progress in the reference reassembly store.
//
// The shape is the classic one (RFC 815 describes the hole list; BSD and
// early Linux keep a list of fragments; DESIGN.md "The reference reassembly
// store"): the offset-0 header, a data buffer, a bit table with one bit per
// 8-octet block, the total data length once known, the deadline ("time to
// live"), and the memory the entry holds. Each overlap policy also keeps the
// little bookkeeping its rule needs, in the plainest form that can be checked
// by eye (see overlap_policies.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "block_table.h"
#include "ip4ref/events.h"
#include "ip4ref/time.h"

namespace ip4ref::ref {

// 65535 - 20: no datagram's data can pass this (RFC 791 total length field).
inline constexpr std::size_t kMaxData = 65535;
inline constexpr std::size_t kBlock = 8;  // RFC 791: offsets count 8-octet units
inline constexpr std::size_t kMaxBlocks = (kMaxData + kBlock - 1) / kBlock;

// A half-open range of data octets [begin, end).
struct Span {
  std::size_t begin = 0;
  std::size_t end = 0;
  bool operator==(const Span&) const = default;
};

// A fragment accepted into the entry, as the policies need to remember it.
struct HeldFragment {
  Span arrived;           // the range it carried when it arrived
  Span current;           // bsd / linux-legacy: the range left after trimming
  std::uint32_t id = 0;   // arrival number within the entry (owner id)
};

inline constexpr std::uint32_t kNoOwner = 0xffffffff;

struct DatagramEntry {
  FragmentKey key;
  std::uint64_t creation = 0;  // creation order, breaks deadline ties
  Instant deadline;            // first arrival + timeout; never refreshed

  // Offset-0 fragment: its header, and header + first 8 data octets (the
  // ICMP time exceeded quote). Empty until it has been accepted.
  std::vector<std::uint8_t> header;
  std::vector<std::uint8_t> quote;

  // Grown on demand to the highest end accepted (a flood of small incomplete
  // datagrams must not cost 64 KiB each).
  std::vector<std::uint8_t> data;
  BlockTable have;  // the bit table: block b covers octets [8b, 8b + 8)

  // Length state (Linux's q.len and INET_FRAG_LAST_IN): the highest end seen,
  // and the total data length once a fragment with MF = 0 has arrived.
  std::size_t max_end = 0;
  std::optional<std::size_t> total;

  // linux: the kernel's header bookkeeping (net/ipv4/ip_fragment.c
  // ip_frag_queue): the largest fragment (header + data) accepted, the
  // largest with DF, and the OR of the fragments' ECN codepoints as bits.
  std::size_t max_size = 0;
  std::size_t max_df_size = 0;
  std::uint8_t ecn_bits = 0;

  std::size_t charge = 0;              // memory this entry holds
  std::uint32_t fragments = 0;         // fragments accepted
  std::uint32_t next_fragment_id = 0;

  // Policy bookkeeping.
  std::vector<Span> runs;              // linux: runs of fragments (kernel fragrun)
  std::size_t tail_run = 0;            // linux: index of the run with the highest end
  std::vector<HeldFragment> held;      // reject/bsd/legacy/windows/solaris
  std::vector<std::uint32_t> owner;    // windows/solaris: owner id per block
};

}  // namespace ip4ref::ref
