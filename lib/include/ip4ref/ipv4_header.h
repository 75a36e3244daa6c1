// ipv4_header.h: the IPv4 header (RFC 791 3.1): a checked view over bytes
// (Ipv4View) and a plain value (Ipv4Header) with parse / emit.
//
//     0                   1                   2                   3
//     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |Version|  IHL  |Type of Service|          Total Length         |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |         Identification        |Flags|      Fragment Offset    |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |  Time to Live |    Protocol   |         Header Checksum       |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                       Source Address                          |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                    Destination Address                        |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//    |                    Options                    |    Padding    |
//    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Accessors use natural units (octets); raw wire values are named *_raw().
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ip4ref/bytes.h"
#include "ip4ref/result.h"

namespace ip4ref {

// Field offsets, in octets from the start of the header (RFC 791 3.1).
namespace ipv4_field {
inline constexpr std::size_t kVersionIhl = 0;
inline constexpr std::size_t kTos = 1;
inline constexpr std::size_t kTotalLength = 2;
inline constexpr std::size_t kIdentification = 4;
inline constexpr std::size_t kFlagsFragment = 6;
inline constexpr std::size_t kTtl = 8;
inline constexpr std::size_t kProtocol = 9;
inline constexpr std::size_t kChecksum = 10;
inline constexpr std::size_t kSource = 12;
inline constexpr std::size_t kDestination = 16;
inline constexpr std::size_t kOptions = 20;
}  // namespace ipv4_field

inline constexpr std::size_t kIpv4MinHeader = 20;
inline constexpr std::size_t kIpv4MaxHeader = 60;
inline constexpr std::size_t kIpv4MaxDatagram = 65535;
inline constexpr std::size_t kIpv4MinMtu = 68;  // RFC 791 3.2
inline constexpr std::uint16_t kFlagReserved = 0x8000;
inline constexpr std::uint16_t kFlagDf = 0x4000;
inline constexpr std::uint16_t kFlagMf = 0x2000;
inline constexpr std::uint16_t kFragmentOffsetMask = 0x1fff;

// A checked, read-only view of one IPv4 packet. The only way to make one from
// untrusted bytes is parse(), after which no accessor can read out of bounds.
class Ipv4View {
 public:
  // Checks, in order (first failure wins):
  //   kTruncated        bytes.size() < 20
  //   kBadVersion       version != 4
  //   kBadHeaderLength  IHL < 5
  //   kTruncated        bytes.size() < IHL * 4
  //   kBadTotalLength   total length < IHL * 4 or > bytes.size()
  // The checksum is NOT verified here (see checksum_ok()); options are not
  // parsed (see Ipv4Header::parse). Octets after total length (link padding)
  // are outside the view.
  static Result<Ipv4View> parse(Bytes bytes);

  std::uint8_t version() const { return bytes_[0] >> 4; }
  std::size_t header_length() const { return std::size_t{ihl_raw()} * 4; }
  std::uint8_t ihl_raw() const { return bytes_[0] & 0x0f; }
  std::uint8_t tos() const { return bytes_[ipv4_field::kTos]; }
  std::size_t total_length() const { return load_be16(bytes_, ipv4_field::kTotalLength); }
  std::uint16_t identification() const { return load_be16(bytes_, ipv4_field::kIdentification); }
  std::uint16_t flags_fragment_raw() const { return load_be16(bytes_, ipv4_field::kFlagsFragment); }
  bool reserved_flag() const { return (flags_fragment_raw() & kFlagReserved) != 0; }
  bool dont_fragment() const { return (flags_fragment_raw() & kFlagDf) != 0; }
  bool more_fragments() const { return (flags_fragment_raw() & kFlagMf) != 0; }
  std::uint16_t fragment_offset_raw() const { return flags_fragment_raw() & kFragmentOffsetMask; }
  // Fragment offset in octets (the wire field counts 8-octet units).
  std::size_t fragment_offset() const { return std::size_t{fragment_offset_raw()} * 8; }
  bool is_fragment() const { return more_fragments() || fragment_offset_raw() != 0; }
  std::uint8_t ttl() const { return bytes_[ipv4_field::kTtl]; }
  std::uint8_t protocol() const { return bytes_[ipv4_field::kProtocol]; }
  std::uint16_t checksum() const { return load_be16(bytes_, ipv4_field::kChecksum); }
  std::uint32_t source() const { return load_be32(bytes_, ipv4_field::kSource); }
  std::uint32_t destination() const { return load_be32(bytes_, ipv4_field::kDestination); }

