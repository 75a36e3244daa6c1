// link_decoder.h: from one captured link-layer frame to the IPv4 packet it
// carries, for the link types the replay tool reads.
//
// Link-layer header formats: https://www.tcpdump.org/linktypes.html
// (LINKTYPE_* values in the file map to the DLT_* values libpcap returns from
// pcap_datalink(); the decoder takes the DLT_* value).
#pragma once

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

// Precondition: link_type_supported(dlt). Never reads past frame.
LinkDecode decode_link(int dlt, Bytes frame);

}  // namespace ip4ref::replay
