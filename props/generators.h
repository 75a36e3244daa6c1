// generators.h: RapidCheck generators for the ip4ref domain, and the way
// their values print when a property fails.
//
// Everything a property needs to build its input comes from here: datagrams
// with valid options (copied and non-copied, padded), MTUs 68..65535 biased to
// small values and to boundaries, arrival orders and permutations, exact and
// partial duplicates, overlap trains, clock schedules and memory limits.
//
// Counterexamples must be readable after shrinking, so every value shrinks
// toward something small and prints in the vocabulary of the domain: a
// fragment prints as `off 8 len 16 MF 'J'` (offset and length in octets, MF
// flag, fill octet), a datagram as its header fields, options and payload
// recipe (length + seed, never 64 KiB of bytes).
#pragma once

#include <rapidcheck.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "ip4ref/ipv4_header.h"
#include "ip4ref/policy.h"
#include "ip4ref/reassembly_config.h"
#include "ip4ref/time.h"

namespace ip4ref::props {

// RFC 5737 TEST-NET-1: properties never use any other address.
inline constexpr std::uint32_t kSource = 0xc0000201;       // 192.0.2.1
inline constexpr std::uint32_t kDestination = 0xc0000202;  // 192.0.2.2
inline constexpr std::uint8_t kProtocol = 17;

// Largest data a datagram can carry behind a header of `header_length` octets.
inline std::size_t max_payload(std::size_t header_length) {
  return kIpv4MaxDatagram - header_length;
}

// A deterministic, aperiodic octet for position `i` of a payload: misplaced
// octets (an offset off by one, a block copied twice) never look right.
inline std::uint8_t payload_octet(std::uint64_t seed, std::size_t i) {
  std::uint64_t z = seed * 0x9e3779b97f4a7c15ull + i + 1;  // splitmix64
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return static_cast<std::uint8_t>((z ^ (z >> 31)) & 0xff);
}

// ------------------------------------------------------------------ options

// "rr(9)", "ra/c(4)", "nop", "eol": name, /c when the copied flag is set,
// octets on the wire.
inline std::string describe(const Ipv4Option& o) {
  if (o.type == Ipv4Option::kEndOfList) {
    return "eol";
  }
  if (o.type == Ipv4Option::kNoOperation) {
    return "nop";
  }
  std::string name;
  switch (o.type) {
    case 0x07:
      name = "rr";
      break;
    case 0x44:
      name = "ts";
      break;
    case 0x82:
      name = "sec";
      break;
    case 0x83:
      name = "lsrr";
      break;
    case 0x88:
      name = "sid";
      break;
    case 0x89:
      name = "ssrr";
      break;
    case 0x94:
      name = "ra";
      break;
    default: {
      std::ostringstream s;
      s << "t" << unsigned{o.type};
      name = s.str();
    }
  }
  return name + (o.copied() ? "/c(" : "(") + std::to_string(o.size()) + ")";
}

inline std::string describe(const std::vector<Ipv4Option>& options) {
  std::string out = "[";
  for (std::size_t i = 0; i < options.size(); ++i) {
    out += (i == 0 ? "" : " ") + describe(options[i]);
  }
  return out + "]";
}

// One well-formed option of at most `room` octets (room >= 1): the RFC 791
// options (security, LSRR, SSRR, record route, stream id, timestamp), router
// alert (RFC 2113), NOP, and arbitrary type-length-value options with either
// copied flag. Contents are arbitrary: the library does not interpret them.
inline rc::Gen<Ipv4Option> gen_option(std::size_t room) {
  return rc::gen::exec([room] {
    if (room < 2) {
      return Ipv4Option{Ipv4Option::kNoOperation, {}};
    }
    auto data = [](std::size_t n) {
      return *rc::gen::container<std::vector<std::uint8_t>>(n, rc::gen::arbitrary<std::uint8_t>());
    };
    // Routes and record route: type, length, pointer, 4k octets of addresses.
    const std::size_t max_words = room >= 3 ? (room - 3) / 4 : 0;
    switch (*rc::gen::inRange(0, 8)) {
      case 0:
        return Ipv4Option{Ipv4Option::kNoOperation, {}};
      case 1:
        if (room >= 4) {
          return Ipv4Option{0x94, {0, 0}};  // router alert, copied
        }
        break;
      case 2:
      case 3:
        if (max_words >= 1) {
          const std::uint8_t types[] = {0x07, 0x83, 0x89};  // rr, lsrr/c, ssrr/c
          const std::uint8_t type = types[*rc::gen::inRange(0, 3)];
          const std::size_t words = *rc::gen::inRange<std::size_t>(1, max_words + 1);
          std::vector<std::uint8_t> d = data(1 + 4 * words);
          d[0] = 4;  // pointer: first slot
          return Ipv4Option{type, d};
        }
        break;
      case 4:
        if (room >= 11) {
          return Ipv4Option{0x82, data(9)};  // security, copied
        }
        break;
      case 5:
        if (room >= 4) {
          return Ipv4Option{0x88, data(2)};  // stream id, copied
        }
        break;
      default: {
        const bool copied = *rc::gen::arbitrary<bool>();
        const auto option_class = *rc::gen::inRange<std::uint8_t>(0, 4);
        const auto number = *rc::gen::inRange<std::uint8_t>(2, 32);
        const auto type =
            static_cast<std::uint8_t>((copied ? 0x80 : 0) | (option_class << 5) | number);
        return Ipv4Option{type, data(*rc::gen::inRange<std::size_t>(0, room - 1))};
      }
    }
    return Ipv4Option{Ipv4Option::kNoOperation, {}};
  });
}

// A valid options list of at most 40 octets on the wire. When the options do
// not end on a 32-bit boundary the list ends with EOL, which is what the
// padding parses as: such a list is canonical, parse(emit(h)) gives it back.
inline rc::Gen<std::vector<Ipv4Option>> gen_options() {
  auto some = rc::gen::exec([] {
    std::vector<Ipv4Option> out;
    std::size_t used = 0;
    const int count = *rc::gen::inRange(1, 7);
    for (int i = 0; i < count && used < 40; ++i) {
      Ipv4Option o = *gen_option(40 - used);
      used += o.size();
      out.push_back(std::move(o));
    }
    if (used % 4 != 0) {
      out.push_back(Ipv4Option{Ipv4Option::kEndOfList, {}});
    }
    return out;
  });
  return rc::gen::weightedOneOf<std::vector<Ipv4Option>>(
      {{1, rc::gen::just(std::vector<Ipv4Option>{})}, {1, some}});
}

// ------------------------------------------------------------------ MTUs

// 68..65535: RFC 791's minimum, the classic link MTUs and their neighbours,
// small values (many fragments), and anything at all.
inline rc::Gen<std::size_t> gen_mtu() {
  return rc::gen::weightedOneOf<std::size_t>({
      {4,
       rc::gen::element<std::size_t>(68, 69, 70, 71, 72, 75, 76, 79, 80, 84, 88, 100, 296, 508, 576,
                                     1006, 1280, 1492, 1500, 4352, 8166, 9000, 65534, 65535)},
      {4, rc::gen::inRange<std::size_t>(68, 200)},
      {2, rc::gen::inRange<std::size_t>(68, 3000)},
      {1, rc::gen::inRange<std::size_t>(68, 65536)},
  });
}

// ------------------------------------------------------------------ datagrams

// A datagram to fragment: header fields, options, and a payload recipe.
struct DatagramSpec {
  std::uint16_t id = 1;
  std::uint8_t protocol = kProtocol;
  std::uint8_t tos = 0;
  std::uint8_t ttl = 64;
  bool reserved_flag = false;
  std::vector<Ipv4Option> options;
  std::size_t payload_length = 0;
  std::uint64_t seed = 0;

