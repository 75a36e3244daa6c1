// trace_mutator.cpp: a structure-aware libFuzzer mutator for reassembly_diff.
//
// It decodes the input as a trace (decode_lenient), edits it as a trace, and
// encodes it again: split and merge fragments, reorder, duplicate and delete
// records, shift offsets, flip MF, change lengths, fills and header variants,
// advance the clock to just before / at / after the timeout or step it back,
// change the
// configuration (policy, small memory thresholds, caps), insert whole fragment
// trains. Raw packet records are mutated byte-wise by LLVMFuzzerMutate (then,
// usually, their header checksum is made right again so the mutation reaches
// past the checksum test). One input in 16 gets a plain LLVMFuzzerMutate of
// all its bytes, so nothing the byte-level mutator can reach is lost.
//
// LLVMFuzzerMutate is declared weak: engines without it (AFL++'s driver,
// OSS-Fuzz AFL builds) still link, and a small byte flipper stands in.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "fuzz_support.h"
#include "ip4ref/checksum.h"
#include "ip4ref/ipv4_header.h"
#include "trace.h"

extern "C" __attribute__((weak)) std::size_t LLVMFuzzerMutate(std::uint8_t* data, std::size_t size,
                                                              std::size_t max_size);

namespace ip4ref::trace {
namespace {

// The random source of one mutation: splitmix64 (trace.h, as the hash
// fill). Every call gets a fresh seed from libFuzzer, and std::mt19937 spent
// longer building its 624-word state from that seed than most mutations take.
class Rng {
 public:
  using result_type = std::uint64_t;
  explicit Rng(unsigned int seed) : state_(seed) {}
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return ~result_type{0}; }
  result_type operator()() { return splitmix64_mix(state_ += kSplitmixGamma); }

 private:
  std::uint64_t state_;
};

std::size_t pick(Rng& rng, std::size_t n) {  // uniform in [0, n), n > 0
  return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
}
bool one_in(Rng& rng, std::size_t n) {
  return pick(rng, n) == 0;
}

std::size_t byte_mutate(std::uint8_t* data, std::size_t size, std::size_t max_size, Rng& rng) {
  if (LLVMFuzzerMutate != nullptr) {
    return LLVMFuzzerMutate(data, size, max_size);
  }
  if (size == 0) {
    return 0;
  }
  data[pick(rng, size)] ^= static_cast<std::uint8_t>(1u << pick(rng, 8));
  return size;
}

// Indices of the records holding a T.
template <typename T>
std::vector<std::size_t> indices_of(const Trace& t) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < t.records.size(); ++i) {
    if (std::holds_alternative<T>(t.records[i])) {
      out.push_back(i);
    }
  }
  return out;
}

FragmentSpec* random_fragment(Trace& t, Rng& rng) {
  const auto idx = indices_of<FragmentSpec>(t);
  return idx.empty() ? nullptr : &std::get<FragmentSpec>(t.records[idx[pick(rng, idx.size())]]);
}

// Mostly small (a long fragment costs the whole exec its length in copies).
std::uint16_t interesting_length(Rng& rng) {
  static constexpr std::uint16_t kSmall[] = {0, 1, 7, 8, 9, 15, 16, 17, 24, 32, 64};
  static constexpr std::uint16_t kLarge[] = {504, 1472, 1480, 4096, 65000, 65472, 65487, 65515};
  if (one_in(rng, 16)) {
    return kLarge[pick(rng, std::size(kLarge))];
  }
  if (one_in(rng, 2)) {
    return static_cast<std::uint16_t>(8 * (1 + pick(rng, 16)));
  }
  return kSmall[pick(rng, std::size(kSmall))];
}

FragmentSpec random_spec(Rng& rng, std::uint8_t flow) {
  FragmentSpec s;
  s.flow = flow;
  s.offset_units = static_cast<std::uint16_t>(one_in(rng, 8) ? pick(rng, 8192) : pick(rng, 32));
  s.length = interesting_length(rng);
  s.more_fragments = !one_in(rng, 3);
  s.fill = static_cast<Fill>(pick(rng, 4));
  s.seed = static_cast<std::uint8_t>(pick(rng, 256));
  if (one_in(rng, 8)) {
    s.options = static_cast<OptionsVariant>(pick(rng, kOptionsVariants));
  }
  if (one_in(rng, 8)) {
    s.ecn = static_cast<std::uint8_t>(pick(rng, 4));
  }
  return s;
}

