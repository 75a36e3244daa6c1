// stack_input.h: the input format of the `stack` fuzz target (also written by
// gen_corpus): a 4-octet prefix of stack knobs, then a fuzz trace (trace.h,
// format in fuzz/README.md) read with decode_lenient. Lenient like the trace:
// missing prefix octets read as zero (the defaults), unused bits are ignored,
// so any bytes are an input.
//
//   0  u8   link       bits 0-2 link MTU: 1500 576 68 296 1006 1280 4352 9000
//                      bits 3-4 reply_queue_slots: 4 1 2 3
//                      bits 5-6 MemoryLink capacity per direction: 64 2 8 16
//                      bit 7 burst: consecutive packet records arrive together
//                      (the stacks are polled once the link toward them is full,
//                      or at the next record that is not a packet)
//   1  u8   flags      bit 0 answer_echo off, bit 1 send_time_exceeded off,
//                      bit 2 send_unreachable off, bit 3 shuffle_fragments,
//                      bit 4 no default gateway, bit 5 an ICMP handler,
//                      bit 6 raw handlers for protocols 6 and 253,
//                      bit 7 UDP receivers on ports 53 and 0x6161
//   2  u16  id_seed    identification_seed (and shuffle_seed)
//   4  ...  trace      the reassembly config, then the records
//
// The stack is 192.0.2.2/24 and 198.51.100.2/24 (RFC 5737), gateway
// 192.0.2.254. Records of the trace: a packet record (raw, or a fragment spec
// expanded) arrives from the link; a fragment spec of address pair 1
// (192.0.2.2 > 192.0.2.1: the stack's own address) is a *send* instead: the
// stack calls ip_write(the expanded packet's payload, the flow's protocol,
// destination by offset & 3: 192.0.2.1, 198.51.100.7, 203.0.113.9 (off-link,
// through the gateway), 255.255.255.255), DF from the spec, TOS = its ECN
// bits; with MF set it calls udp_send(0x6161 -> 53) with that payload instead.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <variant>
#include <vector>

#include "ip4ref/bytes.h"
#include "trace.h"

namespace ip4ref::fuzz {

inline constexpr std::size_t kStackPrefixSize = 4;
inline constexpr std::array<std::size_t, 8> kStackMtus = {1500, 576, 68, 296, 1006, 1280, 4352, 9000};
inline constexpr std::array<std::size_t, 4> kStackReplySlots = {4, 1, 2, 3};
inline constexpr std::array<std::size_t, 4> kStackLinkCapacity = {64, 2, 8, 16};

// What the `stack` target decodes from one input: at most this many records
// and packet octets (sends included), so one exec stays cheap.
inline constexpr trace::LenientLimits kStackLimits{512, std::size_t{512} << 10};

// The flow address pair whose fragment specs are sends (trace.h flow_key).
inline constexpr std::uint8_t kSendAddressPair = 1;
inline constexpr std::array<std::uint32_t, 4> kSendDestinations = {
    0xc0000201,  // 192.0.2.1: on-link
    0xc6336407,  // 198.51.100.7: on-link (second address)
    0xcb007109,  // 203.0.113.9: off-link, through the gateway
    0xffffffff,  // limited broadcast
};
inline constexpr std::uint16_t kStackUdpPortA = 53;
inline constexpr std::uint16_t kStackUdpPortB = 0x6161;

struct StackKnobs {
  std::uint8_t mtu_index = 0;
  std::uint8_t reply_index = 0;
  std::uint8_t capacity_index = 0;
  bool burst = false;
  bool no_echo = false;
  bool no_time_exceeded = false;
  bool no_unreachable = false;
  bool shuffle = false;
  bool no_gateway = false;
  bool icmp_handler = false;
  bool raw_handlers = false;
  bool udp_receivers = false;
  std::uint16_t id_seed = 0;

  std::size_t mtu() const { return kStackMtus[mtu_index % 8]; }
  std::size_t reply_slots() const { return kStackReplySlots[reply_index % 4]; }
  std::size_t link_capacity() const { return kStackLinkCapacity[capacity_index % 4]; }
};

struct StackInput {
  StackKnobs knobs;
  trace::Trace trace;
};

inline StackInput decode_stack_input(Bytes bytes) {
  std::array<std::uint8_t, kStackPrefixSize> p{};
  for (std::size_t i = 0; i < p.size() && i < bytes.size(); ++i) {
    p[i] = bytes[i];
  }
  StackInput in;
  StackKnobs& k = in.knobs;
  k.mtu_index = p[0] & 0x07u;
  k.reply_index = (p[0] >> 3) & 0x03u;
  k.capacity_index = (p[0] >> 5) & 0x03u;
  k.burst = (p[0] & 0x80u) != 0;
  k.no_echo = (p[1] & 0x01u) != 0;
  k.no_time_exceeded = (p[1] & 0x02u) != 0;
  k.no_unreachable = (p[1] & 0x04u) != 0;
  k.shuffle = (p[1] & 0x08u) != 0;
  k.no_gateway = (p[1] & 0x10u) != 0;
  k.icmp_handler = (p[1] & 0x20u) != 0;
  k.raw_handlers = (p[1] & 0x40u) != 0;
  k.udp_receivers = (p[1] & 0x80u) != 0;
  k.id_seed = static_cast<std::uint16_t>(p[2] << 8 | p[3]);
  const Bytes rest = bytes.size() > kStackPrefixSize ? bytes.subspan(kStackPrefixSize) : Bytes{};
  in.trace = trace::decode_lenient(rest, kStackLimits);
  return in;
}

inline std::vector<std::uint8_t> encode_stack_input(const StackKnobs& k, const trace::Trace& t) {
  std::vector<std::uint8_t> out(kStackPrefixSize);
  out[0] = static_cast<std::uint8_t>((k.mtu_index & 7u) | (k.reply_index & 3u) << 3 |
                                     (k.capacity_index & 3u) << 5 | (k.burst ? 0x80u : 0u));
  out[1] = static_cast<std::uint8_t>(
      (k.no_echo ? 0x01u : 0u) | (k.no_time_exceeded ? 0x02u : 0u) |
      (k.no_unreachable ? 0x04u : 0u) | (k.shuffle ? 0x08u : 0u) | (k.no_gateway ? 0x10u : 0u) |
      (k.icmp_handler ? 0x20u : 0u) | (k.raw_handlers ? 0x40u : 0u) |
      (k.udp_receivers ? 0x80u : 0u));
  out[2] = static_cast<std::uint8_t>(k.id_seed >> 8);
  out[3] = static_cast<std::uint8_t>(k.id_seed);
  const std::vector<std::uint8_t> body = trace::encode(t);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

// True when a fragment spec is a send (its flow's address pair is the stack's).
inline bool is_send(const trace::FragmentSpec& s) {
  return (s.flow & 0x03u) == kSendAddressPair;
}

// True when a record is a packet that arrives from the link.
inline bool is_arrival(const trace::Record& r) {
  if (const auto* spec = std::get_if<trace::FragmentSpec>(&r)) {
    return !is_send(*spec);
  }
  return std::holds_alternative<trace::RawPacket>(r);
}

}  // namespace ip4ref::fuzz
