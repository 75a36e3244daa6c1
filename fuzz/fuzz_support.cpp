// fuzz_support.cpp: the second engine, lockstep comparison and invariants,
// and reporting a finding. See fuzz_support.h.
#include "fuzz_support.h"

#include <algorithm>
#include <bitset>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "ip4ref/ipv4_header.h"
#include "ip4ref/policy.h"
#include "ip4ref/reason.h"

namespace ip4ref::fuzz {
namespace {

// The candidate's name: $IP4REF_FUZZ_CANDIDATE (any registered engine, an
// adapter, or "so:PATH" for a plug-in through engine.h), else "fast". A name no
// configuration can build is a usage error: one line on stderr, exit 2.
const std::string& candidate() {
  static const std::string name = [] {
    const char* env = std::getenv("IP4REF_FUZZ_CANDIDATE");
    const std::string wanted = env != nullptr && *env != 0 ? env : "fast";
    // A plug-in may accept only some policies (the example takes "first"):
    // the name is good when any policy builds it.
    std::string error;
    for (const Policy policy : kAllPolicies) {
      ReassemblyConfig config;
      config.policy = policy;
      if (const auto engine = make_engine(wanted, config, &error)) {
        if (engine->capabilities() != kCapNative) {
          std::fprintf(stderr, "ip4ref-fuzz: note: comparing ref with %s on what %s observes (%s)\n",
                       wanted.c_str(), wanted.c_str(),
                       describe_missing(engine->capabilities()).c_str());
        }
        return wanted;
      }
    }
    std::fprintf(stderr, "ip4ref-fuzz: error: IP4REF_FUZZ_CANDIDATE=%s: %s\n", wanted.c_str(),
                 error.empty() ? "no such engine" : error.c_str());
    std::exit(2);
  }();
  return name;
}

std::string hex_around(const std::vector<std::uint8_t>& v, std::size_t at) {
  std::string s;
  const std::size_t from = at >= 8 ? at - 8 : 0;
  const std::size_t to = std::min(v.size(), at + 8);
  char buf[8];
  for (std::size_t i = from; i < to; ++i) {
    std::snprintf(buf, sizeof buf, i == at ? "[%02x]" : " %02x", unsigned{v[i]});
    s += buf;
  }
  return s;
}

std::string events_line(const std::vector<RecordedEvent>& events) {
  if (events.empty()) {
    return "(none)";
  }
  std::string s;
  for (const RecordedEvent& e : events) {
    s += (s.empty() ? "" : " | ") + to_string(e);
  }
  return s;
}

}  // namespace

std::unique_ptr<ReassemblyEngine> make_candidate(const ReassemblyConfig& config) {
  std::string error;
  auto engine = make_engine(candidate(), config, &error);
  if (engine == nullptr) {
    // The candidate refuses this configuration (a plug-in's policy set): the
    // input still runs, ref alone, under the invariants. Said once.
    static bool said = false;
    if (!said) {
      said = true;
      std::fprintf(stderr,
                   "ip4ref-fuzz: note: %s refused a configuration (%s); such inputs run ref's "
                   "invariants only\n",
                   candidate().c_str(), error.c_str());
    }
  }
  return engine;
}

std::string_view candidate_name() {
  return candidate();
}

void report(std::string_view signature, std::string_view details) {
  if (!details.empty()) {
    std::fprintf(stderr, "%.*s\n", static_cast<int>(details.size()), details.data());
  }
  std::fprintf(stderr, "ip4ref-fuzz: SIGNATURE %.*s\n", static_cast<int>(signature.size()),
               signature.data());
  std::fflush(stderr);
  std::abort();
}

std::string_view kind_name(RecordedEvent::Kind kind) {
  switch (kind) {
    case RecordedEvent::Kind::kDelivered:
      return "Delivered";
    case RecordedEvent::Kind::kDropped:
      return "Dropped";
    case RecordedEvent::Kind::kDiscarded:
      return "Discarded";
  }
  return "Unknown";
}

std::string describe_difference(const RecordedEvent& a, const RecordedEvent& b) {
  if (a.kind != b.kind) {
    return "kinds differ";
  }
  if (a.key != b.key) {
    return "keys differ: " + to_string(a.key) + " vs " + to_string(b.key);
  }
  if (a.reason != b.reason) {
    return "reasons differ";
  }
  if (a.fragment_count != b.fragment_count) {
    return "fragment counts differ";
  }
  if (a.first_fragment_seen != b.first_fragment_seen) {
    return "first_fragment_seen differs";
  }
  const auto mismatch =
      std::mismatch(a.bytes.begin(), a.bytes.end(), b.bytes.begin(), b.bytes.end());
  const auto at = static_cast<std::size_t>(mismatch.first - a.bytes.begin());
  return "octets differ first at " + std::to_string(at) + " (sizes " +
         std::to_string(a.bytes.size()) + ", " + std::to_string(b.bytes.size()) +
         ")\n  a:" + hex_around(a.bytes, at) + "\n  b:" + hex_around(b.bytes, at);
}

std::string first_stats_difference(const ReassemblyStats& a, const ReassemblyStats& b) {
  struct Field {
    const char* name;
    std::uint64_t x, y;
  };
  const Field fields[] = {
      {"reasm_reqds", a.reasm_reqds, b.reasm_reqds},
      {"reasm_oks", a.reasm_oks, b.reasm_oks},
      {"reasm_fails", a.reasm_fails, b.reasm_fails},
      {"reasm_timeout", a.reasm_timeout, b.reasm_timeout},
      {"reasm_overlaps", a.reasm_overlaps, b.reasm_overlaps},
      {"passthrough", a.passthrough, b.passthrough},
      {"charge", a.charge, b.charge},
      {"peak_charge", a.peak_charge, b.peak_charge},
      {"datagrams_in_progress", a.datagrams_in_progress, b.datagrams_in_progress},
  };
  for (const Field& f : fields) {
    if (f.x != f.y) {
      return f.name;
    }
  }
  for (std::size_t r = 0; r < kReasonCount; ++r) {
    if (a.by_reason[r] != b.by_reason[r]) {
      return "by_reason-" + std::string(to_string(static_cast<Reason>(r)));
    }
  }
  return {};
}

std::optional<std::string> check_delivered(const RecordedEvent& e) {
  if (e.bytes.size() > kIpv4MaxDatagram) {
    return "delivered-over-65535";
  }
  const auto view = Ipv4View::parse(e.bytes);
  if (!view) {
    return "delivered-unparsable";
  }
  if (view->total_length() != e.bytes.size()) {
    return "delivered-total-length";
  }
  if (!view->checksum_ok()) {
    return "delivered-bad-checksum";
  }
  if (view->is_fragment()) {
    return "delivered-fragment";
  }
  const FragmentKey key{view->source(), view->destination(), view->protocol(),
                        view->identification()};
  if (key != e.key) {
    return "delivered-key-mismatch";
  }
  return std::nullopt;
}

std::optional<FragmentKey> fragment_key(Bytes packet) {
  const auto view = Ipv4View::parse(packet);
  if (!view || !view->checksum_ok() || !options_well_formed(view->options()) ||
      !view->is_fragment()) {
    return std::nullopt;
  }
  return FragmentKey{view->source(), view->destination(), view->protocol(), view->identification()};
}

// ---------------------------------------------------------------- EnginePair

EnginePair& EnginePair::instance() {
  static EnginePair pair;
  return pair;
}

void EnginePair::prepare(const ReassemblyConfig& config) {
  config_ = config;
  Slot& s = slot();
  if (s.ref == nullptr || !s.ref->reset(config)) {
    s.ref = make_engine("ref", config);
  }
  if (s.candidate == nullptr || !s.candidate->reset(config)) {
    s.candidate = make_candidate(config);
  }
}

void EnginePair::finish() {
  // Triage switch: with IP4REF_FUZZ_FRESH_ENGINES set every input gets new
  // engines, so a finding that needs an earlier input's leftovers (a reset()
  // bug) shows itself by not reproducing (fuzz/README.md "Speed").
  static const bool fresh = std::getenv("IP4REF_FUZZ_FRESH_ENGINES") != nullptr;
  Slot& s = slot();
  if (s.ref != nullptr && (fresh || !s.ref->reset(config_))) {
    s.ref.reset();
  }
  if (s.candidate != nullptr && (fresh || !s.candidate->reset(config_))) {
    s.candidate.reset();
  }
}

// ---------------------------------------------------------------- ReusedLog

RecordedEvent& ReusedLog::next() {
  if (size_ == slots_.size()) {
    slots_.emplace_back();
  }
  return slots_[size_++];
}

void ReusedLog::on_delivered(const Delivered& e) {
  record_event(e, next());
}

void ReusedLog::on_dropped(const Dropped& e) {
  record_event(e, next());
}

void ReusedLog::on_discarded(const Discarded& e) {
  record_event(e, next());
}

// ---------------------------------------------------------------- Lockstep

struct Lockstep::Scratch {
  ReusedLog ref_log;
  ReusedLog candidate_log;
  std::vector<std::uint8_t> packet;
  std::vector<Shadow> shadow;  // datagrams in progress, in no particular order
  std::vector<Shadow> due;     // find_due()
  bool in_use = false;
};

namespace {

Lockstep::Scratch& lockstep_scratch() {
  static Lockstep::Scratch scratch;
  return scratch;
}

}  // namespace

Lockstep::Lockstep(const trace::Trace& trace, bool keep_ref_events)
    : trace_(trace), scratch_(lockstep_scratch()), keep_ref_events_(keep_ref_events) {
  if (scratch_.in_use) {
    report("harness-nested-lockstep", "ip4ref-fuzz: a Lockstep runs while another one does");
  }
  scratch_.in_use = true;
  scratch_.shadow.clear();
  EnginePair& engines = EnginePair::instance();
  engines.prepare(trace.config);
  ref_ = &engines.ref();
  candidate_ = engines.candidate();
}

Lockstep::~Lockstep() {
  EnginePair::instance().finish();
  scratch_.ref_log.clear();
  scratch_.candidate_log.clear();
  scratch_.shadow.clear();
  scratch_.due.clear();
  scratch_.in_use = false;
}

void Lockstep::run() {
  for (index_ = 0; index_ < trace_.records.size(); ++index_) {
    step(trace_.records[index_]);
  }
  check_names();
}

// What tools print about a run (the replay tool's summary, these reports)
// must work for whatever state the run ended in, and stable names must
// round-trip (reason.h, policy.h). Formatting costs more than a short run,
// and what it does depends only on the policy, on each event's kind and
// reason, and on which reason counters are non-zero: each of those is
// checked the first time this process meets it (ref's stats are compared
// equal to the candidate's after every record, so one of them is enough).
void Lockstep::check_names() {
  static std::bitset<kAllPolicies.size()> policies_checked;
  const Policy policy = trace_.config.policy;
  if (!policies_checked[static_cast<std::size_t>(policy)]) {
    policies_checked[static_cast<std::size_t>(policy)] = true;
    if (policy_from_string(to_string(policy)) != policy) {
      fail("policy-name-does-not-round-trip", std::string(to_string(policy)));
    }
  }
  // A stats dump is fixed lines plus one line per non-zero reason counter:
  // dumped again whenever a reason shows up that no dump had yet (a bitset,
  // not a set of patterns, so nothing allocated here outlives the run, which
  // would make libFuzzer re-run the input looking for a leak).
  static std::bitset<kReasonCount> reasons_printed;
  bool new_reason = false;
  for (std::size_t r = 0; r < kReasonCount; ++r) {
    if (ref_->stats().by_reason[r] != 0 && !reasons_printed[r]) {
      reasons_printed[r] = true;
      new_reason = true;
    }
  }
  static bool printed_once = false;
  if ((new_reason || !printed_once) && to_string(ref_->stats()).empty()) {
    fail("stats-unprintable", "");
  }
  printed_once = true;
}

// The first event of each (kind, reason) this process meets: its reason's
// name round-trips and it prints (see check_names()).
void Lockstep::check_event_names() {
  static std::bitset<3 * (kReasonCount + 1)> checked;
  for (const RecordedEvent& e : scratch_.ref_log.events()) {
    const std::size_t slot = static_cast<std::size_t>(e.kind) * (kReasonCount + 1) +
                             std::min(static_cast<std::size_t>(e.reason), kReasonCount);
    if (checked[slot]) {
      continue;
    }
    checked[slot] = true;
    if (e.kind != RecordedEvent::Kind::kDelivered &&
        reason_from_string(to_string(e.reason)) != e.reason) {
      fail("reason-name-does-not-round-trip", to_string(e));
    }
    if (to_string(e).empty()) {
      fail("event-unprintable", "");
    }
  }
}

void Lockstep::step(const trace::Record& record) {
  if (const auto* a = std::get_if<trace::AdvanceClock>(&record)) {
    clock_.advance(a->ns);
    return;
  }
  if (const auto* r = std::get_if<trace::RewindClock>(&record)) {
    clock_.rewind(r->ns);
    return;
  }
  find_due();
  std::optional<FragmentKey> fragment;
  ReusedLog& ref_log = scratch_.ref_log;
  ReusedLog& candidate_log = scratch_.candidate_log;
  ref_log.clear();
  candidate_log.clear();
  if (std::holds_alternative<trace::Expire>(record)) {
    ref_->expire(clock_.now(), ref_log);
    if (candidate_) {
      candidate_->expire(clock_.now(), candidate_log);
    }
  } else {
    std::vector<std::uint8_t>& packet = scratch_.packet;
    trace::expand_into(record, packet);
    ref_->push(packet, clock_.now(), ref_log);
    if (candidate_) {
      candidate_->push(packet, clock_.now(), candidate_log);
    }
    fragment = fragment_key(packet);
  }
  // ref's next_expiry() scans its whole list: asked once per record, for
  // both the comparison and the invariant.
  ref_next_expiry_ = ref_->next_expiry();
  compare();
  check_model(!std::holds_alternative<trace::Expire>(record), fragment);
  check_event_names();
  if (keep_ref_events_) {
    ref_history_.insert(ref_history_.end(), ref_log.events().begin(), ref_log.events().end());
  }
}

// A plug-in is named by its file, not its path: signatures stay the same
// wherever the shared object was built ("ref-so-libmine.so-...").
std::string Lockstep::pair() const {
  std::string_view name = candidate_name();
  if (name.substr(0, 3) != "so:") {
    return "ref-" + std::string(name) + "-";
  }
  const std::size_t slash = name.find_last_of('/');
  return "ref-so-" + std::string(name.substr(slash == std::string_view::npos ? 3 : slash + 1)) + "-";
}

void Lockstep::compare() {
  if (!candidate_) {
    return;
  }
  // Only what the candidate can observe is compared (capabilities(),
  // reassembly_engine.h): all of it for ref and fast, delivered datagrams and
  // little else for adapters and plug-ins.
  const std::uint32_t caps = candidate_->capabilities();
  const auto ref_events = scratch_.ref_log.events();
  const auto candidate_events = scratch_.candidate_log.events();
  if (caps == kCapNative) {
    compare_events(ref_events, candidate_events);
  } else {
    compare_events(observable({ref_events.begin(), ref_events.end()}, caps),
                   observable({candidate_events.begin(), candidate_events.end()}, caps));
  }
  if ((caps & kCapStats) != 0 && ref_->stats() != candidate_->stats()) {
    const std::string field = first_stats_difference(ref_->stats(), candidate_->stats());
    fail(pair() + "stats-" + field + "-difference",
         "stats differ\nref:\n" + to_string(ref_->stats()) + "\n" + std::string(candidate_name()) +
             ":\n" + to_string(candidate_->stats()));
  }
  if ((caps & IP4REF_CAP_NEXT_EXPIRY) != 0 && ref_next_expiry_ != candidate_->next_expiry()) {
    fail(pair() + "next-expiry-difference", "next_expiry() differs");
  }
}

void Lockstep::compare_events(std::span<const RecordedEvent> a,
                              std::span<const RecordedEvent> b) {
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i] == b[i]) {
      continue;
    }
    const std::string why = "event " + std::to_string(i) + ": " + describe_difference(a[i], b[i]);
    if (a[i].kind != b[i].kind) {
      fail(pair() + std::string(kind_name(a[i].kind)) + "-vs-" + std::string(kind_name(b[i].kind)),
           why);
    }
    fail(pair() + std::string(kind_name(a[i].kind)) + "-difference", why);
  }
  if (a.size() != b.size()) {
    const bool missing = a.size() > b.size();
    const RecordedEvent& extra = missing ? a[n] : b[n];
    fail(pair() + (missing ? "missing-" : "extra-") + std::string(kind_name(extra.kind)),
         "event counts differ");
  }
}