// ---------------------------------------------------------------- edits
// Each returns false when it could not apply (the caller tries another).

bool split_fragment(Trace& t, Rng& rng) {
  const auto idx = indices_of<FragmentSpec>(t);
  if (idx.empty()) {
    return false;
  }
  const std::size_t at = idx[pick(rng, idx.size())];
  FragmentSpec first = std::get<FragmentSpec>(t.records[at]);
  if (first.length < 16) {
    return false;
  }
  const std::size_t blocks = first.length / 8;
  const std::size_t cut = 8 * (1 + pick(rng, blocks - 1 + (first.length % 8 != 0 ? 1 : 0)));
  if (cut >= first.length || first.offset_units + cut / 8 > kFragmentOffsetMask) {
    return false;
  }
  FragmentSpec second = first;
  second.offset_units = static_cast<std::uint16_t>(first.offset_units + cut / 8);
  second.length = static_cast<std::uint16_t>(first.length - cut);
  first.length = static_cast<std::uint16_t>(cut);
  first.more_fragments = true;
  t.records[at] = first;
  const std::size_t where = one_in(rng, 2) ? at + 1 : pick(rng, t.records.size() + 1);
  t.records.insert(t.records.begin() + static_cast<std::ptrdiff_t>(where), second);
  return true;
}

bool merge_fragments(Trace& t, Rng& rng) {
  const auto idx = indices_of<FragmentSpec>(t);
  if (idx.size() < 2) {
    return false;
  }
  const std::size_t i = idx[pick(rng, idx.size())];
  auto& a = std::get<FragmentSpec>(t.records[i]);
  for (std::size_t j : idx) {
    const auto& b = std::get<FragmentSpec>(t.records[j]);
    if (j != i && b.flow == a.flow &&
        std::size_t{b.offset_units} * 8 == std::size_t{a.offset_units} * 8 + a.length) {
      a.length = static_cast<std::uint16_t>(
          std::min<std::size_t>(std::size_t{a.length} + b.length, max_fragment_length(a.options)));
      a.more_fragments = b.more_fragments;
      t.records.erase(t.records.begin() + static_cast<std::ptrdiff_t>(j));
      return true;
    }
  }
  return false;
}

bool reorder(Trace& t, Rng& rng) {
  const std::size_t n = t.records.size();
  if (n < 2) {
    return false;
  }
  const std::size_t a = pick(rng, n);
  const std::size_t b = pick(rng, n);
  switch (pick(rng, 3)) {
    case 0:
      std::swap(t.records[a], t.records[b]);
      break;
    case 1:
      std::reverse(t.records.begin() + static_cast<std::ptrdiff_t>(std::min(a, b)),
                   t.records.begin() + static_cast<std::ptrdiff_t>(std::max(a, b) + 1));
      break;
    default:
      std::shuffle(t.records.begin() + static_cast<std::ptrdiff_t>(std::min(a, b)),
                   t.records.begin() + static_cast<std::ptrdiff_t>(std::max(a, b) + 1), rng);
      break;
  }
  return true;
}

bool duplicate(Trace& t, Rng& rng) {
  if (t.records.empty()) {
    return false;
  }
  const Record copy = t.records[pick(rng, t.records.size())];
  t.records.insert(t.records.begin() + static_cast<std::ptrdiff_t>(pick(rng, t.records.size() + 1)),
                   copy);
  return true;
}

bool erase(Trace& t, Rng& rng) {
  if (t.records.empty()) {
    return false;
  }
  const std::size_t a = pick(rng, t.records.size());
  const std::size_t n = one_in(rng, 4) ? 1 + pick(rng, t.records.size() - a) : 1;
  t.records.erase(t.records.begin() + static_cast<std::ptrdiff_t>(a),
                  t.records.begin() + static_cast<std::ptrdiff_t>(a + n));
  return true;
}