  std::size_t header_length() const { return kIpv4MinHeader + options_wire_size(options); }
  std::size_t total_length() const { return header_length() + payload_length; }

  Ipv4Header header() const {
    Ipv4Header h;
    h.tos = tos;
    h.total_length = static_cast<std::uint16_t>(total_length());
    h.identification = id;
    h.reserved_flag = reserved_flag;
    h.ttl = ttl;
    h.protocol = protocol;
    h.source = kSource;
    h.destination = kDestination;
    h.options = options;
    return h;
  }

  // The datagram on the wire: emitted header (fresh checksum) + payload.
  std::vector<std::uint8_t> bytes() const {
    std::vector<std::uint8_t> out(total_length());
    (void)header().emit(out);
    for (std::size_t i = 0; i < payload_length; ++i) {
      out[header_length() + i] = payload_octet(seed, i);
    }
    return out;
  }
};

inline std::ostream& operator<<(std::ostream& os, const DatagramSpec& d) {
  return os << "datagram{id " << d.id << " proto " << unsigned{d.protocol} << " tos "
            << unsigned{d.tos} << " ttl " << unsigned{d.ttl} << (d.reserved_flag ? " RF" : "")
            << " hl " << d.header_length() << " options " << describe(d.options) << " payload "
            << d.payload_length << " octets seed " << d.seed << " total " << d.total_length()
            << "}";
}

// Payload lengths for a datagram of header `hl` about to cross a link of
// `mtu`: small ones, a few to a dozen fragments' worth, the edges of one,
// two and three fragments' capacity, and the largest a datagram can be.
inline rc::Gen<std::size_t> gen_payload_length(std::size_t hl, std::size_t mtu) {
  const std::size_t most = max_payload(hl);
  const std::size_t per_fragment = mtu > hl ? (mtu - hl) / 8 * 8 : 8;
  const std::size_t several_lo = std::min(per_fragment + 1, most);
  const std::size_t several_hi = std::max(several_lo + 1, std::min(most, per_fragment * 12) + 1);
  return rc::gen::weightedOneOf<std::size_t>({
      {3, rc::gen::inRange<std::size_t>(0, std::min<std::size_t>(most, 600) + 1)},
      {4, rc::gen::inRange<std::size_t>(several_lo, several_hi)},
      {2, rc::gen::map(
              rc::gen::pair(rc::gen::inRange<std::size_t>(1, 4), rc::gen::inRange<int>(-2, 3)),
              [=](std::pair<std::size_t, int> kd) {
                const auto k = std::min<std::size_t>(most, per_fragment * kd.first);
                return static_cast<std::size_t>(std::clamp<long long>(
                    static_cast<long long>(k) + kd.second, 0, static_cast<long long>(most)));
              })},
      {2, rc::gen::inRange<std::size_t>(0, std::min<std::size_t>(most, 5000) + 1)},
      {2, rc::gen::elementOf(std::vector<std::size_t>{most, most, most - 1, most - 7, most - 8})},
      {1, rc::gen::inRange<std::size_t>(0, most + 1)},
  });
}

inline rc::Gen<DatagramSpec> gen_datagram(std::size_t mtu) {
  return rc::gen::exec([mtu] {
    DatagramSpec d;
    d.id = *rc::gen::arbitrary<std::uint16_t>();
    d.protocol = *rc::gen::element<std::uint8_t>(17, 6, 1, 0, 255);
    d.tos = *rc::gen::arbitrary<std::uint8_t>();
    d.ttl = *rc::gen::arbitrary<std::uint8_t>();
    d.reserved_flag = *rc::gen::weightedElement<bool>({{4, false}, {1, true}});
    d.options = *gen_options();
    d.payload_length = *gen_payload_length(d.header_length(), mtu);
    d.seed = *rc::gen::inRange<std::uint64_t>(0, 1000);
    return d;
  });
}

// ------------------------------------------------------------------ orders

// An arrival order for a train too long to shrink index by index: a named
// shape, and a seed for the shuffled one. Shrinks toward "in order".
struct Order {
  enum class Kind { kInOrder, kReversed, kLastFirst, kInterleaved, kShuffled };
  Kind kind = Kind::kInOrder;
  std::uint64_t seed = 0;

