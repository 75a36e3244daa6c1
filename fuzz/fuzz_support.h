// fuzz_support.h: what the fuzz targets share: the second engine of a
// differential run, the lockstep runner with its invariants, and the one way a
// target reports a finding (a stable one-line signature, then abort).
//
// STYLE.md rule 12: targets are thin. They decode their input and hand it to
// these helpers; everything that compares or checks lives here, once.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ip4ref/events.h"
#include "ip4ref/policy.h"
#include "ip4ref/reassembly_engine.h"
#include "trace.h"

namespace ip4ref::fuzz {

// What reassembly_diff and its mutator decode from one input: at most this
// many records and packet octets, so one exec stays cheap.
inline constexpr trace::LenientLimits kDiffLimits{1024, std::size_t{1} << 20};

// The engine compared with "ref": $IP4REF_FUZZ_CANDIDATE if set (any
// registered engine name), else "fast"; when make_engine() does not know that
// name, a second "ref" instance (a one-time note on stderr says so). The
// invariants are checked either way.
std::unique_ptr<ReassemblyEngine> make_candidate(const ReassemblyConfig& config);
// The candidate's engine name ("fast", or "ref" when falling back).
std::string_view candidate_name();

// Prints `details` (if any), then the line
//   ip4ref-fuzz: SIGNATURE <signature>
// (ci/fuzz keys crash files by it), then aborts. Signatures are stable,
// one word each, e.g. "ref-fast-Delivered-difference".
[[noreturn]] void report(std::string_view signature, std::string_view details = {});

// "Delivered", "Dropped", "Discarded".
std::string_view kind_name(RecordedEvent::Kind kind);

// Where two events differ, in words (first differing octet of a datagram).
std::string describe_difference(const RecordedEvent& a, const RecordedEvent& b);

// Which field of two stats differs first ("reasm_oks", "by_reason[overlap]", ...);
// empty when they are equal.
std::string first_stats_difference(const ReassemblyStats& a, const ReassemblyStats& b);

// Checks a delivered datagram against the contract: at most 65535 octets, a
// valid IPv4 header with a correct checksum, total length = size, not a
// fragment, key = its header's (src, dst, protocol, id). Returns a signature
// suffix ("delivered-bad-checksum", ...) or nullopt when it holds.
std::optional<std::string> check_delivered(const RecordedEvent& e);

// The two engines of a differential run, reused from one input to the next
// (building two engines per input cost more than running most inputs:
// fuzz/README.md "Speed"). One pair per policy, so a pair is built the first
// time the process meets its policy and then reset (ReassemblyEngine::reset)
// to each input's configuration. One per process.
//
// prepare() gives engines as good as new for a configuration; finish() resets
// them at the end of the input, so what an input allocates it also frees
// before it returns (libFuzzer re-runs an input that frees less than it
// allocated, to look for a leak). An engine that cannot reset (a plug-in) is
// destroyed there and built again for the next input.
class EnginePair {
 public:
  static EnginePair& instance();
  void prepare(const ReassemblyConfig& config);
  void finish();
  ReassemblyEngine& ref() { return *slot().ref; }
  // nullptr when the candidate refuses the configuration.
  ReassemblyEngine* candidate() { return slot().candidate.get(); }

 private:
  struct Slot {
    std::unique_ptr<ReassemblyEngine> ref;
    std::unique_ptr<ReassemblyEngine> candidate;
  };
  Slot& slot() { return slots_[static_cast<std::size_t>(config_.policy)]; }