bool edit_fragment(Trace& t, Rng& rng) {
  FragmentSpec* s = random_fragment(t, rng);
  if (s == nullptr) {
    return false;
  }
  switch (pick(rng, 13)) {
    case 12:  // RFC 3168 ECN codepoint
      s->ecn = static_cast<std::uint8_t>(pick(rng, 4));
      break;
    case 0:  // shift by a few blocks either way
      s->offset_units = static_cast<std::uint16_t>((s->offset_units + pick(rng, 9) + 8192 - 4) &
                                                   kFragmentOffsetMask);
      break;
    case 1:
      s->offset_units = static_cast<std::uint16_t>(pick(rng, 8192));
      break;
    case 2:
      s->more_fragments = !s->more_fragments;
      break;
    case 3:  // a little longer or shorter
      s->length = static_cast<std::uint16_t>(
          std::clamp<long>(long{s->length} + static_cast<long>(pick(rng, 17)) - 8, 0, 65000));
      break;
    case 4:
      s->length = static_cast<std::uint16_t>(s->length & ~7u);
      break;
    case 5:
      s->length = interesting_length(rng);
      break;
    case 6:
      s->flow = static_cast<std::uint8_t>(pick(rng, kFlows));
      break;
    case 7:
      s->fill = static_cast<Fill>(pick(rng, 4));
      s->seed = static_cast<std::uint8_t>(pick(rng, 256));
      break;
    case 8:
      s->options = static_cast<OptionsVariant>(pick(rng, kOptionsVariants));
      break;
    case 9:
      s->dont_fragment = !s->dont_fragment;
      break;
    case 10:
      s->reserved_flag = !s->reserved_flag;
      break;
    default:
      s->bad_checksum = !s->bad_checksum;
      break;
  }
  s->length =
      static_cast<std::uint16_t>(std::min<std::size_t>(s->length, max_fragment_length(s->options)));
  return true;
}