  // RFC 1071: the one's complement sum over the header is all ones.
  bool checksum_ok() const;

  Bytes header() const { return bytes_.first(header_length()); }
  Bytes options() const { return bytes_.subspan(kIpv4MinHeader, header_length() - kIpv4MinHeader); }
  Bytes payload() const { return bytes_.subspan(header_length()); }
  // The whole packet, [0, total_length).
  Bytes bytes() const { return bytes_; }

 private:
  explicit Ipv4View(Bytes b) : bytes_(b) {}
  Bytes bytes_;
};

// One IPv4 option (RFC 791 3.1 "Options"). EOL and NOP are single octets with
// empty data; every other option is type, length, data.
struct Ipv4Option {
  static constexpr std::uint8_t kEndOfList = 0;
  static constexpr std::uint8_t kNoOperation = 1;

  std::uint8_t type = 0;
  std::vector<std::uint8_t> data;  // without the type and length octets

  bool copied() const { return (type & 0x80) != 0; }         // copy into every fragment
  std::uint8_t option_class() const { return (type >> 5) & 0x03; }  // 0 control, 2 debugging
  std::uint8_t number() const { return type & 0x1f; }
  bool single_octet() const { return type == kEndOfList || type == kNoOperation; }
  // Octets on the wire: 1 for EOL/NOP, else 2 + data.size().
  std::size_t size() const { return single_octet() ? 1 : 2 + data.size(); }
  bool operator==(const Ipv4Option&) const = default;
};

// Parse an options area (the octets between octet 20 and IHL*4).
// Stops at EOL (which is kept in the list); trailing octets after EOL are
// padding and ignored. Fails with kBadOptions when a length octet is missing,
// < 2, or runs past the end of the area.
Result<std::vector<Ipv4Option>> parse_options(Bytes area);

// True exactly when parse_options(area) succeeds, without building the list
// (no allocation: the reassembly engines ask this of every packet).
bool options_well_formed(Bytes area);

// Octets the options occupy on the wire, padded up to a multiple of 4.
std::size_t options_wire_size(const std::vector<Ipv4Option>& options);

// A plain, comparable IPv4 header value.
struct Ipv4Header {
  std::uint8_t tos = 0;
  std::uint16_t total_length = 0;  // octets, header included
  std::uint16_t identification = 0;
  bool reserved_flag = false;
  bool dont_fragment = false;
  bool more_fragments = false;
  std::uint16_t fragment_offset = 0;  // octets; must be a multiple of 8
  std::uint8_t ttl = 64;
  std::uint8_t protocol = 0;
  std::uint16_t checksum = 0;  // as parsed; emit() always writes a fresh one
  std::uint32_t source = 0;
  std::uint32_t destination = 0;
  std::vector<Ipv4Option> options;

  // Fails with kBadOptions if the view's options do not parse.
  static Result<Ipv4Header> parse(const Ipv4View& view);

  // Header length in octets: 20 + options padded to 4. Fails with
  // kOptionsTooLong above 60.
  Result<std::size_t> size() const;

  // Writes size() octets into out (which must hold them): all fields, options
  // padded with EOL (zero) octets, and a freshly computed checksum. Returns the
  // octets written. Fails with kOptionsTooLong, or kTruncated if out is small.
  Result<std::size_t> emit(MutableBytes out) const;

  // Equality ignores `checksum` (emit recomputes it).
  bool operator==(const Ipv4Header& o) const;
};

// RFC 791 dotted quad, e.g. "192.0.2.1".
std::string format_ipv4(std::uint32_t address);

}  // namespace ip4ref