  // The indices 0..n-1 in this order.
  std::vector<std::size_t> indices(std::size_t n) const {
    std::vector<std::size_t> v(n);
    std::iota(v.begin(), v.end(), std::size_t{0});
    switch (kind) {
      case Kind::kInOrder:
        break;
      case Kind::kReversed:
        std::reverse(v.begin(), v.end());
        break;
      case Kind::kLastFirst:
        if (n > 1) {
          std::rotate(v.begin(), v.end() - 1, v.end());
        }
        break;
      case Kind::kInterleaved: {  // odd positions first, then even
        std::vector<std::size_t> w;
        for (std::size_t i = 1; i < n; i += 2) {
          w.push_back(i);
        }
        for (std::size_t i = 0; i < n; i += 2) {
          w.push_back(i);
        }
        v = w;
        break;
      }
      case Kind::kShuffled: {  // Fisher-Yates over splitmix: same on every platform
        for (std::size_t i = n; i > 1; --i) {
          std::uint64_t r = 0;
          for (std::size_t b = 0; b < 4; ++b) {
            r = (r << 8) | payload_octet(seed, i * 4 + b);
          }
          std::swap(v[i - 1], v[r % i]);
        }
        break;
      }
    }
    return v;
  }
};

inline std::ostream& operator<<(std::ostream& os, const Order& o) {
  const char* names[] = {"in-order", "reversed", "last-first", "interleaved", "shuffled"};
  os << names[static_cast<int>(o.kind)];
  if (o.kind == Order::Kind::kShuffled) {
    os << "(seed " << o.seed << ")";
  }
  return os;
}

inline rc::Gen<Order> gen_order() {
  return rc::gen::exec([] {
    Order o;
    o.kind = *rc::gen::weightedElement<Order::Kind>({{1, Order::Kind::kInOrder},
                                                     {1, Order::Kind::kReversed},
                                                     {1, Order::Kind::kLastFirst},
                                                     {1, Order::Kind::kInterleaved},
                                                     {4, Order::Kind::kShuffled}});
    if (o.kind == Order::Kind::kShuffled) {
      o.seed = *rc::gen::inRange<std::uint64_t>(0, 1u << 20);
    }
    return o;
  });
}

// A permutation of 0..n-1 drawn Fisher-Yates style: position i takes one of
// the remaining indices. Every choice shrinks toward "keep it where it is", so
// a shrunk permutation moves only what the failure needs moved.
inline rc::Gen<std::vector<std::size_t>> gen_permutation(std::size_t n) {
  return rc::gen::exec([n] {
    std::vector<std::size_t> v(n);
    std::iota(v.begin(), v.end(), std::size_t{0});
    for (std::size_t i = 0; i + 1 < n; ++i) {
      std::swap(v[i], v[*rc::gen::inRange<std::size_t>(i, n)]);
    }
    return v;
  });
}

// Which items of a train of n to send twice (exact duplicates): few, usually.
inline rc::Gen<std::vector<std::size_t>> gen_duplicates(std::size_t n) {
  if (n == 0) {
    return rc::gen::just(std::vector<std::size_t>{});
  }
  return rc::gen::weightedOneOf<std::vector<std::size_t>>({
      {2, rc::gen::just(std::vector<std::size_t>{})},
      {3, rc::gen::container<std::vector<std::size_t>>(
              rc::gen::resize(8, rc::gen::inRange<std::size_t>(0, n)))},
      {1, rc::gen::container<std::vector<std::size_t>>(rc::gen::inRange<std::size_t>(0, n))},
  });
}

// ------------------------------------------------------------------ fragments

// One fragment of an overlap train, as a person writes it: data octets
// [offset, offset + length), the MF flag, and the fill octet every data octet
// carries (also used as the fragment's TTL, so the delivered header shows
// which offset-0 fragment it came from).
struct FragSpec {
  std::size_t offset = 0;  // octets, a multiple of 8
  std::size_t length = 0;  // octets
  bool more = true;
  char fill = 'A';
  bool df = false;       // DF flag (linux's header rule looks at it)
  std::uint8_t ecn = 0;  // the TOS octet's ECN codepoint (RFC 3168), 0..3