std::uint64_t interesting_advance(const Trace& t, Rng& rng) {
  const auto timeout = static_cast<std::uint64_t>(std::max<std::int64_t>(t.config.timeout.ns(), 0));
  switch (pick(rng, 8)) {
    case 0:
      return timeout > 0 ? timeout - 1 : 0;
    case 1:
      return timeout;
    case 2:
      return timeout + 1;
    case 3:
      return 1;
    case 4:
      return pick(rng, 1'000'000'000);
    case 5:
      return timeout / 2;
    case 6:
      return kMaxAdvanceNs;
    default:
      return pick(rng, 2 * timeout + 2);
  }
}

bool insert_clock(Trace& t, Rng& rng) {
  const auto at = static_cast<std::ptrdiff_t>(pick(rng, t.records.size() + 1));
  switch (pick(rng, 6)) {
    case 0:
    case 1:
      t.records.insert(t.records.begin() + at, Expire{});
      break;
    case 2:  // the clock steps back (out-of-order capture timestamps)
      t.records.insert(t.records.begin() + at, RewindClock{interesting_advance(t, rng)});
      break;
    default:
      t.records.insert(t.records.begin() + at, AdvanceClock{interesting_advance(t, rng)});
      break;
  }
  return true;
}

bool edit_clock(Trace& t, Rng& rng) {
  const auto idx = indices_of<AdvanceClock>(t);
  if (idx.empty()) {
    return false;
  }
  std::get<AdvanceClock>(t.records[idx[pick(rng, idx.size())]]).ns = interesting_advance(t, rng);
  return true;
}

std::size_t interesting_threshold(Rng& rng) {
  static constexpr std::size_t kValues[] = {0,    256,  320,   400,   700,      1000,    2000,
                                            4096, 8192, 65536, 70000, 3u << 20, 4u << 20};
  return one_in(rng, 4) ? pick(rng, 20000) : kValues[pick(rng, std::size(kValues))];
}

bool edit_config(Trace& t, Rng& rng) {
  ReassemblyConfig& c = t.config;
  switch (pick(rng, 7)) {
    case 0:
      c.policy = kAllPolicies[pick(rng, kAllPolicies.size())];
      break;
    case 1:
      c.strip_options = !c.strip_options;
      break;
    case 2: {
      static constexpr std::int64_t kMs[] = {0, 1, 1000, 15000, 30000, 60000};
      c.timeout =
          Duration::milliseconds(one_in(rng, 4) ? static_cast<std::int64_t>(pick(rng, 100000))
                                                : kMs[pick(rng, std::size(kMs))]);
      break;
    }
    case 3:
      c.high_threshold = interesting_threshold(rng);
      break;
    case 4:
      c.low_threshold = one_in(rng, 2) ? c.high_threshold * 3 / 4 : interesting_threshold(rng);
      break;
    case 5:
      c.max_fragments_per_datagram = one_in(rng, 2) ? 0 : pick(rng, 6);
      break;
    default:
      c.max_datagrams = one_in(rng, 2) ? 0 : pick(rng, 6);
      break;
  }
  return true;
}

// A whole datagram as fragments: in order, reversed or shuffled, sometimes
// with one fragment repeated.
bool insert_train(Trace& t, Rng& rng) {
  const auto flow = static_cast<std::uint8_t>(pick(rng, kFlows));
  const std::size_t total = one_in(rng, 32) ? pick(rng, 65000) : 8 + pick(rng, 400);
  const std::size_t piece = 8 * (1 + pick(rng, one_in(rng, 4) ? 200 : 8));
  // (at most 256 pieces: long trains are cut short)
  const auto fill = static_cast<Fill>(pick(rng, 4));
  const auto seed = static_cast<std::uint8_t>(pick(rng, 256));
  std::vector<Record> train;
  for (std::size_t off = 0; off < total && train.size() < 256; off += piece) {
    FragmentSpec s;
    s.flow = flow;
    s.offset_units = static_cast<std::uint16_t>(off / 8);
    s.length = static_cast<std::uint16_t>(std::min(piece, total - off));
    s.more_fragments = off + piece < total;
    s.fill = fill;
    s.seed = seed;
    train.push_back(s);
  }
  if (one_in(rng, 2)) {
    std::reverse(train.begin(), train.end());
  } else if (one_in(rng, 2)) {
    std::shuffle(train.begin(), train.end(), rng);
  }
  if (one_in(rng, 3)) {
    train.push_back(train[pick(rng, train.size())]);
  }
  t.records.insert(t.records.begin() + static_cast<std::ptrdiff_t>(pick(rng, t.records.size() + 1)),
                   train.begin(), train.end());
  return true;
}

bool insert_fragment(Trace& t, Rng& rng) {
  const FragmentSpec* near = random_fragment(t, rng);
  FragmentSpec s = random_spec(rng, near != nullptr ? near->flow : static_cast<std::uint8_t>(0));
  if (near != nullptr && one_in(rng, 2)) {
    // Next to, or overlapping, an existing fragment.
    const std::size_t base = near->offset_units + pick(rng, std::size_t{near->length} / 8 + 2);
    s.offset_units = static_cast<std::uint16_t>(std::min<std::size_t>(base, kFragmentOffsetMask));
  }
  t.records.insert(t.records.begin() + static_cast<std::ptrdiff_t>(pick(rng, t.records.size() + 1)),
                   s);
  return true;
}

void fix_checksum(std::vector<std::uint8_t>& p) {
  if (p.size() < kIpv4MinHeader) {
    return;
  }
  const std::size_t hl = std::min<std::size_t>(std::size_t{p[0] & 0x0fu} * 4, p.size());
  if (hl < kIpv4MinHeader) {
    return;
  }
  const MutableBytes b{p};
  store_be16(b, ipv4_field::kChecksum, 0);
  store_be16(b, ipv4_field::kChecksum, internet_checksum(b.first(hl)));
}

bool mutate_raw(Trace& t, Rng& rng) {
  auto idx = indices_of<FragmentSpec>(t);
  const auto raws = indices_of<RawPacket>(t);
  std::size_t at = 0;
  if (!raws.empty() && (idx.empty() || one_in(rng, 2))) {
    at = raws[pick(rng, raws.size())];
  } else if (!idx.empty()) {
    // Turn a fragment spec into the raw packet it stands for, then mutate it.
    at = idx[pick(rng, idx.size())];
    t.records[at] = RawPacket{expand(std::get<FragmentSpec>(t.records[at]))};
  } else {
    return false;
  }
  auto& bytes = std::get<RawPacket>(t.records[at]).bytes;
  const std::size_t size = bytes.size();
  const std::size_t max =
      std::min<std::size_t>(kMaxRawPacket, std::max<std::size_t>(size + 64, 64));
  bytes.resize(max);
  bytes.resize(byte_mutate(bytes.data(), size, max, rng));
  if (!one_in(rng, 4)) {
    fix_checksum(bytes);
  }
  return true;
}

bool mutate_once(Trace& t, Rng& rng) {
  switch (pick(rng, 14)) {
    case 0:
      return split_fragment(t, rng);
    case 1:
      return merge_fragments(t, rng);
    case 2:
      return reorder(t, rng);
    case 3:
      return duplicate(t, rng);
    case 4:
      return erase(t, rng);
    case 5:
    case 6:
    case 7:
      return edit_fragment(t, rng);
    case 8:
      return one_in(rng, 2) ? insert_clock(t, rng) : edit_clock(t, rng);
    case 9:
      return edit_config(t, rng);
    case 10:
      return insert_train(t, rng);
    case 11:
      return insert_fragment(t, rng);
    case 12:
      return mutate_raw(t, rng);
    default:
      return insert_clock(t, rng);
  }
}

}  // namespace
}  // namespace ip4ref::trace

