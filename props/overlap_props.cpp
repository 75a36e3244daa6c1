// overlap_props.cpp: what each overlap policy makes of overlapping,
// duplicated and malformed fragment trains (DESIGN.md "Overlap policies").
//
// The engine is compared, push by push, events and counters, with the octet
// models in models.h; and, independently of any model, no policy may deliver
// an octet no fragment carried or a datagram with a hole, and linux / reject
// deliver only datagrams whose fragments never overlapped.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "generators.h"
#include "ip4ref/ipv4_header.h"
#include "models.h"
#include "packets.h"

namespace ip4ref::props {
namespace {

const Instant kT0 = Instant::from_ns(1'000'000'000);
constexpr std::uint16_t kId = 7;

std::string where(Policy p, std::size_t step, const FragSpec& f) {
  return "policy " + std::string(to_string(p)) + ", push #" + std::to_string(step) + " (" +
         (std::ostringstream{} << f).str() + ")";
}

// Pushes `train` into the ref engine and into the model; every push must give
// the same events and leave the same counters.
void check_against_model(Policy policy, const std::vector<FragSpec>& train) {
  Driver ref("ref", config_for(policy));
  model::Store model(policy, kId);
  for (std::size_t step = 0; step < train.size(); ++step) {
    const auto got = ref.push(build(train[step], kId), kT0);
    const auto want = model.push(train[step]);
    if (got != want) {
      std::string detail;
      if (got.size() == want.size() && !got.empty() && got.back().bytes != want.back().bytes) {
        detail =
            " (last event's octets: " + byte_difference(got.back().bytes, want.back().bytes) + ")";
      }
      RC_FAIL(where(policy, step, train[step]) + ": got [" + describe(got) + "], model says [" +
              describe(want) + "]" + detail);
    }
    if (ref.stats() != model.stats()) {
      RC_FAIL(where(policy, step, train[step]) + ": counters differ\n--- engine\n" +
              to_string(ref.stats()) + "--- model\n" + to_string(model.stats()));
    }
  }
}

RC_GTEST_PROP(Overlap, FirstAndLastEqualTheOctetModel, ()) {
  const auto train = *gen_overlap_train().as("train");
  check_against_model(Policy::kFirst, train);
  check_against_model(Policy::kLast, train);
}

RC_GTEST_PROP(Overlap, BsdLinuxLegacyWindowsSolarisEqualTheirModels, ()) {
  const auto train = *gen_overlap_train().as("train");
  for (Policy p : {Policy::kBsd, Policy::kLinuxLegacy, Policy::kWindows, Policy::kSolaris}) {
    check_against_model(p, train);
  }
}

// The length a fragment keeps after the geometry step (linux rounds an MF
// fragment's end down to a multiple of 8).
std::size_t kept_length(Policy p, const FragSpec& f) {
  return p == Policy::kLinux && f.more ? f.length / 8 * 8 : f.length;
}

bool intersects(const FragSpec& a, const FragSpec& b) {
  return a.offset < b.end() && b.offset < a.end();
}

// DESIGN.md's rows for linux and reject, checked straight on the events,
// without the model: a datagram is delivered only when its accepted fragments
// never overlapped one another; a Discarded{overlap} always names a fragment
// that touched data already accepted (and, for reject, was not its exact
// duplicate; for linux, was not inside one fragment already accepted); a
// train in which no two fragments intersect is never discarded for overlap.
void check_forbidden_overlap_rule(Policy policy, const std::vector<FragSpec>& train) {
  Driver ref("ref", config_for(policy));
  std::vector<FragSpec> accepted;  // fragments of the datagram in progress
  bool any_intersection = false;
  for (std::size_t i = 0; i < train.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      any_intersection = any_intersection || (train[i].length > 0 && train[j].length > 0 &&
                                              intersects(train[i], train[j]));
    }
  }
  for (std::size_t step = 0; step < train.size(); ++step) {
    FragSpec f = train[step];
    f.length = kept_length(policy, f);
    const auto events = ref.push(build(train[step], kId), kT0);
    const std::string at = where(policy, step, train[step]) + ": " + describe(events);
    if (train[step].offset == 0 && !train[step].more) {
      continue;  // not a fragment: passes through
    }
    auto touches_accepted = [&] {
      return std::any_of(accepted.begin(), accepted.end(),
                         [&](const FragSpec& a) { return intersects(a, f); });
    };
    if (events.empty()) {
      accepted.push_back(f);
      continue;
    }
    const RecordedEvent& last = events.back();
    if (last.kind == RecordedEvent::Kind::kDiscarded) {
      if (last.reason == Reason::kOverlap) {
        if (!touches_accepted()) {
          RC_FAIL(at + ": discarded for an overlap that touched no accepted data");
        }
        for (const FragSpec& a : accepted) {
          const bool exact = a.offset == f.offset && a.length == f.length && a.fill == f.fill;
          const bool inside = a.offset <= f.offset && f.end() <= a.end();
          if ((policy == Policy::kReject && exact) || (policy == Policy::kLinux && inside)) {
            RC_FAIL(at + ": discarded a duplicate of accepted " +
                    (std::ostringstream{} << a).str());
          }
        }
      }
      accepted.clear();
      continue;
    }
    if (last.kind == RecordedEvent::Kind::kDelivered) {
      if (events.size() == 1) {  // the fragment was accepted and completed it
        accepted.push_back(f);
      }
      for (std::size_t a = 0; a < accepted.size(); ++a) {
        for (std::size_t b = 0; b < a; ++b) {
          if (intersects(accepted[a], accepted[b])) {
            RC_FAIL(at + ": delivered although accepted fragments overlapped: " +
                    describe(std::vector<FragSpec>{accepted[b], accepted[a]}));
          }
        }
      }
      accepted.clear();
    }
    // Dropped: duplicate, unaligned or empty: the datagram is unchanged.
  }
  if (!any_intersection) {
    RC_ASSERT(ref.stats().count(Reason::kOverlap) == 0u);
  }
}

RC_GTEST_PROP(Overlap, LinuxAndRejectDeliverExactlyWhenNoForbiddenOverlapOccurred, ()) {
  const auto train = *gen_overlap_train().as("train");
  for (Policy p : {Policy::kLinux, Policy::kReject}) {
    check_forbidden_overlap_rule(p, train);
    check_against_model(p, train);
  }
}

// Every delivered reassembly: each data octet is the fill of a fragment of
// this datagram (pushed since the key's last Delivered or Discarded) that
// covered that octet; the length is the end of one of its last fragments; the
// header is a valid one with MF and offset clear and the TTL of one of its
// offset-0 fragments.
RC_GTEST_PROP(Overlap, NoPolicyDeliversAnOctetNoFragmentCarriedOrADatagramWithAHole, ()) {
  const auto train = *gen_overlap_train().as("train");
  for (Policy policy : kAllPolicies) {
    Driver ref("ref", config_for(policy));
    std::size_t since = 0;  // first push of the datagram in progress
    for (std::size_t step = 0; step < train.size(); ++step) {
      const auto events = ref.push(build(train[step], kId), kT0);
      const bool passthrough = train[step].offset == 0 && !train[step].more;
      for (const RecordedEvent& e : events) {
        if (e.kind == RecordedEvent::Kind::kDelivered && !passthrough) {
          const std::string at = where(policy, step, train[step]);
          const auto v = Ipv4View::parse(e.bytes);
          RC_ASSERT(v.has_value());
          RC_ASSERT(v->checksum_ok());
          RC_ASSERT(!v->more_fragments());
          RC_ASSERT(v->fragment_offset() == 0u);
          RC_ASSERT(v->bytes().size() == e.bytes.size());
          const Bytes data = v->payload();
          bool end_ok = false;
          bool ttl_ok = false;
          for (std::size_t k = since; k <= step; ++k) {
            const FragSpec& f = train[k];
            end_ok = end_ok || (!f.more && f.end() == data.size());
            ttl_ok = ttl_ok || (f.offset == 0 && v->ttl() == static_cast<std::uint8_t>(f.fill));
          }
          if (!end_ok || !ttl_ok) {
            RC_FAIL(at + ": delivered " + std::to_string(data.size()) + " octets with TTL " +
                    std::to_string(v->ttl()) +
                    " that no last / offset-0 fragment of this datagram gives");
          }
          for (std::size_t octet = 0; octet < data.size(); ++octet) {
            bool carried = false;
            for (std::size_t k = since; k <= step && !carried; ++k) {
              const FragSpec& f = train[k];
              const std::size_t end = f.offset + kept_length(policy, f);
              carried = f.offset <= octet && octet < end &&
                        data[octet] == static_cast<std::uint8_t>(f.fill);
            }
            if (!carried) {
              RC_FAIL(at + ": octet " + std::to_string(octet) + " = 0x" +
                      (std::ostringstream{} << std::hex << unsigned{data[octet]}).str() +
                      ", which no fragment of this datagram carried there (a hole?)");
            }
          }
        }
        if (e.kind != RecordedEvent::Kind::kDropped && !passthrough) {
          since = step + 1;
        }
      }
    }
  }
}

// The models themselves reproduce the result table of Novak, "Target-Based
// Fragmentation Reassembly" (2005), on the paper's standard pattern: the
// models are right before they judge the engine.
struct Piece {
  char c;
  std::size_t offset;
  std::size_t length;
};
const Piece kNovak[] = {
    {'A', 0, 24},   {'B', 32, 16},  {'C', 48, 24}, {'D', 80, 8},  {'E', 104, 16}, {'F', 120, 24},
    {'G', 144, 16}, {'H', 160, 16}, {'I', 176, 8}, {'J', 8, 32},  {'K', 48, 24},  {'L', 72, 24},
    {'M', 96, 24},  {'N', 128, 8},  {'O', 152, 8}, {'P', 160, 8}, {'Q', 176, 16},
};

TEST(Models, ReproduceNovaksResultTable) {
  const std::pair<Policy, const char*> table[] = {
      {Policy::kBsd, "AAAJJBCCCLLLMMMFFFGGHHIQ"},
      {Policy::kLinuxLegacy, "AAAJJBKKKLLLMMMFFFGGPHQQ"},
      {Policy::kWindows, "AAAJBBCCCLLLMEEFFFGGHHIQ"},
      {Policy::kSolaris, "AAAJBBCCCLLLMMMFFFGGHHIQ"},
      {Policy::kFirst, "AAAJBBCCCLDLMEEFFFGGHHIQ"},
      {Policy::kLast, "AJJJJBKKKLLLMMMFNFGOPHQQ"},
  };
  for (const auto& [policy, blocks] : table) {
    model::Store m(policy, kId);
    std::vector<RecordedEvent> last;
    for (const Piece& p : kNovak) {
      last = m.push(FragSpec{p.offset, p.length, p.c != 'Q', p.c});
    }
    ASSERT_EQ(last.size(), 1u) << to_string(policy);
    ASSERT_EQ(last[0].kind, RecordedEvent::Kind::kDelivered) << to_string(policy);
    std::string want;
    for (const char* b = blocks; *b != 0; ++b) {
      want += std::string(8, *b);
    }
    const std::string got(last[0].bytes.begin() + 20, last[0].bytes.end());
    EXPECT_EQ(got, want) << to_string(policy);
  }
}

}  // namespace
}  // namespace ip4ref::props
