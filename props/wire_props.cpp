// wire_props.cpp: the IPv4 header's parse / emit split (RFC 791 3.1) and the
// Internet checksum's laws (RFC 1071, RFC 1624).
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "generators.h"
#include "ip4ref/checksum.h"
#include "ip4ref/ipv4_header.h"
#include "packets.h"

namespace ip4ref {

inline void showValue(const Ipv4Header& h, std::ostream& os) {
  os << "{tos " << unsigned{h.tos} << " total " << h.total_length << " id " << h.identification
     << (h.reserved_flag ? " RF" : "") << (h.dont_fragment ? " DF" : "")
     << (h.more_fragments ? " MF" : "") << " off " << h.fragment_offset << " ttl "
     << unsigned{h.ttl} << " proto " << unsigned{h.protocol} << " " << format_ipv4(h.source) << ">"
     << format_ipv4(h.destination) << " options " << props::describe(h.options) << "}";
}

}  // namespace ip4ref

namespace ip4ref::props {
namespace {

// Any header: every field, offsets that are multiples of 8 up to 65528,
// options as generated (canonical unless `canonical` is false, in which case
// a trailing EOL is left off), a total length covering at least the header.
rc::Gen<Ipv4Header> gen_header(bool canonical) {
  return rc::gen::exec([canonical] {
    Ipv4Header h;
    h.tos = *rc::gen::arbitrary<std::uint8_t>();
    h.identification = *rc::gen::arbitrary<std::uint16_t>();
    h.reserved_flag = *rc::gen::arbitrary<bool>();
    h.dont_fragment = *rc::gen::arbitrary<bool>();
    h.more_fragments = *rc::gen::arbitrary<bool>();
    h.fragment_offset = static_cast<std::uint16_t>(8 * *rc::gen::inRange(0, 8192));
    h.ttl = *rc::gen::arbitrary<std::uint8_t>();
    h.protocol = *rc::gen::arbitrary<std::uint8_t>();
    h.source = *rc::gen::arbitrary<std::uint32_t>();
    h.destination = *rc::gen::arbitrary<std::uint32_t>();
    h.options = *gen_options();
    if (!canonical && !h.options.empty() && h.options.back().type == Ipv4Option::kEndOfList) {
      h.options.pop_back();
    }
    const std::size_t hl = *h.size();
    h.total_length = static_cast<std::uint16_t>(*rc::gen::weightedOneOf<std::size_t>({
        {3, rc::gen::just(hl)},
        {3, rc::gen::inRange<std::size_t>(hl, hl + 64)},
        {1, rc::gen::inRange<std::size_t>(hl, 65536)},
        {1, rc::gen::just(std::size_t{65535})},
    }));
    return h;
  });
}

std::vector<std::uint8_t> emitted(const Ipv4Header& h) {
  std::vector<std::uint8_t> out(h.total_length);
  const auto n = h.emit(out);
  RC_ASSERT(n.has_value());
  RC_ASSERT(*n == *h.size());
  return out;
}

RC_GTEST_PROP(Wire, ParseOfEmitIsIdentity, ()) {
  const Ipv4Header h = *gen_header(true).as("header");
  const auto bytes = emitted(h);
  const auto view = Ipv4View::parse(bytes);
  RC_ASSERT(view.has_value());
  RC_ASSERT(view->checksum_ok());
  const auto back = Ipv4Header::parse(*view);
  RC_ASSERT(back.has_value());
  RC_ASSERT(*back == h);
  std::vector<std::uint8_t> zeroed(view->header().begin(), view->header().end());
  zeroed[10] = 0;
  zeroed[11] = 0;
  RC_ASSERT(back->checksum == oracle_checksum(zeroed));
}

// Options that stop short of a 32-bit boundary come back with the EOL their
// padding is (RFC 791: "The padding is zero"), and emitting that again gives
// the same octets.
RC_GTEST_PROP(Wire, ParseOfEmitAddsOnlyTheEolThePaddingIs, ()) {
  const Ipv4Header h = *gen_header(false).as("header");
  const auto bytes = emitted(h);
  const Ipv4Header back = *Ipv4Header::parse(*Ipv4View::parse(bytes));
  Ipv4Header canonical = h;
  std::size_t used = 0;
  for (const Ipv4Option& o : h.options) {
    used += o.size();
  }
  if (used % 4 != 0) {
    canonical.options.push_back(Ipv4Option{Ipv4Option::kEndOfList, {}});
  }
  RC_ASSERT(back == canonical);
  RC_ASSERT(emitted(back) == bytes);
}

RC_GTEST_PROP(Checksum, SumEqualsTheRfc1071EndAroundCarryOracle,
              (const std::vector<std::uint8_t>& data)) {
  RC_ASSERT(ones_complement_sum(data) == oracle_sum(data));
  RC_ASSERT(internet_checksum(data) == oracle_checksum(data));
}

std::vector<std::uint8_t> to_octets(const std::vector<std::uint16_t>& words) {
  std::vector<std::uint8_t> out;
  for (std::uint16_t w : words) {
    out.push_back(static_cast<std::uint8_t>(w >> 8));
    out.push_back(static_cast<std::uint8_t>(w & 0xff));
  }
  return out;
}

// RFC 1071 2(A) "Commutative and Associative": the words may be summed in any order.
RC_GTEST_PROP(Checksum, SumIgnoresTheOrderOfWords, (const std::vector<std::uint16_t>& words)) {
  const auto perm = *gen_permutation(words.size()).as("permutation");
  std::vector<std::uint16_t> shuffled;
  for (std::size_t i : perm) {
    shuffled.push_back(words[i]);
  }
  RC_ASSERT(ones_complement_sum(to_octets(words)) == ones_complement_sum(to_octets(shuffled)));
}

// RFC 1071 2(B) "Byte Order Independence": swapping the octets of every word
// swaps the octets of the sum.
RC_GTEST_PROP(Checksum, SumIsByteOrderIndependent, (const std::vector<std::uint16_t>& words)) {
  std::vector<std::uint16_t> swapped;
  for (std::uint16_t w : words) {
    swapped.push_back(static_cast<std::uint16_t>((w << 8) | (w >> 8)));
  }
  const std::uint16_t s = ones_complement_sum(to_octets(words));
  RC_ASSERT(ones_complement_sum(to_octets(swapped)) ==
            static_cast<std::uint16_t>((s << 8) | (s >> 8)));
}

// RFC 1071 2(C) "Parallel Summation" / data in pieces: summing a piece after
// another (split at an even offset) equals summing the whole.
RC_GTEST_PROP(Checksum, SumOfPiecesEqualsSumOfTheWhole,
              (const std::vector<std::uint16_t>& a, const std::vector<std::uint8_t>& b)) {
  std::vector<std::uint8_t> whole = to_octets(a);
  whole.insert(whole.end(), b.begin(), b.end());
  RC_ASSERT(ones_complement_sum(b, ones_complement_sum(to_octets(a))) ==
            ones_complement_sum(whole));
}

// RFC 1071 1 (3): a header carrying its checksum sums to all ones.
RC_GTEST_PROP(Checksum, EmittedHeaderVerifies, ()) {
  const Ipv4Header h = *gen_header(true).as("header");
  const auto bytes = emitted(h);
  const Bytes header = Bytes(bytes).first(*h.size());
  RC_ASSERT(ones_complement_sum(header) == 0xffff);
  RC_ASSERT(internet_checksum(header) == 0);
}

// RFC 1624 eqn. 3: updating the checksum for one changed 16-bit word equals
// recomputing it, on every IPv4 header and every word but the checksum.
RC_GTEST_PROP(Checksum, IncrementalUpdateEqualsRecomputationOnIpv4Headers, ()) {
  const Ipv4Header h = *gen_header(true).as("header");
  auto bytes = emitted(h);
  const std::size_t hl = *h.size();
  const std::size_t word =
      *rc::gen::suchThat(rc::gen::inRange<std::size_t>(0, hl / 2), [](std::size_t w) {
         return w != 5;
       }).as("word");
  const auto new_value = *rc::gen::arbitrary<std::uint16_t>().as("new value");
  const std::uint16_t old_checksum = load_be16(bytes, 10);
  const std::uint16_t old_value = load_be16(bytes, 2 * word);
  store_be16(bytes, 2 * word, new_value);
  store_be16(bytes, 10, 0);
  const std::uint16_t recomputed = internet_checksum(Bytes(bytes).first(hl));
  RC_ASSERT(checksum_update16(old_checksum, old_value, new_value) == recomputed);
}

// The same on any data: equal, except the one case checksum.cpp documents
// (the new data all zero: recomputation gives 0xffff, eqn. 3 gives 0x0000).
RC_GTEST_PROP(Checksum, IncrementalUpdateEqualsRecomputationExceptOnAllZeroData,
              (const std::vector<std::uint16_t>& words, std::uint16_t new_value)) {
  RC_PRE(!words.empty());
  const std::size_t at = *rc::gen::inRange<std::size_t>(0, words.size()).as("word");
  std::vector<std::uint16_t> changed = words;
  changed[at] = new_value;
  const std::uint16_t updated =
      checksum_update16(internet_checksum(to_octets(words)), words[at], new_value);
  const std::uint16_t recomputed = internet_checksum(to_octets(changed));
  const bool all_zero =
      std::all_of(changed.begin(), changed.end(), [](std::uint16_t w) { return w == 0; });
  if (all_zero) {
    RC_ASSERT(recomputed == 0xffff);
    RC_ASSERT(updated == 0x0000);
  } else {
    RC_ASSERT(updated == recomputed);
  }
}

}  // namespace
}  // namespace ip4ref::props
