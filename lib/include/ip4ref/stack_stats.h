// stack_stats.h: the stack's counters, a snapshot taken by Stack::stats().
//
// Names follow RFC 4293 (IP-MIB ipSystemStats*) and RFC 4293's ICMP counters
// where one exists. Accounting identity for what the link delivers:
//   in_receives == in_delivers_unfragmented + in_fragments + every input drop
// (header and address drops here, fragments' fate in `reassembly`), so a test
// can prove nothing vanished inside the stack.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "ip4ref/fragmenter.h"
#include "ip4ref/pool.h"
#include "ip4ref/reason.h"
#include "ip4ref/reassembly_stats.h"
#include "ip4ref/stack_reason.h"

namespace ip4ref {

struct StackStats {
  // --- traffic manager ---
  std::uint64_t in_receives = 0;    // ipSystemStatsInReceives: packets read from the link
  std::uint64_t out_transmits = 0;  // ipSystemStatsOutTransmits: packets written to the link
  std::uint64_t link_stalls = 0;    // back-pressure episodes: the link would not take a packet

  // --- input manager ---
  std::uint64_t in_hdr_errors = 0;   // ipSystemStatsInHdrErrors (parse, checksum, options, source)
  std::uint64_t in_addr_errors = 0;  // ipSystemStatsInAddrErrors (not for us)
  std::uint64_t in_unknown_protos = 0;         // ipSystemStatsInUnknownProtos
  std::uint64_t in_fragments = 0;              // packets handed to the reassembly engine
  std::uint64_t in_delivers_unfragmented = 0;  // whole packets delivered without the engine
  std::uint64_t in_delivers = 0;   // ipSystemStatsInDelivers: datagrams given to a protocol
  std::uint64_t input_stalls = 0;  // back-pressure episodes: input waited for the reply queue

  // --- ICMP ---
  std::uint64_t icmp_in_echo_requests = 0;   // icmpInEchos
  std::uint64_t icmp_out_echo_replies = 0;   // icmpOutEchoReps
  std::uint64_t icmp_out_time_exceeded = 0;  // icmpOutTimeExcds (code 1, reassembly)
  std::uint64_t icmp_out_unreachable = 0;    // icmpOutDestUnreachs (protocol, port)
  std::uint64_t icmp_errors_suppressed =
      0;  // RFC 1122 3.2.2: an error about an error, a broadcast...

  // --- UDP ---
  std::uint64_t udp_in_datagrams = 0;   // udpInDatagrams
  std::uint64_t udp_out_datagrams = 0;  // udpOutDatagrams

  // --- output manager ---
  std::uint64_t out_requests = 0;  // ipSystemStatsOutRequests: ip_write calls
  std::uint64_t out_queued = 0;    // datagrams accepted into the send or reply queue
  std::uint64_t out_shuffled = 0;  // fragmented datagrams whose fragments were shuffled
  FragmenterStats fragmenter;      // OutFragOKs / OutFragFails / OutFragCreates

  // --- drops, by reason ---
  // ip4ref::Reason: header checks in ip_recv, and what the reassembly engine
  // dropped (packets) or discarded (datagrams), as in ReassemblyStats::by_reason.
  std::array<std::uint64_t, kReasonCount> by_reason{};
  std::array<std::uint64_t, kStackReasonCount> by_stack_reason{};

  // --- the pools and the engine ---
  PoolStats in_pool;
  PoolStats send_queue;
  PoolStats reply_queue;
  PoolStats out_pool;
  ReassemblyStats reassembly;

  // Every counter equal (the `stack` fuzz target compares two stacks with it).
  bool operator==(const StackStats&) const = default;

  std::uint64_t count(Reason r) const { return by_reason[static_cast<std::size_t>(r)]; }
  std::uint64_t count(StackReason r) const { return by_stack_reason[static_cast<std::size_t>(r)]; }
};

// Multi-line "name value", e.g. "in_receives 12"; reason counters only when
// non-zero, as "drop.bad-checksum 1"; pools as "in_pool.backpressure 2".
std::string to_string(const StackStats& s);

}  // namespace ip4ref
