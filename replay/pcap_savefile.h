// pcap_savefile.h: the classic libpcap capture file format ("savefile"), the
// part ip4ref reads without libpcap for speed: the 24-octet file header and
// the 16-octet record header, in either byte order, with micro- or
// nanosecond timestamps.
//
// Format: https://www.tcpdump.org/manpages/pcap-savefile.5.html and
// draft-ietf-opsawg-pcap ("PCAP Capture File Format"). Where the format leaves
// a choice (snapshot length 0 or huge, a record longer than the snapshot
// length), the rules and messages are those of the libpcap this tool links
// (Debian 12: 1.10.3; sf-pcap.c pcap_check_header / pcap_next_packet, e.g.
// github.com/the-tcpdump-group/libpcap commit 028ce6676bcf), so that this
// reader and libpcap return the same records and refuse the same files with
// the same words: the pcap_reader fuzz target checks that on every input.
//
// Everything else (pcapng, the 24-octet records of "modified" pcap, versions
// other than 2.4, link types this tool does not decode, FCS bits in the link
// type field) is not classic_header(): capture_reader.cpp hands it to libpcap.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "ip4ref/bytes.h"

namespace ip4ref::replay {

inline constexpr std::size_t kSavefileHeaderLength = 24;
inline constexpr std::size_t kRecordHeaderLength = 16;  // ts_sec, ts_frac, caplen, len
// libpcap's MAXIMUM_SNAPLEN: the largest record it considers sane for every
// link type this tool decodes (max_snaplen_for_dlt()).
inline constexpr std::uint32_t kMaxSnaplen = 262144;

//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  0|                          Magic Number                         |
//  4|          Major Version        |         Minor Version         |
//  8|                           Reserved1 (thiszone)                |
// 12|                           Reserved2 (sigfigs)                 |
// 16|                            SnapLen                            |
// 20| FCS |f|  reserved (0)       |            LinkType             |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// All fields in the writer's byte order, which the magic reveals.
struct SavefileHeader {
  bool big_endian = false;    // fields are most significant octet first
  bool nanoseconds = false;   // magic 0xa1b23c4d (else 0xa1b2c3d4: microseconds)
  std::uint32_t snapshot = 0; // snapshot length as libpcap keeps it (1..2^31-1)
  int dlt = 0;                // the link type as a libpcap DLT_* value
};

// The file header when it is one this reader handles: magic 0xa1b2c3d4 or
// 0xa1b23c4d in either byte order, version 2.4, link type field with no
// FCS / reserved bits and a link type decode_link() supports. nullopt for
// anything else, including fewer than 24 octets: libpcap then reads it (or
// names what is wrong with it).
std::optional<SavefileHeader> classic_header(Bytes first_octets);

struct RecordHeader {
  std::uint32_t ts_seconds = 0;
  std::uint32_t ts_fraction = 0;  // microseconds or nanoseconds (not range-checked, as libpcap)
  std::uint32_t captured = 0;     // incl_len: octets that follow in the file
  std::uint32_t wire = 0;         // orig_len: octets the packet had on the wire
};

// The 32-bit field at octet `at` of a record header, in the file's byte order.
[[gnu::always_inline]] inline std::uint32_t record_field(Bytes b, std::size_t at,
                                                         const SavefileHeader& file) {
  const std::uint32_t be = load_be32(b, at);
  return file.big_endian ? be : __builtin_bswap32(be);
}

// Precondition: at least kRecordHeaderLength octets. Always inlined (and
// no lambda inside, which g++ then outlined): once per record, and a `file`
// the caller knows at compile time (CaptureReader::next_fast) makes it four
// plain loads.
[[gnu::always_inline]] inline RecordHeader parse_record_header(Bytes b,
                                                               const SavefileHeader& file) {
  return RecordHeader{record_field(b, 0, file), record_field(b, 4, file), record_field(b, 8, file),
                      record_field(b, 12, file)};
}

// Timestamp of a record in nanoseconds since the epoch, as libpcap gives it
// at PCAP_TSTAMP_PRECISION_NANO (microseconds scaled up; both fields signed
// 32-bit in a file of the host's byte order, unsigned in a byte-swapped one;
// a fraction out of range added as it is) and as the libpcap path
// of capture_reader.cpp then clamps it (negative seconds: 0).
// Always inlined, as parse_record_header().
[[gnu::always_inline]] inline std::int64_t record_time_ns(const RecordHeader& r,
                                                          const SavefileHeader& file) {
  constexpr std::int64_t kNsPerSecond = 1'000'000'000;
  // As libpcap (sf-pcap.c pcap_next_packet) fills struct pcap_pkthdr: in a
  // file of the host's byte order both fields are read as signed 32-bit
  // (struct pcap_timeval: seconds past 2^31 are before 1970, clamped to 0 as
  // the libpcap path does; a negative fraction is kept); in a byte-swapped
  // file SWAPLONG yields them unsigned. Both found by the pcap_reader target.
  const bool host_order = file.big_endian == (std::endian::native == std::endian::big);
  const std::int64_t seconds =
      host_order ? std::int64_t{static_cast<std::int32_t>(r.ts_seconds)} : r.ts_seconds;
  const std::int64_t raw_fraction =
      host_order ? std::int64_t{static_cast<std::int32_t>(r.ts_fraction)} : r.ts_fraction;
  const std::int64_t fraction = file.nanoseconds ? raw_fraction : raw_fraction * 1000;
  if (seconds < 0) {
    return 0;
  }
  // At most (2^32 - 1) * 10^9 + (2^32 - 1) * 10^3: no int64 overflow.
  return seconds * kNsPerSecond + fraction;
}

// What libpcap reports for a record whose captured length is not sane
// ("invalid packet capture length N, bigger than snaplen of S"), or "" when
// it is acceptable.
std::string record_length_error(const RecordHeader& r, const SavefileHeader& file);

// libpcap's message for a record whose data the file does not hold in full:
// `available` octets follow its header in the file.
std::string record_truncated_error(const RecordHeader& r, const SavefileHeader& file,
                                   std::size_t available);

// libpcap's message for a record header cut short (1..15 octets left).
std::string record_header_truncated_error(std::size_t available);

}  // namespace ip4ref::replay
