// ipv4_address.cpp: dotted-quad and prefix parsing (RFC 1166 "dotted
// decimal"; CIDR "/len" notation, RFC 4632 3.1).
#include "ip4ref/ipv4_address.h"

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ip4ref/ipv4_header.h"

namespace ip4ref {
namespace {

// A decimal number in [0, max] spelled without sign, spaces or a leading zero
// (except "0" itself), so "010" cannot be read as octal by anyone else.
std::optional<unsigned> parse_decimal(std::string_view text, unsigned max) {
  if (text.empty() || text.size() > 3 || (text.size() > 1 && text[0] == '0')) {
    return std::nullopt;
  }
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value > max) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

std::optional<std::uint32_t> parse_ipv4(std::string_view text) {
  std::uint32_t address = 0;
  for (int part = 0; part < 4; ++part) {
    const std::size_t dot = text.find('.');
    const bool last = part == 3;
    // Exactly three dots: the last part has none, the others end at one.
    if (last != (dot == std::string_view::npos)) {
      return std::nullopt;
    }
    const std::optional<unsigned> octet = parse_decimal(text.substr(0, dot), 255);
    if (!octet) {
      return std::nullopt;
    }
    address = (address << 8) | *octet;
    text = last ? std::string_view{} : text.substr(dot + 1);
  }
  return address;
}

std::optional<Ipv4Prefix> Ipv4Prefix::parse(std::string_view text) {
  const std::size_t slash = text.find('/');
  const std::optional<std::uint32_t> address = parse_ipv4(text.substr(0, slash));
  if (!address) {
    return std::nullopt;
  }
  Ipv4Prefix prefix;
  prefix.address = *address;
  prefix.length = 32;
  if (slash != std::string_view::npos) {
    const std::optional<unsigned> length = parse_decimal(text.substr(slash + 1), 32);
    if (!length) {
      return std::nullopt;
    }
    prefix.length = static_cast<std::uint8_t>(*length);
  }
  return prefix;
}

std::string to_string(const Ipv4Prefix& prefix) {
  return format_ipv4(prefix.address) + "/" + std::to_string(prefix.length);
}

}  // namespace ip4ref
