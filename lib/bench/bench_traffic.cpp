// bench_traffic.cpp: benchmark traffic, reproducible from a seed.
#include "bench_traffic.h"

#include <algorithm>
#include <random>

#include "ip4ref/checksum.h"
#include "ip4ref/fast_fragmenter.h"
#include "ip4ref/ipv4_header.h"

namespace ip4ref::bench {
namespace {

constexpr std::uint32_t kSource = 0xc0000200;       // 192.0.2.0/24 (RFC 5737)
constexpr std::uint32_t kDestination = 0xc6336401;  // 198.51.100.1

Packet build(std::uint32_t key, std::size_t offset, bool more, const std::uint8_t* data,
             std::size_t length, bool options) {
  const std::size_t hl = options ? 28 : 20;
  Packet p(hl + length);
  const MutableBytes b{p};
  p[0] = static_cast<std::uint8_t>(0x40 | (hl / 4));
  store_be16(b, 2, static_cast<std::uint16_t>(p.size()));
  store_be16(b, 4, static_cast<std::uint16_t>(key & 0xffff));
  store_be16(b, 6, static_cast<std::uint16_t>((more ? 0x2000 : 0) | (offset / 8)));
  p[8] = 64;
  p[9] = 17;
  store_be32(b, 12, kSource + ((key >> 16) & 0xff));
  store_be32(b, 16, kDestination);
  if (options) {
    const std::uint8_t o[8] = {0x94, 0x04, 0, 0, 0x07, 0x03, 0x04, 0x00};  // router alert, RR
    std::copy(o, o + 8, p.begin() + 20);
  }
  store_be16(b, 10, internet_checksum(Bytes{p}.first(hl)));
  std::copy(data, data + length, p.begin() + static_cast<std::ptrdiff_t>(hl));
  return p;
}

std::vector<std::uint8_t> random_bytes(std::size_t n, std::mt19937_64& rng) {
  std::vector<std::uint8_t> v(n);
  for (auto& x : v) {
    x = static_cast<std::uint8_t>(rng());
  }
  return v;
}

std::size_t payload_of(const Packet& p) {
  return p.size() - std::size_t{p[0] & 0x0fu} * 4;
}

}  // namespace

Packet make_datagram(std::size_t size, bool options, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const auto data = random_bytes(size, rng);
  return build(static_cast<std::uint32_t>(seed), 0, false, data.data(), size, options);
}

Traffic make_trains(std::size_t datagrams, std::size_t size, std::size_t mtu, Order order,
                    std::size_t flows, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  Traffic t;
  const auto data = random_bytes(size, rng);
  for (std::size_t first = 0; first < datagrams; first += flows) {
    std::vector<std::vector<Packet>> group;
    for (std::size_t i = first; i < std::min(datagrams, first + flows); ++i) {
      const Packet whole = build(static_cast<std::uint32_t>(i), 0, false, data.data(), size, false);
      std::vector<Packet> frags = fast::fragment(whole, mtu).fragments;
      if (order == Order::kReversed) {
        std::reverse(frags.begin(), frags.end());
      } else if (order == Order::kRandom) {
        std::shuffle(frags.begin(), frags.end(), rng);
      }
      group.push_back(std::move(frags));
      ++t.datagrams;
    }
    for (std::size_t k = 0;; ++k) {
      bool any = false;
      for (const auto& frags : group) {
        if (k < frags.size()) {
          t.packets.push_back(frags[k]);
          t.payload_octets += payload_of(frags[k]);
          any = true;
        }
      }
      if (!any) {
        break;
      }
    }
  }
  return t;
}

Traffic make_storm(std::size_t size, std::size_t count, std::size_t max_len, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  Traffic t;
  const auto data = random_bytes(size, rng);
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t off = rng() % (size / 8) * 8;
    std::size_t len = (8 + rng() % max_len) / 8 * 8;
    len = std::min(len, (size - off) / 8 * 8);
    if (len == 0) {
      continue;
    }
    t.packets.push_back(build(7, off, true, data.data() + off, len, false));
    t.payload_octets += len;
  }
  for (std::size_t at = 0; at < size; at += 1024) {
    const std::size_t len = std::min<std::size_t>(1024, size - at);
    t.packets.push_back(build(7, at, at + len < size, data.data() + at, len, false));
    t.payload_octets += len;
  }
  t.datagrams = 1;
  return t;
}

Traffic make_flood(std::size_t count, std::size_t size, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  Traffic t;
  const auto data = random_bytes(size, rng);
  for (std::size_t i = 0; i < count; ++i) {
    t.packets.push_back(build(static_cast<std::uint32_t>(i), 0, true, data.data(), size, false));
    t.payload_octets += size;
  }
  t.datagrams = count;
  return t;
}

}  // namespace ip4ref::bench
