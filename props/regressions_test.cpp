// regressions_test.cpp: every counterexample a property or an oracle found in
// lib/, kept as a plain GoogleTest case with the shrunk input, so it is
// checked forever at no cost (see README.md "Regressions").
//
// Each case says where it came from, what the library did wrong, and the
// commit that fixed it; each runs on every engine in the registry that the
// build has ("ref", "fast"), since the engines must agree.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "generators.h"
#include "packets.h"

namespace ip4ref::props {
namespace {

const Instant kT0 = Instant::from_ns(1'000'000'000);

// One push of a regression train and the events it must give.
struct Step {
  FragSpec fragment;
  std::vector<RecordedEvent> want;
};

RecordedEvent dropped(Reason reason) {
  RecordedEvent e;
  e.kind = RecordedEvent::Kind::kDropped;
  e.reason = reason;
  return e;
}

// Discarded{key, reason, first_fragment_seen, offset-0 header + 8 data octets}.
RecordedEvent discarded(Reason reason, const Packet& offset0) {
  RecordedEvent e;
  e.kind = RecordedEvent::Kind::kDiscarded;
  e.key = key_of(1);
  e.reason = reason;
  e.first_fragment_seen = true;
  e.bytes.assign(offset0.begin(), offset0.begin() + kIpv4MinHeader + 8);
  return e;
}

// Delivered{key, the reassembled datagram, fragment count} under a policy
// other than linux (whose header rule differs: packets.h LinuxHeaderRule).
RecordedEvent delivered(const Packet& offset0, const std::vector<std::uint8_t>& data,
                        std::uint32_t fragments) {
  RecordedEvent e;
  e.kind = RecordedEvent::Kind::kDelivered;
  e.key = key_of(1);
  e.fragment_count = fragments;
  e.bytes = reassembled(offset0, data, false);
  return e;
}

// Runs `steps` through every engine the build has, push by push.
void expect_train(Policy policy, const std::vector<Step>& steps) {
  for (const char* engine : {"ref", "fast"}) {
    Driver d(engine, config_for(policy));
    if (!d.ok()) {
      continue;  // not built
    }
    for (std::size_t i = 0; i < steps.size(); ++i) {
      const std::vector<RecordedEvent> got = d.push(build(steps[i].fragment), kT0);
      EXPECT_EQ(got, steps[i].want) << engine << ", policy " << to_string(policy) << ", push #" << i
                                    << " (" << steps[i].fragment << "): got [" << describe(got)
                                    << "], want [" << describe(steps[i].want) << "]";
    }
  }
}

// Found by the linux-kernel oracle (ip4ref-oracle campaign, seed 1, session 1;
// corpus/findings/linux-kernel/ref-bug-oversize-fragment-queued.pcap and its
// README): a fragment whose end passes 65535 - header length, here
// `off 65528 len 8 MF`, was dropped alone (Dropped{oversize}) under policy
// linux and the rest of its datagram was then delivered. The kernel has no
// such per-fragment check in ip_frag_queue: the fragment is queued, makes the
// queue's end 65536, and the last fragment (end 16) is then "past the end"
// (`if (end < qp->q.len ...) goto discard_qp`), so the whole datagram is
// thrown away and nothing is delivered. Fixed in ccdd5fd (reassembly_store.h
// step 5: linux lets the fragment take part; step 10 refuses the size at
// completion).
TEST(Regression, LinuxOversizeFragmentPoisonsItsDatagramInsteadOfBeingDroppedAlone) {
  const FragSpec oversize{65528, 8, true, 'x'};
  const FragSpec first{0, 8, true, 'a'};
  const FragSpec last{8, 8, false, 'b'};
  expect_train(Policy::kLinux,
               {{oversize, {}}, {first, {}}, {last, {discarded(Reason::kPastEnd, build(first))}}});
}

// The other side of the same finding: every other policy keeps DESIGN.md's
// ping-of-death rule ("a fragment whose end passes 65535 - header length is
// dropped") and delivers the rest, so the fix must stay confined to linux.
TEST(Regression, OtherPoliciesStillDropTheOversizeFragmentAloneAndDeliverTheRest) {
  const FragSpec oversize{65528, 8, true, 'x'};
  const FragSpec first{0, 8, true, 'a'};
  const FragSpec last{8, 8, false, 'b'};
  std::vector<std::uint8_t> data(8, 'a');
  data.insert(data.end(), 8, 'b');
  for (const Policy policy : kAllPolicies) {
    if (policy == Policy::kLinux) {
      continue;
    }
    expect_train(policy, {{oversize, {dropped(Reason::kOversize)}},
                          {first, {}},
                          {last, {delivered(build(first), data, 2)}}});
  }
}

}  // namespace
}  // namespace ip4ref::props
