// roundtrip_input.h: the input format of the fragment_roundtrip target (also
// written by gen_corpus). 16 octets, big-endian; missing octets read as zero,
// every value is usable (lenient), so any bytes are an input:
//
//   0  u16  mtu             link MTU (< 68 checks the kMtuTooSmall error); an MTU
//                           that would make more than 128 pieces is raised to
//                           make 128 (cost; lib/test covers 65535 octets at MTU 68)
//   2  u16  length          payload octets, clamped to 65535 - header length
//   4  u8   header          bits 0-2 options variant (trace.h OptionsVariant),
//                           bit 3 DF, bit 4 reserved flag, bit 5 strip_options,
//                           bits 6-7 the ECN field (RFC 3168)
//   5  u8   flow            trace.h flow_key(flow % 64)
//   6  u8   fill            bits 0-1 trace.h Fill
//   7  u8   seed            fill seed
//   8  u8   order           0 in order, 1 reversed, 2 shuffled, 3 odd pieces first
//   9  u32  order_seed      shuffle and duplicate choice
//  13  u8   duplicates      low 4 bits: extra copies of randomly chosen pieces
//  14  u16  refragment_mtu  < 68: none; else every other piece is fragmented again
//                           (into at most 16 sub-pieces, the MTU raised like `mtu`)
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "ip4ref/bytes.h"
#include "trace.h"

namespace ip4ref::fuzz {

struct RoundtripInput {
  std::uint16_t mtu = 1500;
  std::uint16_t length = 0;
  trace::OptionsVariant options = trace::OptionsVariant::kNone;
  bool dont_fragment = false;
  bool reserved_flag = false;
  bool strip_options = false;
  std::uint8_t ecn = 0;
  std::uint8_t flow = 0;
  trace::Fill fill = trace::Fill::kDatagramCounter;
  std::uint8_t seed = 0;
  std::uint8_t order = 0;
  std::uint32_t order_seed = 0;
  std::uint8_t duplicates = 0;
  std::uint16_t refragment_mtu = 0;
};

inline constexpr std::size_t kRoundtripInputSize = 16;

inline RoundtripInput decode_roundtrip(Bytes in) {
  std::uint8_t b[kRoundtripInputSize] = {};
  for (std::size_t i = 0; i < kRoundtripInputSize && i < in.size(); ++i) {
    b[i] = in[i];
  }
  const Bytes v{b};
  RoundtripInput r;
  r.mtu = load_be16(v, 0);
  r.options = static_cast<trace::OptionsVariant>(b[4] & 0x07);
  r.length = static_cast<std::uint16_t>(
      std::min<std::size_t>(load_be16(v, 2), trace::max_fragment_length(r.options)));
  r.dont_fragment = (b[4] & 0x08) != 0;
  r.reserved_flag = (b[4] & 0x10) != 0;
  r.strip_options = (b[4] & 0x20) != 0;
  r.ecn = static_cast<std::uint8_t>(b[4] >> 6);
  r.flow = static_cast<std::uint8_t>(b[5] % trace::kFlows);
  r.fill = static_cast<trace::Fill>(b[6] & 0x03);
  r.seed = b[7];
  r.order = b[8] & 0x03;
  r.order_seed = load_be32(v, 9);
  r.duplicates = b[13] & 0x0f;
  r.refragment_mtu = load_be16(v, 14);
  return r;
}

inline std::vector<std::uint8_t> encode_roundtrip(const RoundtripInput& r) {
  std::vector<std::uint8_t> b(kRoundtripInputSize, 0);
  const MutableBytes v{b};
  store_be16(v, 0, r.mtu);
  store_be16(v, 2, r.length);
  b[4] = static_cast<std::uint8_t>((static_cast<unsigned>(r.options) & 0x07) |
                                   (r.dont_fragment ? 0x08 : 0) | (r.reserved_flag ? 0x10 : 0) |
                                   (r.strip_options ? 0x20 : 0) | ((r.ecn & 0x03) << 6));
  b[5] = r.flow;
  b[6] = static_cast<std::uint8_t>(r.fill);
  b[7] = r.seed;
  b[8] = r.order;
  store_be32(v, 9, r.order_seed);
  b[13] = r.duplicates;
  store_be16(v, 14, r.refragment_mtu);
  return b;
}

// The datagram the input describes: one of the trace flows, unfragmented.
inline std::vector<std::uint8_t> roundtrip_datagram(const RoundtripInput& r) {
  trace::FragmentSpec s;
  s.flow = r.flow;
  s.length = r.length;
  s.dont_fragment = r.dont_fragment;
  s.reserved_flag = r.reserved_flag;
  s.options = r.options;
  s.fill = r.fill;
  s.seed = r.seed;
  s.ecn = r.ecn;
  return trace::expand(s);
}

}  // namespace ip4ref::fuzz
