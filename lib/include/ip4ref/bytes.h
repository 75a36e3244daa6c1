// bytes.h: big-endian (network byte order) loads and stores over byte spans.
//
// Every multi-octet protocol field in ip4ref is read and written through these
// helpers; nothing reinterpret_casts packet bytes to a struct (STYLE.md rule 2).
// RFC 791 3.1 / RFC 1700 "Data Notations": fields are transmitted most
// significant octet first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace ip4ref {

using Bytes = std::span<const std::uint8_t>;
using MutableBytes = std::span<std::uint8_t>;

// Precondition: at + 2 <= b.size() (callers check lengths once, at parse time).
constexpr std::uint16_t load_be16(Bytes b, std::size_t at) {
  return static_cast<std::uint16_t>((b[at] << 8) | b[at + 1]);
}

constexpr std::uint32_t load_be32(Bytes b, std::size_t at) {
  return (std::uint32_t{b[at]} << 24) | (std::uint32_t{b[at + 1]} << 16) |
         (std::uint32_t{b[at + 2]} << 8) | std::uint32_t{b[at + 3]};
}

constexpr void store_be16(MutableBytes b, std::size_t at, std::uint16_t v) {
  b[at] = static_cast<std::uint8_t>(v >> 8);
  b[at + 1] = static_cast<std::uint8_t>(v & 0xff);
}

constexpr void store_be32(MutableBytes b, std::size_t at, std::uint32_t v) {
  b[at] = static_cast<std::uint8_t>(v >> 24);
  b[at + 1] = static_cast<std::uint8_t>((v >> 16) & 0xff);
  b[at + 2] = static_cast<std::uint8_t>((v >> 8) & 0xff);
  b[at + 3] = static_cast<std::uint8_t>(v & 0xff);
}

}  // namespace ip4ref