void Lockstep::find_due() {
  std::vector<Shadow>& due = scratch_.due;
  due.clear();
  for (const Shadow& s : scratch_.shadow) {
    if (s.deadline <= clock_.now()) {
      due.push_back(s);
    }
  }
  std::sort(due.begin(), due.end(), [](const Shadow& x, const Shadow& y) {
    return x.deadline != y.deadline ? x.deadline < y.deadline : x.creation < y.creation;
  });
}

auto Lockstep::find_shadow(const FragmentKey& key) const -> const Shadow* {
  for (const Shadow& s : scratch_.shadow) {
    if (s.key == key) {
      return &s;
    }
  }
  return nullptr;
}

// Keys are unique in the model; the order of its entries does not matter.
void Lockstep::erase_shadow(const FragmentKey& key) {
  std::vector<Shadow>& shadow = scratch_.shadow;
  for (std::size_t i = 0; i < shadow.size(); ++i) {
    if (shadow[i].key == key) {
      shadow[i] = shadow.back();
      shadow.pop_back();
      return;
    }
  }
}

void Lockstep::check_model(bool packet, const std::optional<FragmentKey>& fragment) {
  const auto events = scratch_.ref_log.events();
  const std::vector<Shadow>& due = scratch_.due;
  // Expiry first: exactly the due datagrams, in deadline order.
  for (std::size_t i = 0; i < due.size(); ++i) {
    if (i >= events.size() || events[i].kind != RecordedEvent::Kind::kDiscarded ||
        events[i].reason != Reason::kTimeout || events[i].key != due[i].key) {
      fail("ref-invariant-timeout-order", "expected timeout of " + to_string(due[i].key));
    }
    erase_shadow(due[i].key);
  }
  const bool existed = fragment && find_shadow(*fragment) != nullptr;
  bool touched = false;
  bool touched_by_drop = false;
  for (std::size_t i = due.size(); i < events.size(); ++i) {
    const RecordedEvent& e = events[i];
    if (e.kind == RecordedEvent::Kind::kDropped) {
      // The packet's own outcome: once per push, never from expire().
      if (touched_by_drop || !packet) {
        fail("ref-invariant-more-than-one-drop", "");
      }
      touched_by_drop = true;
      touched = true;
      continue;
    }
    if (e.kind == RecordedEvent::Kind::kDelivered) {
      check_delivery(e, fragment);
    } else if (e.reason == Reason::kTimeout || find_shadow(e.key) == nullptr) {
      fail("ref-invariant-unexpected-discard", to_string(e));
    }
    touched = touched || (fragment && e.key == *fragment);
    if (e.kind == RecordedEvent::Kind::kDiscarded || fragment) {
      erase_shadow(e.key);
    }
  }
  if (fragment && !existed && !touched) {
    // Not in the model before this push, and nothing above added it back.
    scratch_.shadow.push_back(
        Shadow{*fragment, clock_.now() + trace_.config.timeout, next_creation_++});
  }
  check_gauges();
}

