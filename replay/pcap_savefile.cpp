// pcap_savefile.cpp: classic pcap file and record headers (pcap_savefile.h).
#include "pcap_savefile.h"

#include <pcap/pcap.h>

namespace ip4ref::replay {
namespace {

// Magic numbers as the little-endian reading of the file's first 4 octets.
constexpr std::uint32_t kMagicMicro = 0xa1b2c3d4;         // written little-endian
constexpr std::uint32_t kMagicNano = 0xa1b23c4d;          // written little-endian
constexpr std::uint32_t kMagicMicroSwapped = 0xd4c3b2a1;  // written big-endian
constexpr std::uint32_t kMagicNanoSwapped = 0x4d3cb2a1;   // written big-endian
constexpr std::uint16_t kVersionMajor = 2;
constexpr std::uint16_t kVersionMinor = 4;  // 2.3 and older: caplen / len maybe swapped

// Field offsets in the file header (diagram in pcap_savefile.h).
constexpr std::size_t kMajorAt = 4;
constexpr std::size_t kMinorAt = 6;
constexpr std::size_t kSnaplenAt = 16;
constexpr std::size_t kLinkTypeAt = 20;

constexpr std::uint32_t load_le32(Bytes b, std::size_t at) {
  return std::uint32_t{b[at]} | (std::uint32_t{b[at + 1]} << 8) |
         (std::uint32_t{b[at + 2]} << 16) | (std::uint32_t{b[at + 3]} << 24);
}

constexpr std::uint16_t load_le16(Bytes b, std::size_t at) {
  return static_cast<std::uint16_t>(b[at] | (b[at + 1] << 8));
}

std::uint32_t load32(Bytes b, std::size_t at, bool big_endian) {
  return big_endian ? load_be32(b, at) : load_le32(b, at);
}

std::uint16_t load16(Bytes b, std::size_t at, bool big_endian) {
  return big_endian ? load_be16(b, at) : load_le16(b, at);
}

// LINKTYPE_* value in the file -> DLT_* value libpcap reports, for the link
// types decode_link() reads (https://www.tcpdump.org/linktypes.html). Only
// LINKTYPE_RAW differs (101 in files, DLT_RAW = 12 on Linux). Others: -1.
int dlt_of_linktype(std::uint32_t linktype) {
  switch (linktype) {
    case 0:
      return DLT_NULL;
    case 1:
      return DLT_EN10MB;
    case 101:
      return DLT_RAW;
    case 108:
      return DLT_LOOP;
    case 113:
      return DLT_LINUX_SLL;
    case 228:
      return DLT_IPV4;
    case 229:
      return DLT_IPV6;
    case 276:
      return DLT_LINUX_SLL2;
    default:
      return -1;
  }
}

}  // namespace

std::optional<SavefileHeader> classic_header(Bytes b) {
  // Too short: libpcap names how many octets it got.
  if (b.size() < kSavefileHeaderLength) {
    return std::nullopt;
  }
  SavefileHeader h;
  const std::uint32_t magic = load_le32(b, 0);
  // pcap-savefile(5): the magic, read in the writer's byte order, is 0xa1b2c3d4
  // (microseconds) or 0xa1b23c4d (nanoseconds); byte-swapped, the other order.
  if (magic == kMagicMicro || magic == kMagicNano) {
    h.big_endian = false;
  } else if (magic == kMagicMicroSwapped || magic == kMagicNanoSwapped) {
    h.big_endian = true;
  } else {
    return std::nullopt;  // pcapng, "modified" pcap, or not a capture: libpcap decides
  }
  h.nanoseconds = magic == kMagicNano || magic == kMagicNanoSwapped;
  // Version 2.4 only: libpcap swaps caplen and len in older minor versions.
  if (load16(b, kMajorAt, h.big_endian) != kVersionMajor ||
      load16(b, kMinorAt, h.big_endian) != kVersionMinor) {
    return std::nullopt;
  }
  // The upper 16 bits carry the FCS length and reserved bits: left to libpcap.
  const std::uint32_t linktype = load32(b, kLinkTypeAt, h.big_endian);
  h.dlt = dlt_of_linktype(linktype);
  if (linktype > 0xffff || h.dlt < 0) {
    return std::nullopt;
  }
  // The snapshot length as Debian's libpcap 1.10.3 keeps it (checked against
  // it by the pcap_reader fuzz target, which found the difference): a value
  // that is not positive as a C int means the maximum; any other value is
  // kept, even above the maximum.
  const std::uint32_t snaplen = load32(b, kSnaplenAt, h.big_endian);
  h.snapshot = (snaplen == 0 || snaplen > 0x7fffffffu) ? kMaxSnaplen : snaplen;
  return h;
}

std::string record_length_error(const RecordHeader& r, const SavefileHeader& file) {
  // libpcap: a record above MAXIMUM_SNAPLEN is "damaged or fuzzed"; the
  // message names the snapshot length when the record is longer than that too.
  if (r.captured <= kMaxSnaplen) {
    return "";
  }
  if (r.captured > file.snapshot) {
    return "invalid packet capture length " + std::to_string(r.captured) +
           ", bigger than snaplen of " + std::to_string(file.snapshot);
  }
  return "invalid packet capture length " + std::to_string(r.captured) +
         ", bigger than maximum of " + std::to_string(kMaxSnaplen);
}

std::string record_truncated_error(const RecordHeader& r, const SavefileHeader& file,
                                   std::size_t available) {
  // libpcap reads a record longer than the snapshot length in two steps (the
  // snapshot, then the rest to discard) and names the step that came up short.
  const std::uint32_t wanted =
      (r.captured > file.snapshot && available < file.snapshot) ? file.snapshot : r.captured;
  return "truncated dump file; tried to read " + std::to_string(wanted) +
         " captured bytes, only got " + std::to_string(available);
}

std::string record_header_truncated_error(std::size_t available) {
  return "truncated dump file; tried to read " + std::to_string(kRecordHeaderLength) +
         " header bytes, only got " + std::to_string(available);
}

}  // namespace ip4ref::replay