extern "C" std::size_t LLVMFuzzerCustomMutator(std::uint8_t* data, std::size_t size,
                                               std::size_t max_size, unsigned int seed) {
  using namespace ip4ref::trace;
  Rng rng(seed);
  if (one_in(rng, 16)) {
    return byte_mutate(data, size, max_size, rng);
  }
  Trace t = decode_lenient({data, size}, ip4ref::fuzz::kDiffLimits);
  const std::size_t edits = 1 + (one_in(rng, 3) ? pick(rng, 4) : 0);
  for (std::size_t done = 0, tries = 0; done < edits && tries < 16; ++tries) {
    done += mutate_once(t, rng) ? 1 : 0;
  }
  const std::vector<std::uint8_t> out = encode(t);
  if (out.size() > max_size) {
    return byte_mutate(data, size, max_size, rng);
  }
  std::memcpy(data, out.data(), out.size());
  return out.size();
}

// Splices two traces: a prefix of one, a slice of the other, the rest of the
// first; the configuration of either.
extern "C" std::size_t LLVMFuzzerCustomCrossOver(const std::uint8_t* data1, std::size_t size1,
                                                 const std::uint8_t* data2, std::size_t size2,
                                                 std::uint8_t* out, std::size_t max_out_size,
                                                 unsigned int seed) {
  using namespace ip4ref::trace;
  Rng rng(seed);
  const Trace a = decode_lenient({data1, size1}, ip4ref::fuzz::kDiffLimits);
  const Trace b = decode_lenient({data2, size2}, ip4ref::fuzz::kDiffLimits);
  Trace c;
  c.config = one_in(rng, 2) ? a.config : b.config;
  const std::size_t cut = a.records.empty() ? 0 : pick(rng, a.records.size() + 1);
  const std::size_t from = b.records.empty() ? 0 : pick(rng, b.records.size() + 1);
  const std::size_t to =
      from + (b.records.size() > from ? pick(rng, b.records.size() - from + 1) : 0);
  c.records.assign(a.records.begin(), a.records.begin() + static_cast<std::ptrdiff_t>(cut));
  c.records.insert(c.records.end(), b.records.begin() + static_cast<std::ptrdiff_t>(from),
                   b.records.begin() + static_cast<std::ptrdiff_t>(to));
  c.records.insert(c.records.end(), a.records.begin() + static_cast<std::ptrdiff_t>(cut),
                   a.records.end());
  std::vector<std::uint8_t> bytes = encode(c);
  if (bytes.size() > max_out_size) {
    bytes.resize(max_out_size);  // decode_lenient stops at the cut record
  }
  std::memcpy(out, bytes.data(), bytes.size());
  return bytes.size();
}
