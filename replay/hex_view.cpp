// hex_view.cpp: first difference, field names (RFC 791 3.1), hex context.
#include "hex_view.h"

#include <algorithm>
#include <cstdio>

#include "ip4ref/ipv4_header.h"

namespace ip4ref::replay {
namespace {

constexpr std::size_t kContext = 16;

struct FieldName {
  std::size_t begin;
  std::size_t end;
  const char* name;
};

// RFC 791 3.1 header diagram, as half-open octet ranges.
constexpr FieldName kFields[] = {
    {0, 1, "version/IHL"},
    {1, 2, "type of service"},
    {2, 4, "total length"},
    {4, 6, "identification"},
    {6, 8, "flags/fragment offset"},
    {8, 9, "time to live"},
    {9, 10, "protocol"},
    {10, 12, "header checksum"},
    {12, 16, "source address"},
    {16, 20, "destination address"},
};

std::string hex_line(Bytes b, std::size_t from, std::size_t to, std::size_t at) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%04zx:", from);
  std::string line = buf;
  for (std::size_t i = from; i < to; ++i) {
    if (i >= b.size()) {
      line += i == at ? " [--]" : "   ";
      continue;
    }
    std::snprintf(buf, sizeof buf, i == at ? " [%02x]" : " %02x", unsigned{b[i]});
    line += buf;
  }
  return line;
}

}  // namespace

std::optional<std::size_t> first_difference(Bytes a, Bytes b) {
  const auto [ia, ib] = std::mismatch(a.begin(), a.end(), b.begin(), b.end());
  if (ia == a.end() && ib == b.end()) {
    return std::nullopt;
  }
  return static_cast<std::size_t>(ia - a.begin());
}

std::string ipv4_location(Bytes packet, std::size_t at) {
  if (packet.size() < kIpv4MinHeader || (packet[0] >> 4) != 4) {
    return "";
  }
  const std::size_t header = std::size_t{packet[0] & 0x0fu} * 4;
  if (at >= header) {
    return "data +" + std::to_string(at - header);
  }
  for (const FieldName& f : kFields) {
    if (at >= f.begin && at < f.end) {
      return f.name;
    }
  }
  return "options";
}

std::string hex_context(Bytes a, Bytes b, std::size_t at, std::string_view label_a,
                        std::string_view label_b, std::string_view indent) {
  const std::size_t from = at < kContext ? 0 : (at - kContext) & ~std::size_t{7};
  const std::size_t to = std::min(std::max(a.size(), b.size()), at + kContext + 1);
  const std::size_t width = std::max(label_a.size(), label_b.size());
  auto pad = [width](std::string_view s) {
    return std::string(s) + std::string(width - s.size(), ' ');
  };
  std::string out;
  out +=
      std::string(indent) + pad(label_a) + " " + hex_line(a, from, std::max(to, at + 1), at) + "\n";
  out +=
      std::string(indent) + pad(label_b) + " " + hex_line(b, from, std::max(to, at + 1), at) + "\n";
  return out;
}

std::uint64_t fnv1a64(Bytes bytes) {
  std::uint64_t h = 0xcbf29ce484222325ull;  // FNV offset basis
  for (std::uint8_t c : bytes) {
    h = (h ^ c) * 0x100000001b3ull;  // FNV prime
  }
  return h;
}

}  // namespace ip4ref::replay