  std::size_t end() const { return offset + length; }
  bool operator==(const FragSpec&) const = default;
};

inline std::ostream& operator<<(std::ostream& os, const FragSpec& f) {
  os << "off " << f.offset << " len " << f.length << (f.more ? " MF '" : " -- '") << f.fill << "'";
  if (f.df) {
    os << " DF";
  }
  if (f.ecn != 0) {
    os << " ecn " << unsigned{f.ecn};
  }
  return os;
}

inline std::string describe(const std::vector<FragSpec>& train) {
  std::ostringstream s;
  for (std::size_t i = 0; i < train.size(); ++i) {
    s << (i == 0 ? "" : ", ") << "#" << i << " " << train[i];
  }
  return s.str();
}

inline rc::Gen<char> gen_fill() {
  return rc::gen::inRange('A', static_cast<char>('Z' + 1));
}

// A datagram of 1..max_blocks 8-octet blocks (the last block possibly
// partial) cut into consecutive pieces: MF on every piece but the last, whose
// length need not be a multiple of 8. Fills are arbitrary letters.
inline rc::Gen<std::vector<FragSpec>> gen_tiling(std::size_t max_blocks = 24,
                                                 std::size_t min_pieces = 1) {
  return rc::gen::exec([max_blocks, min_pieces] {
    const std::size_t blocks = *rc::gen::inRange<std::size_t>(min_pieces, max_blocks + 1);
    const std::size_t tail = *rc::gen::weightedElement<std::size_t>(
        {{3, 0}, {1, 1}, {1, 3}, {1, 7}});  // octets of a final partial block
    const std::size_t total = blocks * 8 - (tail == 0 ? 0 : 8 - tail);
    std::vector<FragSpec> tiles;
    for (std::size_t at = 0; at < total;) {
      const std::size_t left_blocks = (total - at + 7) / 8;
      // Leave room for the pieces still owed to min_pieces.
      const std::size_t owed = min_pieces > tiles.size() + 1 ? min_pieces - tiles.size() - 1 : 0;
      const std::size_t most =
          std::min<std::size_t>(left_blocks - std::min(owed, left_blocks - 1), 6);
      const std::size_t take = *rc::gen::inRange<std::size_t>(1, most + 1);
      const std::size_t len = std::min(take * 8, total - at);
      tiles.push_back(FragSpec{at, len, at + len < total, *gen_fill()});
      at += len;
    }
    return tiles;
  });
}

// An overlap train over a datagram of at most `max_blocks` 8-octet blocks:
// a tiling of the datagram (the last piece with MF clear and any length),
// plus extra fragments: exact duplicates of a piece, partial duplicates (a
// sub-range of a piece with the same fill), overlapping fragments with other
// fills, a piece with its MF flag the other way, and now and then a malformed
// one (unaligned MF length, empty, a second last fragment). Returned in
// arrival order (a generated permutation).
inline rc::Gen<std::vector<FragSpec>> gen_overlap_train(std::size_t max_blocks = 24) {
  return rc::gen::exec([max_blocks] {
    const std::vector<FragSpec> tiles = *gen_tiling(max_blocks);
    const std::size_t total = tiles.back().end();
    const std::size_t blocks = (total + 7) / 8;
    std::vector<FragSpec> train = tiles;
    const std::size_t extras = *rc::gen::inRange<std::size_t>(0, 7);
    for (std::size_t i = 0; i < extras; ++i) {
      const FragSpec& base = tiles[*rc::gen::inRange<std::size_t>(0, tiles.size())];
      switch (*rc::gen::weightedElement<int>(
          {{3, 0}, {3, 1}, {6, 2}, {1, 3}, {1, 4}, {1, 5}, {4, 6}})) {
        case 0:  // exact duplicate
          train.push_back(base);
          break;
        case 1: {  // partial duplicate: a sub-range of a piece, same fill
          const std::size_t b =
              base.offset + 8 * *rc::gen::inRange<std::size_t>(0, (base.length + 7) / 8);
          const std::size_t e_max = (base.end() - b + 7) / 8;
          const std::size_t len =
              std::min(8 * *rc::gen::inRange<std::size_t>(1, e_max + 1), base.end() - b);
          train.push_back(FragSpec{b, len, b + len < base.end() || base.more, base.fill});
          break;
        }
        case 2: {  // an overlapping fragment with its own fill
          const std::size_t b = 8 * *rc::gen::inRange<std::size_t>(0, blocks + 1);
          const std::size_t len = 8 * *rc::gen::inRange<std::size_t>(1, 7);
          const bool reaches_end = b < total && b + len >= total;
          const bool last = reaches_end && *rc::gen::arbitrary<bool>();
          train.push_back(FragSpec{b, last ? total - b : len, !last, *gen_fill()});
          break;
        }
        case 3:  // MF with a length that is not a multiple of 8
          train.push_back(
              FragSpec{base.offset, *rc::gen::inRange<std::size_t>(1, 24), true, *gen_fill()});
          break;
        case 4:  // empty
          train.push_back(FragSpec{base.offset, 0, *rc::gen::arbitrary<bool>(), *gen_fill()});
          break;
        case 5:  // a second last fragment, with another end
          train.push_back(
              FragSpec{base.offset, *rc::gen::inRange<std::size_t>(1, 24), false, *gen_fill()});
          break;
        default:  // the piece with MF the other way (its length rounded up to blocks)
          train.push_back(FragSpec{base.offset, base.more ? base.length : (base.length + 7) / 8 * 8,
                                   !base.more, *gen_fill()});
          break;
      }
    }
    // Now and then the end is announced last, after an MF copy of the last
    // piece: the data is all there before the datagram's length is known.
    const bool late_end = *rc::gen::weightedElement<bool>({{6, false}, {1, true}});
    const FragSpec last = tiles.back();
    if (late_end) {
      train.push_back(FragSpec{last.offset, (last.length + 7) / 8 * 8, true, *gen_fill()});
    }
    const std::vector<std::size_t> order = *gen_permutation(train.size());
    std::vector<FragSpec> arrival;
    for (std::size_t i : order) {
      arrival.push_back(train[i]);
    }
    if (late_end) {
      const auto it = std::find(arrival.begin(), arrival.end(), last);
      std::rotate(it, it + 1, arrival.end());
    }
    // One train in four varies the header: DF and the ECN codepoint per
    // fragment (linux takes DF from the largest fragment and combines ECN).
    if (*rc::gen::weightedElement<bool>({{3, false}, {1, true}})) {
      const auto ecn = *rc::gen::inRange<std::uint8_t>(0, 4);
      for (FragSpec& f : arrival) {
        f.df = *rc::gen::arbitrary<bool>();
        f.ecn = *rc::gen::weightedElement<bool>({{3, false}, {1, true}})
                    ? *rc::gen::inRange<std::uint8_t>(0, 4)
                    : ecn;
      }
    }
    return arrival;
  });
}

// ------------------------------------------------------------------ time

// Reassembly timeouts: one nanosecond, short ones (so schedules cross them
// often), and the 30 s default.
inline rc::Gen<Duration> gen_timeout() {
  return rc::gen::weightedOneOf<Duration>({
      {1, rc::gen::just(Duration::nanoseconds(1))},
      {4, rc::gen::map(rc::gen::inRange<std::int64_t>(1, 1000), Duration::nanoseconds)},
      {1, rc::gen::just(Duration::seconds(30))},
      {1, rc::gen::map(rc::gen::inRange<std::int64_t>(1, 120), Duration::seconds)},
  });
}

// One step of a clock schedule for a given timeout: no time at all, one
// nanosecond, exactly the timeout and its neighbours, or anything up to a few
// timeouts.
inline rc::Gen<Duration> gen_clock_step(Duration timeout) {
  const std::int64_t t = timeout.ns();
  return rc::gen::weightedOneOf<Duration>({
      {4, rc::gen::just(Duration::nanoseconds(0))},
      {1, rc::gen::just(Duration::nanoseconds(1))},
      {2, rc::gen::map(rc::gen::elementOf(std::vector<std::int64_t>{t - 1, t, t + 1}),
                       Duration::nanoseconds)},
      {3, rc::gen::map(rc::gen::inRange<std::int64_t>(0, t + 1), Duration::nanoseconds)},
      {1, rc::gen::map(rc::gen::inRange<std::int64_t>(0, 3 * t + 2), Duration::nanoseconds)},
  });
}

// A clock schedule: `n` non-negative steps.
inline rc::Gen<std::vector<Duration>> gen_clock_schedule(Duration timeout, std::size_t n) {
  return rc::gen::container<std::vector<Duration>>(n, gen_clock_step(timeout));
}

// ------------------------------------------------------------------ limits

// Memory limits: high from "nothing fits" to the 4 MiB default, low anywhere
// in [0, high] with the ends (low = high, low = 0) favoured.
struct Limits {
  std::size_t high = ReassemblyConfig{}.high_threshold;
  std::size_t low = ReassemblyConfig{}.low_threshold;
};

inline std::ostream& operator<<(std::ostream& os, const Limits& l) {
  return os << "limits{high " << l.high << " low " << l.low << "}";
}

inline rc::Gen<Limits> gen_limits() {
  return rc::gen::exec([] {
    Limits l;
    l.high = *rc::gen::weightedOneOf<std::size_t>({
        {1, rc::gen::inRange<std::size_t>(0, 600)},
        {4, rc::gen::inRange<std::size_t>(300, 6000)},
        {2, rc::gen::inRange<std::size_t>(1000, 70000)},
        {1, rc::gen::just(std::size_t{4} << 20)},
    });
    l.low = *rc::gen::weightedOneOf<std::size_t>({
        {1, rc::gen::just(l.high)},
        {1, rc::gen::just(std::size_t{0})},
        {4, rc::gen::inRange<std::size_t>(0, l.high + 1)},
    });
    return l;
  });
}

// ------------------------------------------------------------------ policies

inline rc::Gen<Policy> gen_policy() {
  return rc::gen::elementOf(kAllPolicies);
}

}  // namespace ip4ref::props

namespace ip4ref {

// How RapidCheck prints library values (found by argument-dependent lookup).
inline void showValue(Policy p, std::ostream& os) {
  os << to_string(p);
}
inline void showValue(Reason r, std::ostream& os) {
  os << to_string(r);
}
inline void showValue(Duration d, std::ostream& os) {
  os << d.ns() << "ns";
}
inline void showValue(Instant t, std::ostream& os) {
  os << "t=" << t.ns() << "ns";
}

}  // namespace ip4ref
