// link_decoder.cpp: link-layer headers, per https://www.tcpdump.org/linktypes.html.
#include "link_decoder.h"

#include <pcap/pcap.h>

namespace ip4ref::replay {
namespace {

constexpr std::uint16_t kEthertypeIpv4 = 0x0800;
constexpr std::uint16_t kEthertypeVlan = 0x8100;     // IEEE 802.1Q C-tag
constexpr std::uint16_t kEthertypeQinQ = 0x88a8;     // IEEE 802.1ad S-tag
constexpr std::uint16_t kEthertypeQinQOld = 0x9100;  // pre-802.1ad QinQ, still seen
constexpr std::size_t kVlanTagLength = 4;            // TCI (2) + inner type (2)
constexpr std::size_t kMaxVlanTags = 8;              // bound the loop on hostile input
constexpr std::uint32_t kAfInet = 2;                 // AF_INET on every BSD, Linux, macOS

LinkDecode truncated() {
  return LinkDecode{LinkPayload::kTruncated, {}};
}
LinkDecode other() {
  return LinkDecode{LinkPayload::kOther, {}};
}
LinkDecode ipv4(Bytes b) {
  return LinkDecode{LinkPayload::kIpv4, b};
}

bool is_vlan(std::uint16_t type) {
  return type == kEthertypeVlan || type == kEthertypeQinQ || type == kEthertypeQinQOld;
}

// `type` is the EtherType found at the end of a link header, `rest` what
// follows it. Skips 802.1Q / 802.1ad tags (each: TCI, then the next type).
LinkDecode by_ethertype(std::uint16_t type, Bytes rest) {
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
LinkDecode ethernet(Bytes f) {
  constexpr std::size_t kHeader = 14;
  if (f.size() < kHeader) {
    return truncated();
  }
  return by_ethertype(load_be16(f, 12), f.subspan(kHeader));
}

// LINKTYPE_LINUX_SLL: packet type (2), ARPHRD type (2), address length (2),
// address (8), protocol type (2). The protocol is an EtherType for the
// Ethernet-like ARPHRD types IPv4 arrives on.
LinkDecode linux_sll(Bytes f) {
  constexpr std::size_t kHeader = 16;
  if (f.size() < kHeader) {
    return truncated();
  }
  return by_ethertype(load_be16(f, 14), f.subspan(kHeader));
}

// LINKTYPE_LINUX_SLL2: protocol type (2), reserved (2), interface index (4),
// ARPHRD type (2), packet type (1), address length (1), address (8).
LinkDecode linux_sll2(Bytes f) {
  constexpr std::size_t kHeader = 20;
  if (f.size() < kHeader) {
    return truncated();
  }
  return by_ethertype(load_be16(f, 0), f.subspan(kHeader));
}

// LINKTYPE_RAW: "the packet begins with an IPv4 or IPv6 header, with the
// version field of the header indicating whether it's an IPv4 or IPv6 header".
LinkDecode raw_ip(Bytes f) {
  if (f.empty()) {
    return truncated();
  }
  return (f[0] >> 4) == 4 ? ipv4(f) : other();
}

// LINKTYPE_NULL: a 4-octet address family in the capturing host's byte order;
// LINKTYPE_LOOP: the same in network byte order. Captures are moved between
// hosts (macOS utun captures, say), so both orders are accepted for both.
LinkDecode bsd_loopback(Bytes f) {
  constexpr std::size_t kHeader = 4;
  if (f.size() < kHeader) {
    return truncated();
  }
  const std::uint32_t family = load_be32(f, 0);
  const bool inet = family == kAfInet || family == (kAfInet << 24);
  return inet ? ipv4(f.subspan(kHeader)) : other();
}

}  // namespace

bool link_type_supported(int dlt) {
  switch (dlt) {
    case DLT_EN10MB:
    case DLT_LINUX_SLL:
    case DLT_LINUX_SLL2:
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
    case DLT_NULL:
    case DLT_LOOP:
      return true;
    default:
      return false;
  }
}

std::string link_type_name(int dlt) {
  if (const char* name = pcap_datalink_val_to_name(dlt)) {
    return name;
  }
  return "DLT " + std::to_string(dlt);
}

LinkDecode decode_link(int dlt, Bytes frame) {
  switch (dlt) {
    case DLT_EN10MB:
      return ethernet(frame);
    case DLT_LINUX_SLL:
      return linux_sll(frame);
    case DLT_LINUX_SLL2:
      return linux_sll2(frame);
    case DLT_RAW:
      return raw_ip(frame);
    case DLT_IPV4:
      return frame.empty() ? truncated() : ipv4(frame);
    case DLT_NULL:
    case DLT_LOOP:
      return bsd_loopback(frame);
    default:
      return other();  // DLT_IPV6, and anything unsupported
  }
}

}  // namespace ip4ref::replay
