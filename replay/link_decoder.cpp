// link_decoder.cpp: the link types the decoder supports, and their names
// (decode_link() itself is inline in link_decoder.h: once per packet).
#include "link_decoder.h"

#include <pcap/pcap.h>

namespace ip4ref::replay {

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

}  // namespace ip4ref::replay
