// ipv4_header.cpp: the IPv4 header (RFC 791 3.1): checked view, options,
// and the plain header value with parse / emit.
//
// Field offsets live in ipv4_header.h under the RFC 791 diagram; every
// multi-octet field goes through load_be16 / store_be16 (STYLE.md rule 2).
#include "ip4ref/ipv4_header.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "ip4ref/checksum.h"

namespace ip4ref {

// ---------------------------------------------------------------------------
// Ipv4View

Result<Ipv4View> Ipv4View::parse(Bytes bytes) {
  // The fixed part of the header must be present before any field is read.
  if (bytes.size() < kIpv4MinHeader) {
    return Fail{Reason::kTruncated};
  }
  // RFC 791 3.1 "Version: 4 bits ... this document describes version 4."
  if ((bytes[ipv4_field::kVersionIhl] >> 4) != 4) {
    return Fail{Reason::kBadVersion};
  }
  // RFC 791 3.1 "IHL ... Note that the minimum value for a correct header is 5."
  const std::size_t header_length = std::size_t{bytes[ipv4_field::kVersionIhl] & 0x0fu} * 4;
  if (header_length < kIpv4MinHeader) {
    return Fail{Reason::kBadHeaderLength};
  }
  // The options the IHL announces must be present too.
  if (bytes.size() < header_length) {
    return Fail{Reason::kTruncated};
  }
  // RFC 791 3.1 "Total Length is the length of the datagram, measured in
  // octets, including internet header and data": it covers at least the header
  // and at most what arrived; anything after it is link padding.
  const std::size_t total_length = load_be16(bytes, ipv4_field::kTotalLength);
  if (total_length < header_length || total_length > bytes.size()) {
    return Fail{Reason::kBadTotalLength};
  }
  return Ipv4View{bytes.first(total_length)};
}

// RFC 1071 1 (3): "To check a checksum, the 1's complement sum is computed over
// the same set of octets, including the checksum field. If the result is all
// 1 bits (-0 in 1's complement arithmetic), the check succeeds."
bool Ipv4View::checksum_ok() const {
  return ones_complement_sum(header()) == 0xffff;
}

// ---------------------------------------------------------------------------
// Options (RFC 791 3.1 "Options")

namespace {

// Walks an options area, calling on_option(type, data) for each option in
// order (EOL included, then nothing after it). False when an option's length
// octet is missing or wrong; the options before it have been seen.
template <typename OnOption>
bool walk_options(Bytes area, OnOption&& on_option) {
  std::size_t at = 0;
  while (at < area.size()) {
    const std::uint8_t type = area[at];
    // RFC 791 3.1 "End of Option List ... This option occupies only 1 octet;
    // it has no length octet." What follows it is padding.
    if (type == Ipv4Option::kEndOfList) {
      on_option(type, Bytes{});
      return true;
    }
    // RFC 791 3.1 "No Operation ... This option occupies only 1 octet."
    if (type == Ipv4Option::kNoOperation) {
      on_option(type, Bytes{});
      ++at;
      continue;
    }
    // RFC 791 3.1: "Case 2: An option-type octet, an option-length octet, and
    // the actual option-data octets. The option-length octet counts the
    // option-type octet and the option-length octet as well as the
    // option-data octets."
    if (at + 1 >= area.size()) {
      return false;  // no length octet
    }
    const std::size_t length = area[at + 1];
    if (length < 2 || length > area.size() - at) {
      return false;  // shorter than itself, or past the area
    }
    on_option(type, area.subspan(at + 2, length - 2));
    at += length;
  }
  return true;
}

}  // namespace

Result<std::vector<Ipv4Option>> parse_options(Bytes area) {
  std::vector<Ipv4Option> options;
  const bool ok = walk_options(area, [&options](std::uint8_t type, Bytes data) {
    options.push_back(Ipv4Option{type, {data.begin(), data.end()}});
  });
  if (!ok) {
    return Fail{Reason::kBadOptions};
  }
  return options;
}

bool options_well_formed(Bytes area) {
  return walk_options(area, [](std::uint8_t, Bytes) {});
}

// RFC 791 3.1 "Padding: ... used to ensure that the internet header ends on a
// 32 bit boundary."
std::size_t options_wire_size(const std::vector<Ipv4Option>& options) {
  std::size_t octets = 0;
  for (const Ipv4Option& option : options) {
    octets += option.size();
  }
  return (octets + 3) / 4 * 4;
}

// ---------------------------------------------------------------------------
// Ipv4Header

Result<Ipv4Header> Ipv4Header::parse(const Ipv4View& view) {
  auto options = parse_options(view.options());
  if (!options) {
    return Fail{options.error()};
  }
  Ipv4Header h;
  h.tos = view.tos();
  // parse() guarantees total_length() <= the bytes present, a 16-bit field.
  h.total_length = static_cast<std::uint16_t>(view.total_length());
  h.identification = view.identification();
  h.reserved_flag = view.reserved_flag();
  h.dont_fragment = view.dont_fragment();
  h.more_fragments = view.more_fragments();
  // At most 8191 * 8 = 65528 octets: fits.
  h.fragment_offset = static_cast<std::uint16_t>(view.fragment_offset());
  h.ttl = view.ttl();
  h.protocol = view.protocol();
  h.checksum = view.checksum();
  h.source = view.source();
  h.destination = view.destination();
  h.options = std::move(*options);
  return h;
}

Result<std::size_t> Ipv4Header::size() const {
  const std::size_t octets = kIpv4MinHeader + options_wire_size(options);
  // RFC 791 3.1: IHL is 4 bits of 32-bit words, so a header is at most 60 octets.
  if (octets > kIpv4MaxHeader) {
    return Fail{Reason::kOptionsTooLong};
  }
  return octets;
}

namespace {

// Writes the options, then zero (EOL) octets up to the 32-bit boundary.
// Precondition: out holds exactly options_wire_size(options) octets, <= 40,
// so every option length fits its octet.
void emit_options(const std::vector<Ipv4Option>& options, MutableBytes out) {
  std::size_t at = 0;
  for (const Ipv4Option& option : options) {
    out[at++] = option.type;
    if (option.single_octet()) {
      continue;
    }
    out[at++] = static_cast<std::uint8_t>(option.size());
    for (const std::uint8_t octet : option.data) {
      out[at++] = octet;
    }
  }
  for (; at < out.size(); ++at) {
    out[at] = Ipv4Option::kEndOfList;
  }
}

std::uint16_t flags_fragment_word(const Ipv4Header& h) {
  // RFC 791 3.1 "Fragment Offset ... measured in units of 8 octets"; the
  // struct holds octets (a multiple of 8), the wire holds 13 bits of units.
  auto word = static_cast<std::uint16_t>((h.fragment_offset / 8) & kFragmentOffsetMask);
  if (h.reserved_flag) {
    word |= kFlagReserved;
  }
  if (h.dont_fragment) {
    word |= kFlagDf;
  }
  if (h.more_fragments) {
    word |= kFlagMf;
  }
  return word;
}

}  // namespace

Result<std::size_t> Ipv4Header::emit(MutableBytes out) const {
  const auto octets = size();
  if (!octets) {
    return Fail{octets.error()};
  }
  if (out.size() < *octets) {
    return Fail{Reason::kTruncated};
  }
  const MutableBytes header = out.first(*octets);
  header[ipv4_field::kVersionIhl] = static_cast<std::uint8_t>(0x40 | (*octets / 4));
  header[ipv4_field::kTos] = tos;
  store_be16(header, ipv4_field::kTotalLength, total_length);
  store_be16(header, ipv4_field::kIdentification, identification);
  store_be16(header, ipv4_field::kFlagsFragment, flags_fragment_word(*this));
  header[ipv4_field::kTtl] = ttl;
  header[ipv4_field::kProtocol] = protocol;
  store_be32(header, ipv4_field::kSource, source);
  store_be32(header, ipv4_field::kDestination, destination);
  emit_options(options, header.subspan(ipv4_field::kOptions));
  // RFC 791 3.1 "For purposes of computing the checksum, the value of the
  // checksum field is zero."
  store_be16(header, ipv4_field::kChecksum, 0);
  store_be16(header, ipv4_field::kChecksum, internet_checksum(header));
  return *octets;
}

namespace {

// Every field but `checksum`, which is derived (emit() recomputes it).
auto fields_but_checksum(const Ipv4Header& h) {
  return std::tie(h.tos, h.total_length, h.identification, h.reserved_flag, h.dont_fragment,
                  h.more_fragments, h.fragment_offset, h.ttl, h.protocol, h.source, h.destination,
                  h.options);
}

}  // namespace

bool Ipv4Header::operator==(const Ipv4Header& o) const {
  return fields_but_checksum(*this) == fields_but_checksum(o);
}

std::string format_ipv4(std::uint32_t address) {
  std::string text;
  for (int shift = 24; shift >= 0; shift -= 8) {
    text += std::to_string((address >> shift) & 0xff);
    if (shift != 0) {
      text += '.';
    }
  }
  return text;
}

}  // namespace ip4ref