  ReassemblyConfig config_;
  std::array<Slot, kAllPolicies.size()> slots_;
};

// An EventSink that records events like EventLog, into storage it keeps:
// clear() forgets the events but not their slots, so a slot's octet buffer
// is reused by the next event put there. Lockstep keeps two of these for the
// life of the process (an EventLog allocated a RecordedEvent and its octets
// for every event: under ASan, each allocation and free costs a stack trace).
// Both record through record_event() (events.h), so the events are equal to
// what EventLog records for the same calls.
class ReusedLog final : public EventSink {
 public:
  void on_delivered(const Delivered& e) override;
  void on_dropped(const Dropped& e) override;
  void on_discarded(const Discarded& e) override;
  std::span<const RecordedEvent> events() const { return {slots_.data(), size_}; }
  void clear() { size_ = 0; }

 private:
  // The next slot (record_event() overwrites every field; its octets'
  // capacity is kept).
  RecordedEvent& next();

  std::vector<RecordedEvent> slots_;
  std::size_t size_ = 0;
};

// ref and the candidate in lockstep over a trace. After every record it
// compares both engines' events, stats and next_expiry(), and checks the
// contract on ref's behaviour against a shadow model of which datagrams are in
// progress and their deadlines:
//   - charge <= high threshold (and >= 256 per datagram in progress);
//   - every delivered datagram passes check_delivered; an unfragmented packet
//     passes through unchanged;
//   - push/expire at `now` first discards (timeout) exactly the datagrams with
//     deadline <= now, in deadline order, ties by creation order;
//   - at most one Dropped per push, none from expire();
//   - next_expiry() is the earliest deadline in progress (nullopt when none),
//     and datagrams_in_progress is the number in progress.
// On any failure it re-runs the trace to print both event streams record by
// record, and calls report().
class Lockstep {
 public:
  // With keep_ref_events, every event ref emitted stays available in
  // ref_events() after run() (callers that check outcomes need no third run).
  explicit Lockstep(const trace::Trace& trace, bool keep_ref_events = false);
  ~Lockstep();
  Lockstep(const Lockstep&) = delete;
  Lockstep& operator=(const Lockstep&) = delete;
  void run();
  const std::vector<RecordedEvent>& ref_events() const { return ref_history_; }

  // One datagram in progress in the shadow model.
  struct Shadow {
    FragmentKey key;
    Instant deadline;
    std::uint64_t creation = 0;
  };
  // What a Lockstep reuses from one input to the next (one per process;
  // Lockstep empties it when it starts and ends): the event logs, the packet
  // buffer, the shadow model and the datagrams due. Capacity only: it stops
  // growing once the largest input has run, so an input frees what it
  // allocates (libFuzzer re-runs an input that does not, to look for a leak).
  struct Scratch;

 private:
  void step(const trace::Record& record);
  void compare();
  void compare_events(std::span<const RecordedEvent> a, std::span<const RecordedEvent> b);
  std::string pair() const;  // "ref-fast-": the prefix of difference signatures
  void check_model(bool packet, const std::optional<FragmentKey>& fragment);
  void check_delivery(const RecordedEvent& e, const std::optional<FragmentKey>& fragment);
  void check_gauges();
  void check_names();
  void check_event_names();
  void find_due();  // fills scratch_.due: shadows with deadline <= now, in expiry order
  const Shadow* find_shadow(const FragmentKey& key) const;
  void erase_shadow(const FragmentKey& key);
  [[noreturn]] void fail(std::string_view signature, std::string_view why);

  const trace::Trace& trace_;
  Scratch& scratch_;
  ReassemblyEngine* ref_ = nullptr;        // owned by the process's EnginePair
  ReassemblyEngine* candidate_ = nullptr;  // nullptr: the candidate refused the config
  trace::TraceClock clock_;
  std::optional<Instant> ref_next_expiry_;  // after the current record
  std::uint64_t next_creation_ = 0;
  std::size_t index_ = 0;
  bool keep_ref_events_ = false;
  std::vector<RecordedEvent> ref_history_;
};

// The key of `packet` if the reference store would treat it as a fragment
// (parses, checksum verifies, options parse, MF or offset set).
std::optional<FragmentKey> fragment_key(Bytes packet);

}  // namespace ip4ref::fuzz
