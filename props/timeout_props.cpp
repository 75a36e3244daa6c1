// timeout_props.cpp: incomplete datagrams and the clock (DESIGN.md
// "Deadline": first arrival + timeout, not refreshed, ties by creation order).
//
// Several flows each send an incomplete train (one piece or more missing,
// some pieces twice) interleaved on a generated clock schedule, with expire()
// probes in between. A small model of deadlines says, before every push and
// probe, which datagrams must be discarded, in which order, with which quote,
// what must be charged and what next_expiry() must be.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "generators.h"
#include "packets.h"

namespace ip4ref::props {
namespace {

const Instant kT0 = Instant::from_ns(1'000'000'000);

struct Flow {
  std::uint16_t id = 0;
  std::vector<FragSpec> pieces;  // what is sent: the train minus what is missing
};

struct Step {
  std::size_t flow = 0;
  std::size_t piece = 0;
  Duration wait;       // clock advance before the push
  bool probe = false;  // call expire(now) before the push
};

std::ostream& operator<<(std::ostream& os, const Step& s) {
  os << "+" << s.wait.ns() << "ns" << (s.probe ? " expire," : "") << " flow " << s.flow << " piece "
     << s.piece;
  return os;
}

// A datagram in progress, as the model sees it.
struct Instance {
  Instant first_arrival;
  std::uint64_t creation = 0;
  std::set<std::size_t> held;
  std::size_t charge = ReassemblyConfig::kDatagramCharge;
  std::optional<FragSpec> offset0;  // first accepted offset-0 piece
  Instant deadline(Duration timeout) const { return first_arrival + timeout; }
};

class DeadlineModel {
 public:
  DeadlineModel(Policy policy, Duration timeout, const std::vector<Flow>& flows)
      : policy_(policy), timeout_(timeout), flows_(flows), in_progress_(flows.size()) {}

  // The Discarded{timeout} events expire(now) must emit, in deadline order,
  // ties by creation order; the instances are gone afterwards.
  std::vector<RecordedEvent> expire(Instant now) {
    std::vector<std::size_t> due;
    for (std::size_t f = 0; f < in_progress_.size(); ++f) {
      if (in_progress_[f] && in_progress_[f]->deadline(timeout_) <= now) {
        due.push_back(f);
      }
    }
    std::sort(due.begin(), due.end(), [&](std::size_t a, std::size_t b) {
      const Instance& x = *in_progress_[a];
      const Instance& y = *in_progress_[b];
      return x.deadline(timeout_) != y.deadline(timeout_)
                 ? x.deadline(timeout_) < y.deadline(timeout_)
                 : x.creation < y.creation;
    });
    std::vector<RecordedEvent> out;
    for (std::size_t f : due) {
      RecordedEvent e;
      e.kind = RecordedEvent::Kind::kDiscarded;
      e.key = key_of(flows_[f].id);
      e.reason = Reason::kTimeout;
      if (in_progress_[f]->offset0) {
        e.first_fragment_seen = true;
        const FragSpec& h = *in_progress_[f]->offset0;
        e.bytes = build(h, flows_[f].id);
        e.bytes.resize(kIpv4MinHeader + std::min<std::size_t>(8, h.length));
      }
      out.push_back(e);
      in_progress_[f].reset();
    }
    return out;
  }

  // push = expire(now), then the piece: a new datagram, stored, or an exact
  // duplicate (dropped, except where the policy keeps the newcomer).
  std::vector<RecordedEvent> push(const Step& s, Instant now) {
    std::vector<RecordedEvent> out = expire(now);
    std::optional<Instance>& in = in_progress_[s.flow];
    if (!in) {
      in = Instance{now, next_creation_++, {}, ReassemblyConfig::kDatagramCharge, std::nullopt};
    }
    const FragSpec& f = flows_[s.flow].pieces[s.piece];
    const bool keeps_duplicates = policy_ == Policy::kLast || policy_ == Policy::kLinuxLegacy;
    if (in->held.count(s.piece) != 0 && !keeps_duplicates) {
      RecordedEvent dup;
      dup.kind = RecordedEvent::Kind::kDropped;
      dup.reason = Reason::kDuplicate;
      out.push_back(dup);
      return out;
    }
    in->held.insert(s.piece);
    in->charge += f.length + ReassemblyConfig::kFragmentCharge;
    if (f.offset == 0 && !in->offset0) {
      in->offset0 = f;
    }
    return out;
  }

  std::optional<Instant> next_expiry() const {
    std::optional<Instant> earliest;
    for (const auto& in : in_progress_) {
      if (in && (!earliest || in->deadline(timeout_) < *earliest)) {
        earliest = in->deadline(timeout_);
      }
    }
    return earliest;
  }

  std::size_t charge() const {
    std::size_t c = 0;
    for (const auto& in : in_progress_) {
      c += in ? in->charge : 0;
    }
    return c;
  }

  std::size_t in_progress() const {
    return static_cast<std::size_t>(std::count_if(in_progress_.begin(), in_progress_.end(),
                                                  [](const auto& i) { return i.has_value(); }));
  }

 private:
  Policy policy_;
  Duration timeout_;
  std::vector<Flow> flows_;
  std::vector<std::optional<Instance>> in_progress_;
  std::uint64_t next_creation_ = 0;
};

rc::Gen<std::vector<Flow>> gen_incomplete_flows() {
  return rc::gen::exec([] {
    const std::size_t n = *rc::gen::inRange<std::size_t>(1, 5);
    std::vector<Flow> flows;
    for (std::size_t i = 0; i < n; ++i) {
      Flow f;
      f.id = static_cast<std::uint16_t>(100 + i);
      std::vector<FragSpec> tiles = *gen_tiling(16, 2);
      // At least one piece is missing, so the datagram can never complete.
      const std::size_t missing = *rc::gen::inRange<std::size_t>(0, tiles.size());
      for (std::size_t t = 0; t < tiles.size(); ++t) {
        if (t != missing &&
            (t < missing || *rc::gen::weightedElement<bool>({{4, true}, {1, false}}))) {
          f.pieces.push_back(tiles[t]);
        }
      }
      if (f.pieces.empty()) {
        f.pieces.push_back(tiles[(missing + 1) % tiles.size()]);
      }
      flows.push_back(f);
    }
    return flows;
  });
}

std::string flows_text(const std::vector<Flow>& flows) {
  std::string s;
  for (std::size_t i = 0; i < flows.size(); ++i) {
    s += "flow " + std::to_string(i) + " (id " + std::to_string(flows[i].id) +
         "): " + describe(flows[i].pieces) + "\n";
  }
  return s;
}

void expect_events(const std::string& what, const std::vector<RecordedEvent>& got,
                   const std::vector<RecordedEvent>& want) {
  if (got != want) {
    RC_FAIL(what + ": got [" + describe(got) + "], want [" + describe(want) + "]");
  }
}

RC_GTEST_PROP(Timeout, IncompleteTrainsAreDiscardedExactlyAtFirstArrivalPlusTimeout, ()) {
  const Policy policy = *gen_policy().as("policy");
  const Duration timeout = *gen_timeout().as("timeout");
  const std::vector<Flow> flows = *gen_incomplete_flows();
  RC_LOG() << flows_text(flows);
  // Every piece at least once, some twice, interleaved.
  std::vector<Step> steps;
  for (std::size_t f = 0; f < flows.size(); ++f) {
    for (std::size_t p = 0; p < flows[f].pieces.size(); ++p) {
      steps.push_back(Step{f, p, {}, false});
    }
  }
  for (std::size_t d : *gen_duplicates(steps.size()).as("sent twice")) {
    steps.push_back(steps[d]);
  }
  const auto order = *gen_permutation(steps.size()).as("arrival order");
  std::vector<Step> schedule;
  for (std::size_t i : order) {
    Step s = steps[i];
    s.wait = *gen_clock_step(timeout);
    s.probe = *rc::gen::weightedElement<bool>({{5, false}, {1, true}});
    schedule.push_back(s);
  }
  RC_LOG() << "schedule:";
  for (const Step& s : schedule) {
    RC_LOG() << " [" << s << "]";
  }
  RC_LOG() << "\n";

  ReassemblyConfig config = config_for(policy);
  config.timeout = timeout;
  Driver ref("ref", config);
  DeadlineModel model(policy, timeout, flows);
  Instant now = kT0;
  for (std::size_t i = 0; i < schedule.size(); ++i) {
    const Step& s = schedule[i];
    now = now + s.wait;
    const std::string at =
        "step #" + std::to_string(i) + " at t=" + std::to_string(now.ns()) + "ns";
    if (s.probe) {
      expect_events(at + " expire()", ref.expire(now), model.expire(now));
    }
    const FragSpec& f = flows[s.flow].pieces[s.piece];
    expect_events(at + " push", ref.push(build(f, flows[s.flow].id), now), model.push(s, now));
    RC_ASSERT(ref.next_expiry() == model.next_expiry());
    RC_ASSERT(ref.stats().charge == model.charge());
    RC_ASSERT(ref.stats().datagrams_in_progress == model.in_progress());
  }
  // Each remaining datagram: nothing one nanosecond before its deadline,
  // discarded exactly at it.
  while (const auto deadline = model.next_expiry()) {
    const Instant before = *deadline - Duration::nanoseconds(1);
    expect_events("expire(deadline - 1ns)", ref.expire(before), {});
    RC_ASSERT(ref.next_expiry() == deadline);
    expect_events("expire(deadline)", ref.expire(*deadline), model.expire(*deadline));
    RC_ASSERT(ref.next_expiry() == model.next_expiry());
    now = std::max(now, *deadline);
  }
  RC_ASSERT(ref.stats().charge == 0u);
  RC_ASSERT(ref.stats().datagrams_in_progress == 0u);
  RC_ASSERT(ref.stats().reasm_oks == 0u);
  // A fragment after the discard starts a new datagram with a new deadline.
  const FragSpec& again = flows[0].pieces[0];
  RC_ASSERT(ref.push(build(again, flows[0].id), now).empty());
  RC_ASSERT(ref.next_expiry() == std::optional<Instant>(now + timeout));
  RC_ASSERT(ref.stats().datagrams_in_progress == 1u);
  RC_ASSERT(ref.stats().charge ==
            ReassemblyConfig::kDatagramCharge + again.length + ReassemblyConfig::kFragmentCharge);
}

}  // namespace
}  // namespace ip4ref::props