void Lockstep::check_delivery(const RecordedEvent& e, const std::optional<FragmentKey>& fragment) {
  if (auto bad = check_delivered(e)) {
    fail("ref-invariant-" + *bad, to_string(e));
  }
  if (!fragment) {
    // An unfragmented packet passes straight through, as its [0, total length).
    const auto view = Ipv4View::parse(scratch_.packet);
    if (!view ||
        !std::equal(e.bytes.begin(), e.bytes.end(), view->bytes().begin(), view->bytes().end())) {
      fail("ref-invariant-passthrough-changed", "");
    }
    return;
  }
  if (e.key != *fragment || find_shadow(e.key) == nullptr) {
    fail("ref-invariant-delivered-unknown-datagram", to_string(e));
  }
  if (trace_.config.strip_options && e.bytes[0] != 0x45) {
    fail("ref-invariant-options-not-stripped", "");
  }
  // A planted finding, to test what happens to one (ci/fuzz, fuzz/README.md).
  static const bool canary = std::getenv("IP4REF_FUZZ_CANARY") != nullptr;
  if (canary && e.fragment_count >= 3 && ref_->stats().reasm_overlaps > 0) {
    fail("canary-overlapping-datagram-delivered", to_string(e));
  }
}

void Lockstep::check_gauges() {
  const ReassemblyStats& s = ref_->stats();
  if (s.charge > trace_.config.high_threshold || s.peak_charge > trace_.config.high_threshold) {
    fail("ref-invariant-charge-above-high", "charge " + std::to_string(s.charge));
  }
  const std::vector<Shadow>& shadow = scratch_.shadow;
  if (s.datagrams_in_progress != shadow.size()) {
    fail("ref-invariant-datagrams-in-progress", "engine " +
                                                    std::to_string(s.datagrams_in_progress) +
                                                    ", model " + std::to_string(shadow.size()));
  }
  if (s.charge < s.datagrams_in_progress * ReassemblyConfig::kDatagramCharge) {
    fail("ref-invariant-charge-below-datagrams", "");
  }
  std::optional<Instant> earliest;
  for (const Shadow& sh : shadow) {
    if (!earliest || sh.deadline < *earliest) {
      earliest = sh.deadline;
    }
  }
  if (ref_next_expiry_ != earliest) {
    fail("ref-invariant-next-expiry-not-earliest-deadline", "");
  }
}

