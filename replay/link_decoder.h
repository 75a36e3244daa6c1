// link_decoder.h: from one captured link-layer frame to the IPv4 packet it
// carries, for the link types the replay tool reads.
//
// Link-layer header formats: https://www.tcpdump.org/linktypes.html
// (LINKTYPE_* values in the file map to the DLT_* values libpcap returns from
// pcap_datalink(); the decoder takes the DLT_* value).
#pragma once

#include <pcap/dlt.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "ip4ref/bytes.h"

namespace ip4ref::replay {

enum class LinkPayload {
  kIpv4,       // `ipv4` holds the frame's network-layer octets (not yet parsed)
  kOther,      // another protocol (IPv6, ARP, ...): counted and skipped
  kTruncated,  // the frame ends inside its link-layer header: counted and skipped
};

struct LinkDecode {
  LinkPayload kind = LinkPayload::kOther;
  Bytes ipv4;  // a subspan of the frame when kind == kIpv4
};

// True for the DLT_* values decode_link() understands:
//   DLT_EN10MB (1)       Ethernet II, any number of 802.1Q / 802.1ad tags
//   DLT_LINUX_SLL (113)  Linux cooked capture v1
//   DLT_LINUX_SLL2 (276) Linux cooked capture v2
//   DLT_RAW (12 on Linux; LINKTYPE_RAW 101) raw IP, version from the first nibble
//   DLT_IPV4 (228)       raw IPv4
//   DLT_IPV6 (229)       raw IPv6: read, every packet skipped as not IPv4
//   DLT_NULL (0), DLT_LOOP (108) BSD loopback: 4-octet address family
bool link_type_supported(int dlt);

// "EN10MB", "LINUX_SLL2", ... (libpcap's name) or "DLT <n>" when unknown.
std::string link_type_name(int dlt);

namespace link_detail {

constexpr std::uint16_t kEthertypeIpv4 = 0x0800;
constexpr std::uint16_t kEthertypeVlan = 0x8100;     // IEEE 802.1Q C-tag
constexpr std::uint16_t kEthertypeQinQ = 0x88a8;     // IEEE 802.1ad S-tag
constexpr std::uint16_t kEthertypeQinQOld = 0x9100;  // pre-802.1ad QinQ, still seen
constexpr std::size_t kVlanTagLength = 4;            // TCI (2) + inner type (2)
constexpr std::size_t kMaxVlanTags = 8;              // bound the loop on hostile input
constexpr std::uint32_t kAfInet = 2;                 // AF_INET on every BSD, Linux, macOS

inline LinkDecode truncated() {
  return LinkDecode{LinkPayload::kTruncated, {}};
}
inline LinkDecode other() {
  return LinkDecode{LinkPayload::kOther, {}};
}
inline LinkDecode ipv4(Bytes b) {
  return LinkDecode{LinkPayload::kIpv4, b};
}

inline bool is_vlan(std::uint16_t type) {
  return type == kEthertypeVlan || type == kEthertypeQinQ || type == kEthertypeQinQOld;
}

// `type` is the EtherType found at the end of a link header, `rest` what
// follows it. Skips 802.1Q / 802.1ad tags (each: TCI, then the next type).
inline LinkDecode by_ethertype(std::uint16_t type, Bytes rest) {
  for (std::size_t tags = 0; is_vlan(type); ++tags) {
    if (tags == kMaxVlanTags) {
      return other();
    }
    if (rest.size() < kVlanTagLength) {
      return truncated();
    }
    type = load_be16(rest, 2);
    rest = rest.subspan(kVlanTagLength);
  }
  return type == kEthertypeIpv4 ? ipv4(rest) : other();
}

// LINKTYPE_ETHERNET: destination (6), source (6), EtherType (2). An EtherType
// <= 1500 is an IEEE 802.3 length (LLC follows): not IPv4 here.
inline LinkDecode ethernet(Bytes f) {
  constexpr std::size_t kHeader = 14;
  if (f.size() < kHeader) {
    return truncated();
  }
  return by_ethertype(load_be16(f, 12), f.subspan(kHeader));
}

// LINKTYPE_LINUX_SLL: packet type (2), ARPHRD type (2), address length (2),
// address (8), protocol type (2). The protocol is an EtherType for the
// Ethernet-like ARPHRD types IPv4 arrives on.
inline LinkDecode linux_sll(Bytes f) {
  constexpr std::size_t kHeader = 16;
  if (f.size() < kHeader) {
    return truncated();
  }
  return by_ethertype(load_be16(f, 14), f.subspan(kHeader));
}

// LINKTYPE_LINUX_SLL2: protocol type (2), reserved (2), interface index (4),
// ARPHRD type (2), packet type (1), address length (1), address (8).
inline LinkDecode linux_sll2(Bytes f) {
  constexpr std::size_t kHeader = 20;
  if (f.size() < kHeader) {
    return truncated();
  }
  return by_ethertype(load_be16(f, 0), f.subspan(kHeader));
}

// LINKTYPE_RAW: "the packet begins with an IPv4 or IPv6 header, with the
// version field of the header indicating whether it's an IPv4 or IPv6 header".
inline LinkDecode raw_ip(Bytes f) {
  if (f.empty()) {
    return truncated();
  }
  return (f[0] >> 4) == 4 ? ipv4(f) : other();
}

// LINKTYPE_NULL: a 4-octet address family in the capturing host's byte order;
// LINKTYPE_LOOP: the same in network byte order. Captures are moved between
// hosts (macOS utun captures, say), so both orders are accepted for both.
inline LinkDecode bsd_loopback(Bytes f) {
  constexpr std::size_t kHeader = 4;
  if (f.size() < kHeader) {
    return truncated();
  }
  const std::uint32_t family = load_be32(f, 0);
  const bool inet = family == kAfInet || family == (kAfInet << 24);
  return inet ? ipv4(f.subspan(kHeader)) : other();
}

}  // namespace link_detail

// Precondition: link_type_supported(dlt). Never reads past frame. Always
// inlined: called once per packet, and an out-of-line call returns the
// struct through memory, which the caller then reads back wider than it was
// written (g++ 12 stopped inlining it once the reader had a fast path).
[[gnu::always_inline]] inline LinkDecode decode_link(int dlt, Bytes frame) {
  switch (dlt) {
    case DLT_EN10MB:
      return link_detail::ethernet(frame);
    case DLT_LINUX_SLL:
      return link_detail::linux_sll(frame);
    case DLT_LINUX_SLL2:
      return link_detail::linux_sll2(frame);
    case DLT_RAW:
      return link_detail::raw_ip(frame);
    case DLT_IPV4:
      return frame.empty() ? link_detail::truncated() : link_detail::ipv4(frame);
    case DLT_NULL:
    case DLT_LOOP:
      return link_detail::bsd_loopback(frame);
    default:
      return link_detail::other();  // DLT_IPV6, and anything unsupported
  }
}

}  // namespace ip4ref::replay
