// hex_view.h: where two byte strings first differ, and a hex view of both
// around that octet, with the IPv4 header field it falls in.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "ip4ref/bytes.h"

namespace ip4ref::replay {

// Index of the first differing octet; when one is a prefix of the other, the
// shorter one's length; nullopt when equal.
std::optional<std::size_t> first_difference(Bytes a, Bytes b);

// "total length" / "header checksum" / ... for an octet inside an IPv4 header
// (RFC 791 3.1), "options" inside the options, "data +N" past the header
// (N from the start of the payload); "" when `a` is not an IPv4 packet.
std::string ipv4_location(Bytes packet, std::size_t at);

// Two lines (plus a caret line), 16 octets before and after `at`, e.g.
//   ref  0x0010: 40 11 f6 7d c0 00 02 01 [c0] 00 02 02 ...
//   fast 0x0010: 40 11 f6 7d c0 00 02 01 [c1] 00 02 02 ...
// Each line is indented by `indent`.
std::string hex_context(Bytes a, Bytes b, std::size_t at, std::string_view label_a,
                        std::string_view label_b, std::string_view indent = "    ");

// 64-bit FNV-1a of the octets: a short fingerprint for event lines.
std::uint64_t fnv1a64(Bytes bytes);

}  // namespace ip4ref::replay