void Lockstep::fail(std::string_view signature, std::string_view why) {
  // Re-run from the start to print both event streams record by record.
  std::string out = "ip4ref-fuzz: " + std::string(signature) + " at record " +
                    std::to_string(index_) + ": " + std::string(why) + "\n";
  out += "config: " + trace::to_string(trace_.config) + "\n";
  auto a = make_engine("ref", trace_.config);
  auto b = make_candidate(trace_.config);
  trace::TraceClock ca;
  trace::TraceClock cb;
  std::vector<std::uint8_t> scratch;
  const std::string name(candidate_name());
  for (std::size_t i = 0; i <= index_ && i < trace_.records.size(); ++i) {
    EventLog la;
    EventLog lb;
    trace::apply(trace_.records[i], *a, ca, la, scratch);
    if (b) {
      trace::apply(trace_.records[i], *b, cb, lb, scratch);
    }
    out += "#" + std::to_string(i) + " t=" + std::to_string(ca.now().ns()) + " " +
           trace::to_string(trace_.records[i]) + "\n";
    if (!la.events().empty() || !lb.events().empty()) {
      out += "    ref:  " + events_line(la.events()) + "\n";
      out += "    " + name + ": " + events_line(lb.events()) + "\n";
    }
  }
  report(signature, out);
}

}  // namespace ip4ref::fuzz
