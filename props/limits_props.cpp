// limits_props.cpp: memory accounting and limits (DESIGN.md "Limits and
// accounting"): each accepted fragment charges payload + 64, each datagram in
// progress 256; above `high`, evict oldest first down to `low`, never the
// datagram being added to; drop the fragment if even that cannot make room.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <list>
#include <sstream>
#include <string>
#include <vector>

#include "generators.h"
#include "packets.h"

namespace ip4ref::props {
namespace {

const Instant kT0 = Instant::from_ns(1'000'000'000);

struct Sent {
  std::uint16_t id = 0;
  FragSpec fragment;
};

std::ostream& operator<<(std::ostream& os, const Sent& s) {
  return os << "id " << s.id << " " << s.fragment;
}

// Fragments of `flows` datagrams, some complete and some not, interleaved.
rc::Gen<std::vector<Sent>> gen_traffic(std::uint16_t first_id, std::size_t max_flows) {
  return rc::gen::exec([=] {
    const std::size_t flows = *rc::gen::inRange<std::size_t>(1, max_flows + 1);
    std::vector<Sent> all;
    for (std::size_t i = 0; i < flows; ++i) {
      const auto id = static_cast<std::uint16_t>(first_id + i);
      const std::vector<FragSpec> tiles = *gen_tiling(48, 2);
      const bool complete = *rc::gen::weightedElement<bool>({{1, true}, {3, false}});
      for (std::size_t t = 0; t < tiles.size(); ++t) {
        if (complete || t != 0) {  // incomplete: the offset-0 piece never comes
          all.push_back(Sent{id, tiles[t]});
        }
      }
    }
    const auto order = *gen_permutation(all.size());
    std::vector<Sent> out;
    for (std::size_t k : order) {
      out.push_back(all[k]);
    }
    return out;
  });
}

RC_GTEST_PROP(Limits, ChargeNeverExceedsTheHighThresholdAndReturnsToZero, ()) {
  const Policy policy = *gen_policy().as("policy");
  const Limits limits = *gen_limits().as("limits");
  const std::size_t max_datagrams =
      *rc::gen::weightedElement<std::size_t>({{3, 0}, {1, 1}, {1, 3}}).as("max_datagrams");
  const std::size_t max_fragments =
      *rc::gen::weightedElement<std::size_t>({{3, 0}, {1, 2}}).as("max_fragments_per_datagram");
  const std::vector<Sent> traffic = *gen_traffic(1, 12).as("traffic");
  ReassemblyConfig config = config_for(policy);
  config.high_threshold = limits.high;
  config.low_threshold = limits.low;
  config.max_datagrams = max_datagrams;
  config.max_fragments_per_datagram = max_fragments;
  Driver ref("ref", config);
  for (std::size_t i = 0; i < traffic.size(); ++i) {
    const auto events = ref.push(build(traffic[i].fragment, traffic[i].id), kT0);
    const ReassemblyStats& s = ref.stats();
    if (s.charge > limits.high || s.peak_charge > limits.high) {
      RC_FAIL("push #" + std::to_string(i) + " [" + describe(events) + "]: charge " +
              std::to_string(s.charge) + ", peak " + std::to_string(s.peak_charge) +
              " above high " + std::to_string(limits.high));
    }
    // Every datagram in progress holds its 256 and at least one fragment.
    RC_ASSERT(s.charge >= s.datagrams_in_progress * (ReassemblyConfig::kDatagramCharge +
                                                     ReassemblyConfig::kFragmentCharge + 1));
    if (max_datagrams != 0) {
      RC_ASSERT(s.datagrams_in_progress <= max_datagrams);
    }
  }
  ref.expire(kT0 + config.timeout);
  RC_ASSERT(ref.stats().charge == 0u);
  RC_ASSERT(ref.stats().datagrams_in_progress == 0u);
}

// Admission and eviction, modelled from DESIGN.md's text for traffic whose
// fragments never overlap and never repeat (so every fragment the limits let
// in is stored, under every policy): needed = payload + 64 (+ 256 for a new
// datagram); above `high`, discard the other datagrams oldest first until
// charge + needed <= low, unless even discarding all of them could not get
// there, in which case drop the fragment and discard nothing. The cap on
// datagrams in progress is checked first, for new datagrams only.
class AdmissionModel {
 public:
  AdmissionModel(const ReassemblyConfig& config, const std::vector<Sent>& traffic)
      : config_(config), traffic_(traffic) {}

  std::vector<RecordedEvent> push(std::size_t index) {
    std::vector<RecordedEvent> out;
    const Sent& s = traffic_[index];
    auto it = std::find_if(live_.begin(), live_.end(), [&](const Live& l) { return l.id == s.id; });
    const bool fresh = it == live_.end();
    const std::size_t needed = s.fragment.length + ReassemblyConfig::kFragmentCharge +
                               (fresh ? ReassemblyConfig::kDatagramCharge : 0);
    if (fresh && config_.max_datagrams != 0 && live_.size() >= config_.max_datagrams) {
      out.push_back(dropped(Reason::kTooManyDatagrams));
      return out;
    }
    if (charge_ + needed > config_.high_threshold) {
      const std::size_t floor = (fresh ? 0 : it->charge) + needed;
      if (floor > config_.low_threshold) {
        out.push_back(dropped(Reason::kMemoryLimit));
        return out;
      }
      const std::uint16_t keep = s.id;
      for (auto v = live_.begin(); v != live_.end() && charge_ + needed > config_.low_threshold;) {
        if (v->id == keep) {
          ++v;
          continue;
        }
        out.push_back(evicted(*v));
        charge_ -= v->charge;
        v = live_.erase(v);
      }
      it = std::find_if(live_.begin(), live_.end(), [&](const Live& l) { return l.id == s.id; });
    }
    if (fresh) {
      live_.push_back(Live{s.id, ReassemblyConfig::kDatagramCharge, {}});
      it = std::prev(live_.end());
      charge_ += ReassemblyConfig::kDatagramCharge;
    }
    it->charge += s.fragment.length + ReassemblyConfig::kFragmentCharge;
    charge_ += s.fragment.length + ReassemblyConfig::kFragmentCharge;
    it->pieces.push_back(s.fragment);
    if (complete(*it)) {
      out.push_back(delivered(*it));
      charge_ -= it->charge;
      live_.erase(it);
    }
    return out;
  }

  std::size_t charge() const { return charge_; }

 private:
  struct Live {
    std::uint16_t id = 0;
    std::size_t charge = 0;
    std::vector<FragSpec> pieces;  // arrival order
  };

  static RecordedEvent dropped(Reason r) {
    RecordedEvent e;
    e.kind = RecordedEvent::Kind::kDropped;
    e.reason = r;
    return e;
  }

  static const FragSpec* offset0(const Live& l) {
    for (const FragSpec& f : l.pieces) {
      if (f.offset == 0) {
        return &f;
      }
    }
    return nullptr;
  }

  static RecordedEvent evicted(const Live& l) {
    RecordedEvent e;
    e.kind = RecordedEvent::Kind::kDiscarded;
    e.key = key_of(l.id);
    e.reason = Reason::kEvicted;
    if (const FragSpec* f = offset0(l)) {
      e.first_fragment_seen = true;
      e.bytes = build(*f, l.id);
      e.bytes.resize(kIpv4MinHeader + std::min<std::size_t>(8, f->length));
    }
    return e;
  }

  // Complete: the pieces (a tiling, never overlapping) reach from 0 to the
  // end of the last one without a gap.
  static bool complete(const Live& l) {
    std::vector<FragSpec> p = l.pieces;
    std::sort(p.begin(), p.end(),
              [](const FragSpec& a, const FragSpec& b) { return a.offset < b.offset; });
    std::size_t at = 0;
    for (const FragSpec& f : p) {
      if (f.offset != at) {
        return false;
      }
      at = f.end();
    }
    return !p.empty() && !p.back().more;
  }

  static RecordedEvent delivered(const Live& l) {
    std::vector<FragSpec> p = l.pieces;
    std::sort(p.begin(), p.end(),
              [](const FragSpec& a, const FragSpec& b) { return a.offset < b.offset; });
    std::vector<std::uint8_t> data;
    for (const FragSpec& f : p) {
      data.insert(data.end(), f.length, static_cast<std::uint8_t>(f.fill));
    }
    RecordedEvent e;
    e.kind = RecordedEvent::Kind::kDelivered;
    e.key = key_of(l.id);
    e.bytes = reassembled(build(p.front(), l.id), data, false);
    e.fragment_count = static_cast<std::uint32_t>(p.size());
    return e;
  }

  ReassemblyConfig config_;
  std::vector<Sent> traffic_;
  std::list<Live> live_;  // creation order: the front is the oldest
  std::size_t charge_ = 0;
};

RC_GTEST_PROP(Limits, EvictionDiscardsOldestFirstDownToLowAndNeverTheDatagramAddedTo, ()) {
  const Policy policy = *gen_policy().as("policy");
  // Half the time limits a few datagrams fill, with low not far below high,
  // so that evicting is the usual answer rather than dropping.
  const Limits limits =
      *rc::gen::weightedOneOf<Limits>(
           {
               {1, gen_limits()},
               {1, rc::gen::exec([] {
                  const std::size_t high = *rc::gen::inRange<std::size_t>(400, 4000);
                  return Limits{high, high - *rc::gen::inRange<std::size_t>(0, high / 2)};
                })},
           })
           .as("limits");
  const std::size_t max_datagrams =
      *rc::gen::weightedElement<std::size_t>({{4, 0}, {1, 1}, {1, 3}}).as("max_datagrams");
  const std::vector<Sent> traffic = *gen_traffic(1, 12).as("traffic");
  ReassemblyConfig config = config_for(policy);
  config.high_threshold = limits.high;
  config.low_threshold = limits.low;
  config.max_datagrams = max_datagrams;
  Driver ref("ref", config);
  AdmissionModel model(config, traffic);
  for (std::size_t i = 0; i < traffic.size(); ++i) {
    const auto got = ref.push(build(traffic[i].fragment, traffic[i].id), kT0);
    const auto want = model.push(i);
    if (got != want) {
      RC_FAIL("push #" + std::to_string(i) + " (id " + std::to_string(traffic[i].id) + " " +
              (std::ostringstream{} << traffic[i].fragment).str() + "): got [" + describe(got) +
              "], model says [" + describe(want) + "]");
    }
    RC_ASSERT(ref.stats().charge == model.charge());
  }
  RC_CLASSIFY(ref.stats().count(Reason::kEvicted) > 0, "evictions");
  RC_CLASSIFY(ref.stats().count(Reason::kMemoryLimit) > 0, "memory-limit drops");
  RC_CLASSIFY(ref.stats().reasm_oks > 0, "deliveries");
}

// What a complete datagram of these pieces charges while it is being built,
// at its largest (just before the last piece completes it).
std::size_t full_charge(const std::vector<FragSpec>& pieces) {
  std::size_t c = ReassemblyConfig::kDatagramCharge;
  for (const FragSpec& f : pieces) {
    c += f.length + ReassemblyConfig::kFragmentCharge;
  }
  return c;
}

RC_GTEST_PROP(Limits, FloodOfIncompleteDatagramsNeverStopsACompleteBurstAfterIt, ()) {
  const Policy policy = *gen_policy().as("policy");
  const std::vector<FragSpec> burst = *gen_tiling(48, 1).as("burst (id 1000)");
  const std::vector<Sent> flood = *gen_traffic(1, 40).as("flood");
  // Limits under which the burst fits: low >= what it charges at most.
  const std::size_t need = full_charge(burst);
  const std::size_t low =
      need + *rc::gen::weightedOneOf<std::size_t>(
                  {{2, rc::gen::just(std::size_t{0})}, {3, rc::gen::inRange<std::size_t>(0, 4000)}})
                  .as("low - need");
  const std::size_t high =
      low + *rc::gen::weightedOneOf<std::size_t>(
                 {{2, rc::gen::just(std::size_t{0})}, {3, rc::gen::inRange<std::size_t>(0, 4000)}})
                 .as("high - low");
  ReassemblyConfig config = config_for(policy);
  config.high_threshold = high;
  config.low_threshold = low;
  Driver ref("ref", config);
  Instant now = kT0;
  for (const Sent& s : flood) {
    now = now + Duration::milliseconds(1);
    ref.push(build(s.fragment, s.id), now);
    RC_ASSERT(ref.stats().charge <= high);
  }
  now = now + Duration::milliseconds(1);
  std::vector<RecordedEvent> delivered;
  for (std::size_t i = 0; i < burst.size(); ++i) {
    const auto events = ref.push(build(burst[i], 1000), now);
    for (const RecordedEvent& e : events) {
      if (e.kind == RecordedEvent::Kind::kDropped) {
        RC_FAIL("burst piece #" + std::to_string(i) + " dropped: " + describe(events));
      }
      if (e.kind == RecordedEvent::Kind::kDiscarded && e.key == key_of(1000)) {
        RC_FAIL("burst datagram discarded at piece #" + std::to_string(i) + ": " +
                describe(events));
      }
      if (e.kind == RecordedEvent::Kind::kDelivered) {
        delivered.push_back(e);
      }
    }
    RC_ASSERT(ref.stats().charge <= high);
  }
  RC_ASSERT(delivered.size() == 1u);
  RC_ASSERT(delivered[0].key == key_of(1000));
  std::vector<std::uint8_t> data;
  for (const FragSpec& f : burst) {
    data.insert(data.end(), f.length, static_cast<std::uint8_t>(f.fill));
  }
  const Packet want = reassembled(build(burst[0], 1000), data, false);
  if (delivered[0].bytes != want) {
    RC_FAIL("burst delivered wrong octets: " + byte_difference(delivered[0].bytes, want));
  }
}

}  // namespace
}  // namespace ip4ref::props
