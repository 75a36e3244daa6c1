// traffic_generator.h (tests only): random but reproducible IPv4 fragment
// traffic for differential tests of reassembly engines: clean trains in any
// order, duplicates, overlaps, tiny / zero-length / unaligned fragments,
// conflicting ends, options, clock steps (also backwards) and garbage.
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "ip4ref/checksum.h"
#include "ip4ref/ipv4_header.h"
#include "ip4ref/reassembly_config.h"

namespace ip4ref::test {

// One thing that happens to an engine.
struct Step {
  enum class Kind { kPush, kExpire };
  Kind kind = Kind::kPush;
  std::int64_t now_ns = 0;
  std::vector<std::uint8_t> packet;
};

// Raw packet fields; nothing is checked, so malformed packets are possible.
struct RawPacket {
  std::uint32_t source = 0xc0000201;
  std::uint32_t destination = 0xc0000202;
  std::uint8_t protocol = 17;
  std::uint16_t identification = 1;
  std::size_t offset = 0;  // octets (multiple of 8 for a well-formed fragment)
  bool more = false;
  bool dont_fragment = false;
  bool reserved = false;
  std::uint8_t tos = 0;
  std::uint8_t ttl = 64;
  std::vector<std::uint8_t> options;  // raw options area, padded by the caller
  std::vector<std::uint8_t> payload;
};

inline std::vector<std::uint8_t> emit_raw(const RawPacket& r) {
  const std::size_t hl = 20 + r.options.size();
  std::vector<std::uint8_t> out(hl + r.payload.size());
  const MutableBytes b{out};
  out[0] = static_cast<std::uint8_t>(0x40 | ((hl / 4) & 0x0f));
  out[1] = r.tos;
  store_be16(b, 2, static_cast<std::uint16_t>(out.size()));
  store_be16(b, 4, r.identification);
  std::uint16_t flags = static_cast<std::uint16_t>((r.offset / 8) & 0x1fff);
  flags = static_cast<std::uint16_t>(flags | (r.more ? 0x2000 : 0) |
                                     (r.dont_fragment ? 0x4000 : 0) | (r.reserved ? 0x8000 : 0));
  store_be16(b, 6, flags);
  out[8] = r.ttl;
  out[9] = r.protocol;
  store_be32(b, 12, r.source);
  store_be32(b, 16, r.destination);
  std::copy(r.options.begin(), r.options.end(), out.begin() + 20);
  store_be16(b, 10, internet_checksum(Bytes{out}.first(hl)));
  std::copy(r.payload.begin(), r.payload.end(), out.begin() + static_cast<std::ptrdiff_t>(hl));
  return out;
}

class TrafficGenerator {
 public:
  explicit TrafficGenerator(std::uint64_t seed) : rng_(seed) {}

  std::uint64_t next() { return rng_(); }
  // Uniform in [lo, hi].
  std::size_t uniform(std::size_t lo, std::size_t hi) {
    return std::uniform_int_distribution<std::size_t>(lo, hi)(rng_);
  }
  bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  std::vector<std::uint8_t> bytes(std::size_t n) {
    std::vector<std::uint8_t> v(n);
    // Few distinct values, so that "same bytes" also happens by chance.
    const std::size_t alphabet = chance(0.5) ? 4 : 256;
    for (auto& x : v) {
      x = static_cast<std::uint8_t>(uniform(0, alphabet - 1));
    }
    return v;
  }

  ReassemblyConfig config() {
    ReassemblyConfig c;
    c.policy = kAllPolicies[uniform(0, kAllPolicies.size() - 1)];
    c.timeout = Duration::milliseconds(static_cast<std::int64_t>(uniform(1, 50)));
    if (chance(0.35)) {
      c.high_threshold = uniform(200, 40000);
      c.low_threshold = chance(0.1) ? c.high_threshold + 10 : uniform(0, c.high_threshold);
    }
    if (chance(0.2)) {
      c.max_fragments_per_datagram = uniform(1, 12);
    }
    if (chance(0.2)) {
      c.max_datagrams = uniform(1, 6);
    }
    c.strip_options = chance(0.3);
    return c;
  }

  // A valid options area: a few options, some with the copied flag, padded.
  std::vector<std::uint8_t> options() {
    std::vector<std::uint8_t> o;
    const std::size_t n = uniform(0, 4);
    for (std::size_t i = 0; i < n && o.size() < 30; ++i) {
      const std::size_t kind = uniform(0, 3);
      if (kind == 0) {
        o.push_back(1);  // NOP
      } else {
        const std::size_t len = uniform(2, 8);
        o.push_back(static_cast<std::uint8_t>((kind == 1 ? 0x80 : 0x00) | 0x07 | (kind << 2)));
        o.push_back(static_cast<std::uint8_t>(len));
        for (std::size_t j = 2; j < len; ++j) {
          o.push_back(static_cast<std::uint8_t>(uniform(0, 255)));
        }
      }
    }
    if (chance(0.3)) {
      o.push_back(0);  // EOL, then padding (possibly non-zero garbage)
      while (o.size() % 4 != 0) {
        o.push_back(static_cast<std::uint8_t>(chance(0.5) ? 0 : uniform(0, 255)));
      }
    }
    while (o.size() % 4 != 0) {
      o.push_back(0);
    }
    return o;
  }

  // A malformed packet of some kind.
  std::vector<std::uint8_t> garbage(const RawPacket& like) {
    RawPacket r = like;
    std::vector<std::uint8_t> p = emit_raw(r);
    switch (uniform(0, 7)) {
      case 0:
        return bytes(uniform(0, 40));
      case 1:
        p[0] = static_cast<std::uint8_t>((uniform(0, 15) << 4) | (p[0] & 0x0f));
        return p;
      case 2:
        p[0] = static_cast<std::uint8_t>(0x40 | uniform(0, 15));
        return p;
      case 3:
        p.resize(uniform(0, p.size()));
        return p;
      case 4:
        p[uniform(0, std::min<std::size_t>(p.size(), 20) - 1)] ^= 0x10;  // checksum fails
        return p;
      case 5: {
        r.options = {0x83, 0x09, 1, 2};  // length runs past the area
        return emit_raw(r);
      }
      case 6:
        p.resize(p.size() + uniform(1, 8), 0xee);  // link padding: fine
        return p;
      default:
        store_be16(MutableBytes{p}, 2, static_cast<std::uint16_t>(p.size() + 1));
        return p;
    }
  }

 private:
  std::mt19937_64 rng_;
};

}  // namespace ip4ref::test
