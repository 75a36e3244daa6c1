// reassembly_store.h: the reference reassembly store, engine "ref".
//
// Clarity first (DESIGN.md "The reference reassembly store"): a linked list
// of DatagramEntry in creation order, searched linearly by key; deadlines
// found by scanning. Every rule is written out once, in the order below, and
// the optimized engine must produce the same events, in the same order, with
// the same counters.
//
// What push() does with one packet, in order (first outcome wins):
//   1. expire(now): discard (kTimeout) every datagram whose deadline <= now.
//   2. Parse (Ipv4View::parse, then the header checksum, then the options):
//      Dropped{kTruncated | kBadVersion | kBadHeaderLength | kBadTotalLength |
//      kBadChecksum | kBadOptions}. Octets past total length are ignored.
//   3. Not a fragment (MF = 0 and offset 0): Delivered as is, count 1.
//   4. Fragment geometry [offset, offset + payload). MF fragments: linux
//      rounds the end down to a multiple of 8 (kernel ip_frag_queue); the
//      other policies drop a payload that is not a multiple of 8
//      (kUnalignedFragment, RFC 791: "the fragment ... must be a multiple of 8").
//   5. End past 65535 - header length: Dropped{kOversize} (ping of death).
//      Not under linux: the kernel has no per-fragment check for IPv4, so such
//      a fragment is queued like any other and its datagram can only be
//      refused at completion (step 10) - found by the kernel oracle,
//      corpus/findings/linux-kernel/ref-bug-oversize-fragment-queued.pcap.
//   6. Find the datagram (memory is checked here, as the kernel checks it
//      when it looks the queue up). Memory admission of `n` octets: if the
//      charge plus n would pass `high`, discard other datagrams oldest first
//      (Discarded{kEvicted}) until the charge plus n is <= `low`; if even
//      discarding all the others could not get there, discard nothing and
//      drop the fragment (Dropped{kMemoryLimit}).
//      No datagram for the key yet: empty payload -> Dropped{kEmptyFragment};
//      max_datagrams reached -> Dropped{kTooManyDatagrams}; admission of
//      payload + 64 + 256 fails -> Dropped{kMemoryLimit}; else create it
//      (charge 256, deadline = now + timeout).
//      Datagram exists: admission of payload + 64 fails -> Dropped{kMemoryLimit}.
//   7. Length consistency, as the Linux kernel checks it (for every policy):
//      MF = 0 and end < highest end seen -> Discarded{kPastEnd}; MF = 0 and
//      a different end already known -> Discarded{kConflictingEnd}; MF = 1
//      and end past a known end -> Discarded{kPastEnd}. The length state
//      (highest end, known end) is updated here, before the overlap rule, as
//      in the kernel.
//   8. Empty payload: linux discards the datagram (Discarded{kEmptyFragment},
//      kernel "if (end == offset) goto discard_qp"); the others drop the
//      fragment (Dropped{kEmptyFragment}). Then max_fragments_per_datagram
//      reached -> Discarded{kTooManyFragments}.
//   9. The policy's rule (overlap_policies.h): Dropped{kDuplicate},
//      Discarded{kOverlap}, or stored (charged, counted).
//  10. Complete (known end, every octet held)? linux: an invalid mix of ECN
//      codepoints (RFC 3168 5.3, kernel ip_frag_ecn_table) ->
//      Discarded{kEcnMismatch}. Offset-0 header + data over 65535 octets ->
//      Discarded{kOversize}. Else build the datagram: offset-0 header (first
//      accepted offset-0 fragment), MF and offset cleared, total length set,
//      checksum recomputed; with strip_options IHL 5. DF and the reserved
//      flag stay as they were in that header, except under linux, where (as
//      the kernel's ip_frag_reasm does) the reserved flag is cleared, DF is
//      set exactly when the largest fragment accepted had DF, and CE is
//      OR-ed into the TOS when CE mixed with ECT. Then Delivered. Under linux only a stored
//      fragment completes a datagram (kernel behaviour: a duplicate that
//      brings the end leaves the datagram to time out); under every other
//      policy a duplicate that brings the end completes it too.
#pragma once

#include <cstdint>
#include <list>
#include <map>
#include <optional>

#include "datagram_entry.h"
#include "ip4ref/reassembly_engine.h"

namespace ip4ref::ref {

class ReassemblyStore final : public ReassemblyEngine {
 public:
  explicit ReassemblyStore(const ReassemblyConfig& config);

  void push(Bytes packet, Instant now, EventSink& sink) override;
  void expire(Instant now, EventSink& sink) override;
  std::optional<Instant> next_expiry() const override;
  const ReassemblyStats& stats() const override { return stats_; }
  const ReassemblyConfig& config() const override { return config_; }
  std::string_view name() const override { return "ref"; }
  bool reset(const ReassemblyConfig& config) override;

 private:
  struct Fragment;  // one parsed fragment (reassembly_store.cpp)

  using EntryList = std::list<DatagramEntry>;
  using EntryIt = EntryList::iterator;

  void push_fragment(const Fragment& f, Instant now, EventSink& sink);
  std::optional<EntryIt> find_or_create(const Fragment& f, Instant now, EventSink& sink);
  bool lengths_consistent(EntryIt it, const Fragment& f, EventSink& sink);
  bool admit(const DatagramEntry* target, std::size_t needed, EventSink& sink);
  void store(EntryIt it, const Fragment& f, EventSink& sink);
  void deliver(EntryIt it, EventSink& sink);
  void note_linux_header_state(DatagramEntry& e, const Fragment& f);

  void drop(Reason reason, bool is_fragment, EventSink& sink);
  void discard(EntryIt it, Reason reason, EventSink& sink);
  void remove(EntryIt it);

  ReassemblyConfig config_;
  ReassemblyStats stats_;
  EntryList entries_;                        // the linked list, creation order
  std::map<FragmentKey, EntryIt> by_key_;    // exact-key index into the list
  std::uint64_t next_creation_ = 0;
};

}  // namespace ip4ref::ref
