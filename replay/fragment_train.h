// fragment_train.h: `ip4ref fragment` without the command line: turns one
// IPv4 datagram into a train of fragments for testing other stacks: RFC 791
// fragmentation (ip4ref::fragment), then optionally a tiny first fragment,
// an overlapping decoy, duplicates, and an order.
//
// Overlap kinds (replay/README.md has the pictures). Genuine fragments carry
// the datagram's own octets; a decoy carries the same octets complemented
// (~b), so any policy that lets a decoy octet win changes the datagram.
// T is the genuine fragment the decoy aims at, [b, e) its data range in
// octets; in an in-order train the decoy follows every genuine fragment it
// overlaps (so under `first` the genuine octets win, under `last` the decoy).
//   contained     [b+8, e-8)          strictly inside T (first T of >= 24 octets)
//   same-start    [b, e-8)            starts with T, ends inside (T >= 16 octets)
//   same-end      [b+8, e)            starts inside T, ends with it (T >= 16)
//   exact         [b, e)              same offset and length, other octets
//   partial-head  [b-8, b+h)          T = 2nd fragment, h = half of T rounded
//                                     up to 8: over T's head and the last
//                                     block of the fragment before it
//   partial-tail  [e-h, e+8)          T = 1st fragment: over T's tail and the
//                                     first block of the fragment after it
//   novak         the first 192 data octets are sent as Novak's 17-piece
//                 pattern (Novak 2005; lib/test/reassembly_store_test.cpp),
//                 piece k filled with the letter 'A'+k as in the paper, so the
//                 reassembled letters name the target's policy; the rest of
//                 the datagram follows as genuine fragments.
// A datagram the kind cannot apply to (too few or too short fragments) is
// fragmented without a decoy and counted.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "ip4ref/bytes.h"
#include "ip4ref/reason.h"

namespace ip4ref::replay {

enum class TrainOrder { kInOrder, kReverse, kRandom };
enum class OverlapKind {
  kNone,
  kContained,
  kSameStart,
  kSameEnd,
  kExact,
  kPartialHead,
  kPartialTail,
  kNovak
};

std::optional<TrainOrder> train_order_from_string(const std::string& s);
std::optional<OverlapKind> overlap_kind_from_string(const std::string& s);
const char* overlap_kind_names();  // "contained, same-start, ..."

struct TrainOptions {
  std::size_t mtu = 1500;
  TrainOrder order = TrainOrder::kInOrder;
  std::uint64_t seed = 1;
  double duplicate = 0.0;  // probability that a fragment is sent twice, in [0, 1]
  OverlapKind overlap = OverlapKind::kNone;
  bool tiny = false;       // first fragment carries 8 data octets (RFC 1858 "tiny fragment")
  bool ignore_df = false;  // clear DF instead of leaving a DF datagram unfragmented
};

enum class TrainOutcome {
  kFragmented,    // `packets` is the train
  kUnchanged,     // fits the MTU (and no tiny / overlap asked): `packets` = the input
  kDontFragment,  // DF set and too big: `packets` = the input
  kMalformed,     // not a parseable IPv4 packet: `packets` = the input
  kError,         // the fragmenter refused it (`error`): `packets` = the input
};

struct Train {
  TrainOutcome outcome = TrainOutcome::kUnchanged;
  Reason error = Reason::kCount;
  bool overlap_applied = false;  // a decoy / the Novak pattern is in the train
  std::size_t decoys = 0;
  std::size_t duplicates = 0;
  std::vector<std::vector<std::uint8_t>> packets;
};

class TrainMaker {
 public:
  explicit TrainMaker(const TrainOptions& o) : options_(o), rng_(o.seed) {}
  Train make(Bytes packet);

 private:
  double uniform();  // [0, 1), the same on every platform for one seed
  void add_duplicates(Train& t);
  void apply_order(Train& t);

  TrainOptions options_;
  std::mt19937_64 rng_;
};

}  // namespace ip4ref::replay
