// oracle_kernel_model.h: what the running Linux kernel is predicted to
// deliver, from an independent simulation of its IPv4 reassembly
// (net/ipv4/ip_fragment.c ip_frag_queue, ip_frag_reasm; net/ipv4/
// inet_fragment.c inet_frag_queue_insert; Linux v6.x), written from the
// kernel's code, not from the reference.
//
// Every way the kernel is known to differ from the reference's `linux`
// policy is a Quirk the simulation can turn off; with every quirk off it
// follows the reference's rules, and the campaign checks that it then equals
// the reference exactly (an independent cross-check of the `linux` policy).
// A disagreement between the reference and the kernel is "explained" when
// predict() with every quirk equals what the kernel delivered; its class is
// the set of quirks it needs (each quirk whose removal breaks the match).
// Not simulated (the campaign does not exercise them): timers (ipfrag_time),
// memory limits (ipfrag_high_thresh), per-datagram caps.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "ip4ref/events.h"
#include "ip4ref/reassembly_config.h"

namespace ip4ref::oracle {

enum Quirk : std::uint32_t {
  // ip_frag_reasm: "iph->frag_off = htons(IP_DF)" only "if (qp->max_df_size
  // == qp->q.max_size)": DF is set when the largest accepted fragment
  // (payload + header) carried DF, not as the offset-0 fragment had it.
  kDfLargestFragment = 1u << 0,
  // ip_frag_reasm writes frag_off = 0 or IP_DF: the reserved ("evil") flag
  // of the offset-0 fragment is cleared.
  kReservedFlagCleared = 1u << 1,
  // ip_frag_queue: "qp->ecn |= ecn"; ip_frag_reasm: "ecn =
  // ip_frag_ecn_table[qp->ecn]; if (unlikely(ecn == 0xff)) goto out_fail",
  // else "iph->tos |= ecn" (RFC 3168 5.3): Not-ECT mixed with ECT or CE
  // kills the datagram; CE mixed with ECT marks the datagram CE.
  kEcnCombination = 1u << 2,
  // ip_rcv_finish_core -> ip_rcv_options: ip_options_compile() rejects
  // options the reference accepts, and a source route is dropped while
  // conf.all.accept_source_route is 0 (the namespace default).
  kOptionsRejected = 1u << 3,
  // ip_options_compile() with an skb stamps Record Route and Timestamp
  // options in place (address / time at the pointer, pointer += 4): the
  // delivered offset-0 header differs in the stamped slot, pointer and checksum.
  kOptionsStamped = 1u << 4,
  // ip_frag_queue -> ip_frag_too_far: more than ipfrag_max_dist (64)
  // fragments from the same source since this datagram's previous fragment
  // -> ip_frag_reinit throws away what the datagram had.
  kMaxDistReinit = 1u << 5,
  // NOT a kernel quirk but a reference bug (reported; the reference is to
  // follow the kernel): ip_frag_queue has no per-fragment 65535 check, so a
  // fragment whose end passes 65535 - header length is queued like any
  // other (it sets q.len, overlaps, completes runs); only ip_frag_reasm
  // refuses the datagram ("Oversized IP packet"). The reference drops such a
  // fragment alone (kOversize) and can then still deliver the datagram.
  kRefBugOversizeQueued = 1u << 6,
  kAllQuirks = (1u << 7) - 1,
  // The kernel behaviours the reference's `linux` policy now models (after
  // the first campaigns; see reassembly_store.h steps 5 and 10): predict()
  // always applies them, so they no longer appear in any class.
  kModelledByReference =
      kDfLargestFragment | kReservedFlagCleared | kEcnCombination | kRefBugOversizeQueued,
};

// Stable names: "df-largest-fragment", "reserved-flag-cleared",
// "ecn-combination", "options-rejected", "options-stamped", "max-dist-reinit",
// "ref-bug-oversize-fragment-queued".
std::string quirk_name(std::uint32_t single_quirk);
// "a+b" for a set; "none" for 0.
std::string quirk_set_name(std::uint32_t quirks);

using Packet = std::vector<std::uint8_t>;

// The Delivered events the kernel is predicted to emit for `packets` pushed
// in order, with the quirks in `quirks` (0: the reference's rules; only
// config.strip_options is used). kOptionsStamped needs the kernel's own
// deliveries (`kernel`, may be empty) to copy the stamped values from: a
// time of day cannot be predicted. `max_dist` is net.ipv4.ipfrag_max_dist.
std::vector<RecordedEvent> predict(const std::vector<Packet>& packets, std::uint32_t quirks,
                                   const ReassemblyConfig& config,
                                   const std::vector<RecordedEvent>& kernel, long max_dist = 64);

// Whether the kernel's ip_options_compile() (or the source-route check)
// drops this packet while the reference's parse_options accepts it.
bool kernel_rejects_options(std::span<const std::uint8_t> packet);

}  // namespace ip4ref::oracle
