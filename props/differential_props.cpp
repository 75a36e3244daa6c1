// differential_props.cpp: reference == optimized (DESIGN.md "The optimized
// variant": same events, same order, same stats, for every input).
//
// A stateful RapidCheck test (rc::state): a generated configuration, then a
// generated sequence of commands -- push a fragment, push a whole train,
// push a fragmented datagram, push a raw packet, advance the clock, expire --
// run on two engines side by side; after every
// command the event streams (EventLog::events()), stats() and next_expiry()
// must be equal. A failure shrinks to the shortest command sequence.
//
// "ref" vs "fast" is skipped while make_engine("fast", {}) returns nullptr
// (the optimized engine is being written). "ref" vs "ref" runs always: it
// checks the harness itself and that the reference is deterministic.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <rapidcheck/state.h>

#include <memory>
#include <string>
#include <utility>
#include <string_view>
#include <vector>

#include "generators.h"
#include "ip4ref/checksum.h"
#include "ip4ref/fragmenter.h"
#include "packets.h"

namespace ip4ref::props {
namespace {

const Instant kT0 = Instant::from_ns(1'000'000'000);

struct Model {
  Instant now = kT0;
};

struct Engines {
  Engines(std::string_view b, const ReassemblyConfig& config)
      : ref("ref", config), other(b, config) {}
  Engines(Driver a, Driver b) : ref(std::move(a)), other(std::move(b)) {}
  Driver ref;
  Driver other;
};

using Command = rc::state::Command<Model, Engines>;

void compare(const std::string& what, const std::vector<RecordedEvent>& ref,
             const std::vector<RecordedEvent>& other, const Engines& e) {
  if (ref != other) {
    RC_FAIL(what + ": events differ\n  ref:   [" + describe(ref) + "]\n  other: [" +
            describe(other) + "]");
  }
  if (e.ref.stats() != e.other.stats()) {
    RC_FAIL(what + ": stats differ\n--- ref\n" + to_string(e.ref.stats()) + "--- other\n" +
            to_string(e.other.stats()));
  }
  if (e.ref.next_expiry() != e.other.next_expiry()) {
    auto show = [](std::optional<Instant> t) {
      return t ? std::to_string(t->ns()) + "ns" : "none";
    };
    RC_FAIL(what + ": next_expiry differs: ref " + show(e.ref.next_expiry()) + ", other " +
            show(e.other.next_expiry()));
  }
}

// Push one fragment of one of three flows: an offset in the first 9 blocks,
// mostly whole blocks (unaligned and empty too), mostly MF, and now and then
// options on it.
struct PushFragment : Command {
  std::uint16_t id = *rc::gen::weightedElement<std::uint16_t>({{3, 1}, {2, 2}, {1, 3}});
  FragSpec f = *rc::gen::build<FragSpec>(
      rc::gen::set(&FragSpec::offset, rc::gen::map(rc::gen::inRange<std::size_t>(0, 9),
                                                   [](std::size_t b) { return 8 * b; })),
      rc::gen::set(&FragSpec::length, rc::gen::weightedOneOf<std::size_t>(
                                          {{6, rc::gen::map(rc::gen::inRange<std::size_t>(1, 5),
                                                            [](std::size_t b) { return 8 * b; })},
                                           {1, rc::gen::inRange<std::size_t>(0, 40)}})),
      rc::gen::set(&FragSpec::more, rc::gen::weightedElement<bool>({{3, true}, {1, false}})),
      rc::gen::set(&FragSpec::fill, gen_fill()));
  std::vector<Ipv4Option> options = *rc::gen::weightedOneOf<std::vector<Ipv4Option>>(
      {{6, rc::gen::just(std::vector<Ipv4Option>{})}, {1, gen_options()}});

  void run(const Model& m, Engines& e) const override {
    const Packet p = build(f, id, options);
    const auto a = e.ref.push(p, m.now);
    const auto b = e.other.push(p, m.now);
    compare("push", a, b, e);
  }
  void show(std::ostream& os) const override {
    os << "push id " << id << " " << f;
    if (!options.empty()) {
      os << " options " << describe(options);
    }
  }
};

// Push a whole datagram's pieces, in a generated order, at one instant (the
// common case: the fast path). Compared after every piece.
struct PushTrain : Command {
  std::uint16_t id = *rc::gen::inRange<std::uint16_t>(1, 4);
  std::vector<FragSpec> train = *rc::gen::exec([] {
    const std::vector<FragSpec> tiles = *gen_tiling(24);
    std::vector<FragSpec> out;
    for (std::size_t i : *gen_permutation(tiles.size())) {
      out.push_back(tiles[i]);
    }
    return out;
  });

  void run(const Model& m, Engines& e) const override {
    for (std::size_t i = 0; i < train.size(); ++i) {
      const Packet p = build(train[i], id);
      const auto a = e.ref.push(p, m.now);
      const auto b = e.other.push(p, m.now);
      compare("train piece #" + std::to_string(i), a, b, e);
    }
  }
  void show(std::ostream& os) const override {
    os << "push train id " << id << ": " << describe(train);
  }
};

// Fragment a real datagram (any size up to 65535 octets, options, any MTU)
// with the reference fragmenter and push the pieces, partly, in a generated
// order, under one of 64 identifications (many flows at once: table growth,
// big buffers, evictions of large datagrams).
struct PushDatagram : Command {
  std::size_t mtu = *gen_mtu();
  DatagramSpec datagram = *rc::gen::exec([this] {
    DatagramSpec d = *gen_datagram(mtu);
    d.id = *rc::gen::inRange<std::uint16_t>(1, 65);
    return d;
  });
  Order order = *gen_order();
  std::size_t drop_every = *rc::gen::weightedElement<std::size_t>({{3, 0}, {1, 2}, {1, 5}});

  void run(const Model& m, Engines& e) const override {
    const FragmentResult r = fragment(datagram.bytes(), mtu);
    RC_ASSERT(r.ok());
    const std::vector<std::size_t> arrival = order.indices(r.fragments.size());
    for (std::size_t i = 0; i < arrival.size(); ++i) {
      if (drop_every != 0 && i % drop_every == drop_every - 1) {
        continue;  // lost on the way: leaves the datagram incomplete
      }
      const Packet& p = r.fragments[arrival[i]];
      const auto a = e.ref.push(p, m.now);
      const auto b = e.other.push(p, m.now);
      compare("datagram piece #" + std::to_string(i), a, b, e);
    }
  }
  void show(std::ostream& os) const override {
    os << "push " << datagram << " at mtu " << mtu << " in order " << order;
    if (drop_every != 0) {
      os << ", every " << drop_every << "th piece lost";
    }
  }
};

// Push raw octets: random ones, or a valid fragment with one octet changed
// (checksum fixed or not), cut short, or followed by link padding.
struct PushRaw : Command {
  Packet bytes = *rc::gen::exec([] {
    const FragSpec f{8 * *rc::gen::inRange<std::size_t>(0, 4),
                     *rc::gen::inRange<std::size_t>(0, 24), *rc::gen::arbitrary<bool>(),
                     *gen_fill()};
    Packet p = build(f, *rc::gen::inRange<std::uint16_t>(1, 4));
    switch (*rc::gen::inRange(0, 4)) {
      case 0:
        return *rc::gen::container<Packet>(rc::gen::arbitrary<std::uint8_t>());
      case 1: {
        const std::size_t at = *rc::gen::inRange<std::size_t>(0, p.size());
        p[at] = *rc::gen::arbitrary<std::uint8_t>();
        if (*rc::gen::arbitrary<bool>() && p.size() >= 20) {  // make the checksum right again
          p[10] = 0;
          p[11] = 0;
          const std::size_t hl = std::min<std::size_t>(p.size(), std::size_t{p[0] & 0x0fu} * 4);
          const std::uint16_t sum = oracle_checksum(Bytes(p).first(hl));
          p[10] = static_cast<std::uint8_t>(sum >> 8);
          p[11] = static_cast<std::uint8_t>(sum & 0xff);
        }
        return p;
      }
      case 2:
        p.resize(*rc::gen::inRange<std::size_t>(0, p.size()));
        return p;
      default:
        p.resize(p.size() + *rc::gen::inRange<std::size_t>(1, 32), 0);
        return p;
    }
  });

  void run(const Model& m, Engines& e) const override {
    const auto a = e.ref.push(bytes, m.now);
    const auto b = e.other.push(bytes, m.now);
    compare("push raw", a, b, e);
  }
  void show(std::ostream& os) const override {
    os << "push raw " << bytes.size() << " octets:";
    for (std::uint8_t b : bytes) {
      os << ' ' << std::hex << unsigned{b} << std::dec;
    }
  }
};

struct AdvanceClock : Command {
  Duration d = *rc::gen::weightedOneOf<Duration>({
      {2, rc::gen::map(rc::gen::inRange<std::int64_t>(0, 200), Duration::nanoseconds)},
      {1, rc::gen::just(Duration::seconds(30))},
      {1, rc::gen::map(rc::gen::inRange<std::int64_t>(0, 60), Duration::seconds)},
  });
  void apply(Model& m) const override { m.now = m.now + d; }
  void show(std::ostream& os) const override { os << "advance " << d.ns() << "ns"; }
};

struct Expire : Command {
  void run(const Model& m, Engines& e) const override {
    const auto a = e.ref.expire(m.now);
    const auto b = e.other.expire(m.now);
    compare("expire", a, b, e);
  }
  void show(std::ostream& os) const override { os << "expire"; }
};

// Configurations: every policy; a 30 s timeout or one of a few hundred
// nanoseconds (so that advancing the clock crosses deadlines); the default
// limits or small ones (evictions); now and then caps and strip_options.
rc::Gen<ReassemblyConfig> gen_config() {
  return rc::gen::exec([] {
    ReassemblyConfig c;
    c.policy = *gen_policy();
    c.timeout = *rc::gen::weightedOneOf<Duration>({
        {1, rc::gen::map(rc::gen::inRange<std::int64_t>(1, 300), Duration::nanoseconds)},
        {2, rc::gen::just(Duration::seconds(30))},
    });
    if (*rc::gen::arbitrary<bool>()) {
      const Limits l = *gen_limits();
      c.high_threshold = l.high;
      c.low_threshold = l.low;
    }
    c.max_datagrams = *rc::gen::weightedElement<std::size_t>({{6, 0}, {1, 1}, {1, 2}});
    c.max_fragments_per_datagram = *rc::gen::weightedElement<std::size_t>({{6, 0}, {1, 1}, {1, 3}});
    c.strip_options = *rc::gen::arbitrary<bool>();
    return c;
  });
}

void engines_agree(std::string_view other) {
  const ReassemblyConfig config = *gen_config();
  RC_LOG() << "config: policy " << to_string(config.policy) << " timeout " << config.timeout.ns()
           << "ns high " << config.high_threshold << " low " << config.low_threshold
           << " max_datagrams " << config.max_datagrams << " max_fragments "
           << config.max_fragments_per_datagram << " strip_options " << config.strip_options
           << "\n";
  Engines engines(other, config);
  RC_ASSERT(engines.other.ok());
  rc::state::check(
      Model{}, engines,
      rc::state::gen::execOneOfWithArgs<PushFragment, PushFragment, PushFragment, PushFragment,
                                        PushTrain, PushDatagram, PushRaw, AdvanceClock, Expire>());
}

// ReassemblyEngine::reset(config): an engine that ran a generated command
// sequence under one configuration and was then reset to another behaves from
// then on exactly as a new engine made with the second: same events, stats,
// next_expiry() and config() after every command (the fuzz targets reuse
// engines this way, fuzz_support.h EnginePair). fast refuses a configuration
// whose policy needs the other buffer layout (windows / solaris keep an
// owner table): then reset() must return false and change nothing.
bool keeps_owner_table(Policy p) {
  return p == Policy::kWindows || p == Policy::kSolaris;
}

void reset_equals_new(std::string_view name) {
  const ReassemblyConfig before = *gen_config();
  const ReassemblyConfig after = *gen_config();
  RC_LOG() << "policy before " << to_string(before.policy) << ", after "
           << to_string(after.policy) << "\n";
  auto used = make_engine(name, before);
  RC_ASSERT(used != nullptr);
  {
    Engines first(Driver(make_engine(name, before)), Driver(std::move(used)));
    rc::state::check(
        Model{}, first,
        rc::state::gen::execOneOfWithArgs<PushFragment, PushFragment, PushTrain, PushDatagram,
                                          PushRaw, AdvanceClock, Expire>());
    used = first.other.take();
  }
  const ReassemblyConfig config_before = used->config();
  if (!used->reset(after)) {
    RC_ASSERT(name == "fast");
    RC_ASSERT(keeps_owner_table(before.policy) != keeps_owner_table(after.policy));
    RC_ASSERT(used->config() == config_before);
    return;
  }
  RC_ASSERT(name == "ref" || keeps_owner_table(before.policy) == keeps_owner_table(after.policy));
  Engines second(Driver(make_engine(name, after)), Driver(std::move(used)));
  RC_ASSERT(second.other.engine().config() == second.ref.engine().config());
  RC_ASSERT(second.other.stats() == second.ref.stats());
  RC_ASSERT(!second.other.next_expiry().has_value());
  rc::state::check(
      Model{}, second,
      rc::state::gen::execOneOfWithArgs<PushFragment, PushFragment, PushFragment, PushFragment,
                                        PushTrain, PushDatagram, PushRaw, AdvanceClock, Expire>());
}

RC_GTEST_PROP(Reset, ResetRefBehavesAsANewRef, ()) {
  reset_equals_new("ref");
}

RC_GTEST_PROP(Reset, ResetFastBehavesAsANewFast, ()) {
  reset_equals_new("fast");
}

TEST(Differential, RefEqualsFastAfterEveryCommand) {
  if (make_engine("fast", {}) == nullptr) {
    GTEST_SKIP() << "engine \"fast\" is not registered (make_engine(\"fast\", {}) == nullptr): "
                    "nothing to compare yet; this property runs once lib/src/fast registers it";
  }
  rc::detail::checkGTest([] { engines_agree("fast"); });
}

// The harness on two instances of the reference: must always hold.
RC_GTEST_PROP(Differential, RefEqualsRefHarnessSelfCheck, ()) {
  engines_agree("ref");
}

}  // namespace
}  // namespace ip4ref::props
