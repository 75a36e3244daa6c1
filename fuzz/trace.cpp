// trace.cpp: the fuzz trace codec, expansion of fragment specs, and running a
// trace through an engine. Layout: fuzz/README.md "The trace format".
#include "trace.h"

#include <algorithm>
#include <cstdio>

#include "ip4ref/checksum.h"
#include "ip4ref/ipv4_header.h"

namespace ip4ref::trace {
namespace {

// Config prefix offsets (after magic and version).
constexpr std::size_t kPolicyAt = 5;
constexpr std::size_t kConfigFlagsAt = 6;
constexpr std::size_t kTimeoutAt = 7;
constexpr std::size_t kHighAt = 11;
constexpr std::size_t kLowAt = 15;
constexpr std::size_t kMaxFragmentsAt = 19;
constexpr std::size_t kMaxDatagramsAt = 21;

// FragmentSpec flag octet.
constexpr std::uint8_t kSpecMf = 0x01;
constexpr std::uint8_t kSpecDf = 0x02;
constexpr std::uint8_t kSpecReserved = 0x04;
constexpr std::uint8_t kSpecBadChecksum = 0x08;
constexpr unsigned kOptionsShift = 4;
constexpr std::uint8_t kOptionsMask = 0x70;
constexpr std::uint8_t kSpecFlagsUnused = 0x80;
constexpr std::uint8_t kFlowUnused = 0xc0;
constexpr std::uint8_t kFillMask = 0x03;
constexpr unsigned kEcnShift = 2;
constexpr std::uint8_t kFillUnused = 0xf0;

constexpr std::int64_t kNsPerMs = 1'000'000;

std::uint64_t load_be64(Bytes b, std::size_t at) {
  return (std::uint64_t{load_be32(b, at)} << 32) | load_be32(b, at + 4);
}

void put8(std::vector<std::uint8_t>& out, std::uint8_t v) {
  out.push_back(v);
}
void put16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}
void put32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  put16(out, static_cast<std::uint16_t>(v >> 16));
  put16(out, static_cast<std::uint16_t>(v));
}
void put64(std::vector<std::uint8_t>& out, std::uint64_t v) {
  put32(out, static_cast<std::uint32_t>(v >> 32));
  put32(out, static_cast<std::uint32_t>(v));
}

// ---------------------------------------------------------------- config

// Reads the 18-octet config prefix of `bytes`; fields past the end keep their
// defaults. Values are clamped to the valid ranges (lenient semantics).
ReassemblyConfig read_config_lenient(Bytes bytes) {
  ReassemblyConfig c;
  const auto have = [&](std::size_t at, std::size_t n) { return bytes.size() >= at + n; };
  if (have(kPolicyAt, 1)) {
    c.policy = kAllPolicies[bytes[kPolicyAt] % kAllPolicies.size()];
  }
  if (have(kConfigFlagsAt, 1)) {
    c.strip_options = (bytes[kConfigFlagsAt] & kConfigFlagStripOptions) != 0;
  }
  if (have(kTimeoutAt, 4)) {
    c.timeout = Duration::milliseconds(load_be32(bytes, kTimeoutAt));
  }
  if (have(kHighAt, 4)) {
    c.high_threshold = std::min<std::size_t>(load_be32(bytes, kHighAt), kMaxThreshold);
  }
  if (have(kLowAt, 4)) {
    c.low_threshold = std::min<std::size_t>(load_be32(bytes, kLowAt), kMaxThreshold);
  }
  if (have(kMaxFragmentsAt, 2)) {
    c.max_fragments_per_datagram = load_be16(bytes, kMaxFragmentsAt);
  }
  if (have(kMaxDatagramsAt, 2)) {
    c.max_datagrams = load_be16(bytes, kMaxDatagramsAt);
  }
  return c;
}

std::optional<DecodeError> check_config_strict(Bytes bytes) {
  if (bytes.size() < kMagic.size() || !std::equal(kMagic.begin(), kMagic.end(), bytes.begin())) {
    return DecodeError{"bad magic (expected \"I4TR\")", 0};
  }
  if (bytes.size() < kMagic.size() + 1) {
    return DecodeError{"truncated header: no version", bytes.size()};
  }
  if (bytes[4] != kVersion) {
    return DecodeError{"unsupported version " + std::to_string(bytes[4]) + " (this codec reads 1)",
                       4};
  }
  if (bytes.size() < kHeaderSize) {
    return DecodeError{"truncated config prefix (23 octets needed)", bytes.size()};
  }
  if (bytes[kPolicyAt] >= kAllPolicies.size()) {
    return DecodeError{"policy " + std::to_string(bytes[kPolicyAt]) + " out of range 0..7",
                       kPolicyAt};
  }
  if ((bytes[kConfigFlagsAt] & ~kConfigFlagStripOptions) != 0) {
    return DecodeError{"unknown config flags", kConfigFlagsAt};
  }
  if (load_be32(bytes, kHighAt) > kMaxThreshold) {
    return DecodeError{"high threshold above 64 MiB", kHighAt};
  }
  if (load_be32(bytes, kLowAt) > kMaxThreshold) {
    return DecodeError{"low threshold above 64 MiB", kLowAt};
  }
  return std::nullopt;
}

void write_config(const ReassemblyConfig& c, std::vector<std::uint8_t>& out) {
  for (std::uint8_t m : kMagic) {
    put8(out, m);  // (not insert(): g++ 12 -Wstringop-overflow false positive)
  }
  put8(out, kVersion);
  put8(out, static_cast<std::uint8_t>(c.policy));
  put8(out, c.strip_options ? kConfigFlagStripOptions : 0);
  const std::int64_t ms = std::max<std::int64_t>(c.timeout.ns() / kNsPerMs, 0);
  put32(out, static_cast<std::uint32_t>(std::min<std::int64_t>(ms, 0xffffffff)));
  put32(out, static_cast<std::uint32_t>(std::min(c.high_threshold, kMaxThreshold)));
  put32(out, static_cast<std::uint32_t>(std::min(c.low_threshold, kMaxThreshold)));
  put16(out,
        static_cast<std::uint16_t>(std::min<std::size_t>(c.max_fragments_per_datagram, 0xffff)));
  put16(out, static_cast<std::uint16_t>(std::min<std::size_t>(c.max_datagrams, 0xffff)));
}

// ---------------------------------------------------------------- records

FragmentSpec read_fragment(Bytes body) {
  FragmentSpec s;
  s.flow = body[0] & static_cast<std::uint8_t>(kFlows - 1);
  s.offset_units = load_be16(body, 1) & kFragmentOffsetMask;
  const std::uint8_t flags = body[5];
  s.more_fragments = (flags & kSpecMf) != 0;
  s.dont_fragment = (flags & kSpecDf) != 0;
  s.reserved_flag = (flags & kSpecReserved) != 0;
  s.bad_checksum = (flags & kSpecBadChecksum) != 0;
  s.options = static_cast<OptionsVariant>((flags & kOptionsMask) >> kOptionsShift);
  s.length = static_cast<std::uint16_t>(
      std::min<std::size_t>(load_be16(body, 3), max_fragment_length(s.options)));
  s.fill = static_cast<Fill>(body[6] & kFillMask);
  s.ecn = (body[6] >> kEcnShift) & 0x03;
  s.seed = body[7];
  return s;
}

std::optional<std::string> check_fragment_strict(Bytes body) {
  if ((body[0] & kFlowUnused) != 0) {
    return "flow " + std::to_string(body[0]) + " out of range 0..63";
  }
  if (load_be16(body, 1) > kFragmentOffsetMask) {
    return std::string("offset above 8191 units");
  }
  if ((body[5] & kSpecFlagsUnused) != 0) {
    return std::string("unknown fragment flags");
  }
  const auto options = static_cast<OptionsVariant>((body[5] & kOptionsMask) >> kOptionsShift);
  if (load_be16(body, 3) > max_fragment_length(options)) {
    return "length " + std::to_string(load_be16(body, 3)) + " does not fit in 65535 - header";
  }
  if ((body[6] & kFillUnused) != 0) {
    return std::string("unknown bits in the fill / ECN octet");
  }
  return std::nullopt;
}

std::uint8_t fragment_flags(const FragmentSpec& s) {
  std::uint8_t f = 0;
  f |= s.more_fragments ? kSpecMf : 0;
  f |= s.dont_fragment ? kSpecDf : 0;
  f |= s.reserved_flag ? kSpecReserved : 0;
  f |= s.bad_checksum ? kSpecBadChecksum : 0;
  f |=
      static_cast<std::uint8_t>((static_cast<unsigned>(s.options) << kOptionsShift) & kOptionsMask);
  return f;
}

const char* kind_name(std::uint8_t tag) {
  switch (tag) {
    case kTagExpire:
      return "expire";
    case kTagRawPacket:
      return "raw packet";
    case kTagFragment:
      return "fragment";
    case kTagAdvance:
      return "advance clock";
    case kTagRewind:
      return "rewind clock";
    default:
      return "unknown";
  }
}

// One record at bytes[at] (the tag). Lenient: returns nullopt when the body is
// truncated (raw packets are cut to what is there instead); advances `at`.
std::optional<Record> read_record_lenient(Bytes bytes, std::size_t& at) {
  const std::uint8_t tag = bytes[at] % kTags;
  const Bytes rest = bytes.subspan(at + 1);
  switch (tag) {
    case kTagExpire:
      at += 1;
      return Expire{};
    case kTagRawPacket: {
      if (rest.size() < 2) {
        return std::nullopt;
      }
      const std::size_t n = std::min<std::size_t>(load_be16(rest, 0), rest.size() - 2);
      at += 3 + n;
      const Bytes b = rest.subspan(2, n);
      return RawPacket{{b.begin(), b.end()}};
    }
    case kTagFragment:
      if (rest.size() < kFragmentBodySize) {
        return std::nullopt;
      }
      at += 1 + kFragmentBodySize;
      return read_fragment(rest);
    default: {  // kTagAdvance, kTagRewind
      if (rest.size() < kAdvanceBodySize) {
        return std::nullopt;
      }
      at += 1 + kAdvanceBodySize;
      const std::uint64_t ns = std::min(load_be64(rest, 0), kMaxAdvanceNs);
      if (tag == kTagRewind) {
        return RewindClock{ns};
      }
      return AdvanceClock{ns};
    }
  }
}

std::optional<DecodeError> read_record_strict(Bytes bytes, std::size_t& at, std::size_t index,
                                              std::vector<Record>& out) {
  const std::size_t start = at;
  const std::uint8_t tag = bytes[at];
  const std::string where = "record " + std::to_string(index) + " (" + kind_name(tag) + ")";
  if (tag >= kTags) {
    return DecodeError{"record " + std::to_string(index) + ": unknown tag " + std::to_string(tag),
                       start};
  }
  const Bytes rest = bytes.subspan(at + 1);
  std::size_t body = 0;
  if (tag == kTagRawPacket) {
    if (rest.size() < 2) {
      return DecodeError{where + ": truncated length", bytes.size()};
    }
    body = 2 + std::size_t{load_be16(rest, 0)};
  } else if (tag == kTagFragment) {
    body = kFragmentBodySize;
  } else if (tag == kTagAdvance || tag == kTagRewind) {
    body = kAdvanceBodySize;
  }
  if (rest.size() < body) {
    return DecodeError{where + ": truncated (" + std::to_string(body) + " octets needed, " +
                           std::to_string(rest.size()) + " left)",
                       bytes.size()};
  }
  if (tag == kTagFragment) {
    if (auto why = check_fragment_strict(rest)) {
      return DecodeError{where + ": " + *why, start};
    }
  }
  if ((tag == kTagAdvance || tag == kTagRewind) && load_be64(rest, 0) > kMaxAdvanceNs) {
    return DecodeError{where + ": more than 2^62 ns", start};
  }
  std::size_t lenient_at = at;
  out.push_back(*read_record_lenient(bytes, lenient_at));
  at = lenient_at;
  return std::nullopt;
}

// ---------------------------------------------------------------- expansion

// RFC 791 3.1 option octets for each variant, already a multiple of 4.
Bytes options_octets(OptionsVariant v) {
  static constexpr std::uint8_t kNopPadding[] = {1, 1, 1, 0};
  // Record route: type 7, length 11, pointer 4, 2 empty slots; EOL.
  static constexpr std::uint8_t kRecordRoute[] = {7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  // Loose source route: type 131 (copied), length 7, pointer 4, 192.0.2.9; NOP.
  static constexpr std::uint8_t kLsrr[] = {131, 7, 4, 192, 0, 2, 9, 1};
  // Security: type 130 (copied), length 11 (RFC 791), all zero; then record route.
  static constexpr std::uint8_t kSecurityAndRoute[] = {130, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7,
                                                       11,  4,  0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  // Timestamp: type 68, length 12, pointer 5, overflow/flag 0, 2 slots.
  static constexpr std::uint8_t kTimestamp[] = {68, 12, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  // Record route of length 39 (9 slots), then EOL: the whole 40 octets.
  static constexpr std::uint8_t kMaximum[40] = {7, 39, 4};
  // An option whose length octet is 1 (< 2): kBadOptions.
  static constexpr std::uint8_t kMalformed[] = {0x44, 1, 0, 0};
  switch (v) {
    case OptionsVariant::kNone:
      return {};
    case OptionsVariant::kNopPadding:
      return kNopPadding;
    case OptionsVariant::kRecordRoute:
      return kRecordRoute;
    case OptionsVariant::kLooseSourceRoute:
      return kLsrr;
    case OptionsVariant::kSecurityAndRoute:
      return kSecurityAndRoute;
    case OptionsVariant::kTimestamp:
      return kTimestamp;
    case OptionsVariant::kMaximum:
      return kMaximum;
    case OptionsVariant::kMalformed:
      return kMalformed;
  }
  return {};
}

// Fill patterns are copies out of two fixed tables (so expanding a 64 KiB
// fragment costs a memcpy, not a loop per octet):
//   ramp[i] = i mod 256, for i < 65536 + 256
//   hash[i] = splitmix64(i mod 65536 + 1) mod 256, for i < 2 * 65536
constexpr std::size_t kTableSpan = 65536;

const std::vector<std::uint8_t>& ramp_table() {
  static const std::vector<std::uint8_t> t = [] {
    std::vector<std::uint8_t> v(kTableSpan + 256);
    for (std::size_t i = 0; i < v.size(); ++i) {
      v[i] = static_cast<std::uint8_t>(i);
    }
    return v;
  }();
  return t;
}

std::uint8_t splitmix64_low(std::uint64_t i) {
  return static_cast<std::uint8_t>(splitmix64_mix(i * kSplitmixGamma));
}

const std::vector<std::uint8_t>& hash_table() {
  static const std::vector<std::uint8_t> t = [] {
    std::vector<std::uint8_t> v(2 * kTableSpan);
    for (std::size_t i = 0; i < v.size(); ++i) {
      v[i] = splitmix64_low(i % kTableSpan + 1);
    }
    return v;
  }();
  return t;
}

// Writes out.size() payload octets; `position` is the datagram offset of out[0].
void fill_payload(const FragmentSpec& s, std::size_t position, MutableBytes out) {
  const std::uint8_t* from = nullptr;
  switch (s.fill) {
    case Fill::kConstant:
      std::fill(out.begin(), out.end(), s.seed);
      return;
    case Fill::kDatagramCounter:  // (p + seed) mod 256
      from = ramp_table().data() + (position + s.seed) % 256;
      break;
    case Fill::kFragmentCounter:  // (i + seed) mod 256
      from = ramp_table().data() + s.seed;
      break;
    case Fill::kDatagramHash:  // hash[(p + 251 * seed) mod 65536]
      from = hash_table().data() + (position + 251u * s.seed) % kTableSpan;
      break;
  }
  std::copy(from, from + out.size(), out.begin());
}

void expand_spec(const FragmentSpec& s, std::vector<std::uint8_t>& out) {
  const Bytes options = options_octets(s.options);
  const std::size_t hl = kIpv4MinHeader + options.size();
  const std::size_t length = std::min<std::size_t>(s.length, max_fragment_length(s.options));
  // Every octet is written below: the header's fields over zeros, the
  // payload by fill_payload (so the payload is not zeroed first: a 64 KiB
  // fragment would be written twice).
  out.resize(hl + length);
  std::fill(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(hl), std::uint8_t{0});
  const MutableBytes b{out};
  const FragmentKey key = flow_key(s.flow);
  b[ipv4_field::kVersionIhl] = static_cast<std::uint8_t>(0x40 | (hl / 4));
  b[ipv4_field::kTos] = s.ecn & 0x03;
  store_be16(b, ipv4_field::kTotalLength, static_cast<std::uint16_t>(hl + length));
  store_be16(b, ipv4_field::kIdentification, key.identification);
  unsigned ff = s.offset_units & kFragmentOffsetMask;
  ff |= s.more_fragments ? ip4ref::kFlagMf : 0u;
  ff |= s.dont_fragment ? ip4ref::kFlagDf : 0u;
  ff |= s.reserved_flag ? ip4ref::kFlagReserved : 0u;
  store_be16(b, ipv4_field::kFlagsFragment, static_cast<std::uint16_t>(ff));
  b[ipv4_field::kTtl] = 64;
  b[ipv4_field::kProtocol] = key.protocol;
  store_be32(b, ipv4_field::kSource, key.source);
  store_be32(b, ipv4_field::kDestination, key.destination);
  std::copy(options.begin(), options.end(), out.begin() + ipv4_field::kOptions);
  std::uint16_t sum = internet_checksum(b.first(hl));
  if (s.bad_checksum) {
    sum ^= 0x0001;  // changes the one's complement sum by one: never verifies
  }
  store_be16(b, ipv4_field::kChecksum, sum);
  fill_payload(s, std::size_t{s.offset_units} * 8, b.subspan(hl));
}

}  // namespace

// ---------------------------------------------------------------- flows

FragmentKey flow_key(std::uint8_t flow) {
  // RFC 5737 documentation addresses.
  static constexpr std::uint32_t kPairs[4][2] = {
      {0xc0000201, 0xc0000202},  // 192.0.2.1 > 192.0.2.2
      {0xc0000202, 0xc0000201},  // 192.0.2.2 > 192.0.2.1 (the reverse direction)
      {0xc6336407, 0xc0000202},  // 198.51.100.7 > 192.0.2.2
      {0xc0000201, 0xc63364ff},  // 192.0.2.1 > 198.51.100.255
  };
  static constexpr std::uint8_t kProtocols[4] = {17, 6, 1, 253};  // UDP, TCP, ICMP, experimental
  static constexpr std::uint16_t kIds[4] = {0x0001, 0x0002, 0xbeef, 0x0000};
  const std::size_t f = flow % kFlows;
  return FragmentKey{kPairs[f & 3][0], kPairs[f & 3][1], kProtocols[(f >> 2) & 3],
                     kIds[(f >> 4) & 3]};
}

// ---------------------------------------------------------------- codec

std::size_t header_length(OptionsVariant v) {
  return kIpv4MinHeader + options_octets(v).size();
}

std::size_t max_fragment_length(OptionsVariant v) {
  return kIpv4MaxDatagram - header_length(v);
}

Trace decode_lenient(Bytes bytes, const LenientLimits& limits) {
  Trace t;
  t.config = read_config_lenient(bytes);
  std::size_t at = kHeaderSize;
  std::size_t octets = 0;
  // Most records are fragment specs (tag + 8 octets): room for those up front
  // (this runs once per fuzz exec).
  if (bytes.size() > at) {
    const std::size_t specs = (bytes.size() - at) / (1 + kFragmentBodySize) + 1;
    t.records.reserve(std::min(limits.max_records, specs));
  }
  while (at < bytes.size() && t.records.size() < limits.max_records) {
    auto record = read_record_lenient(bytes, at);
    if (!record) {
      break;
    }
    octets += packet_size(*record);
    if (octets > limits.max_packet_octets) {
      break;
    }
    t.records.push_back(std::move(*record));
  }
  return t;
}

StrictResult decode_strict(Bytes bytes) {
  StrictResult r;
  if (auto error = check_config_strict(bytes)) {
    r.error = *error;
    return r;
  }
  Trace t;
  t.config = read_config_lenient(bytes);
  std::size_t at = kHeaderSize;
  while (at < bytes.size()) {
    if (auto error = read_record_strict(bytes, at, t.records.size(), t.records)) {
      r.error = *error;
      return r;
    }
  }
  r.trace = std::move(t);
  return r;
}

void encode_record(const Record& record, std::vector<std::uint8_t>& out) {
  if (const auto* raw = std::get_if<RawPacket>(&record)) {
    const std::size_t n = std::min(raw->bytes.size(), kMaxRawPacket);
    put8(out, kTagRawPacket);
    put16(out, static_cast<std::uint16_t>(n));
    out.insert(out.end(), raw->bytes.begin(), raw->bytes.begin() + static_cast<std::ptrdiff_t>(n));
  } else if (const auto* s = std::get_if<FragmentSpec>(&record)) {
    put8(out, kTagFragment);
    put8(out, static_cast<std::uint8_t>(s->flow % kFlows));
    put16(out, s->offset_units & kFragmentOffsetMask);
    put16(out, static_cast<std::uint16_t>(
                   std::min<std::size_t>(s->length, max_fragment_length(s->options))));
    put8(out, fragment_flags(*s));
    put8(out, static_cast<std::uint8_t>((static_cast<unsigned>(s->fill) & kFillMask) |
                                        ((s->ecn & 0x03u) << kEcnShift)));
    put8(out, s->seed);
  } else if (const auto* a = std::get_if<AdvanceClock>(&record)) {
    put8(out, kTagAdvance);
    put64(out, std::min(a->ns, kMaxAdvanceNs));
  } else if (const auto* r = std::get_if<RewindClock>(&record)) {
    put8(out, kTagRewind);
    put64(out, std::min(r->ns, kMaxAdvanceNs));
  } else {
    put8(out, kTagExpire);
  }
}

std::vector<std::uint8_t> encode(const Trace& trace) {
  std::vector<std::uint8_t> out;
  // Most records are fragment specs: room for those up front (the mutator
  // encodes once per fuzz exec).
  out.reserve(kHeaderSize + trace.records.size() * (1 + kFragmentBodySize));
  write_config(trace.config, out);
  for (const Record& r : trace.records) {
    encode_record(r, out);
  }
  return out;
}

// ---------------------------------------------------------------- expansion

std::vector<std::uint8_t> expand(const FragmentSpec& spec) {
  std::vector<std::uint8_t> out;
  expand_spec(spec, out);
  return out;
}

std::optional<std::vector<std::uint8_t>> expand(const Record& record) {
  if (const auto* raw = std::get_if<RawPacket>(&record)) {
    return raw->bytes;
  }
  if (const auto* s = std::get_if<FragmentSpec>(&record)) {
    return expand(*s);
  }
  return std::nullopt;
}

bool expand_into(const Record& record, std::vector<std::uint8_t>& out) {
  if (const auto* raw = std::get_if<RawPacket>(&record)) {
    out.assign(raw->bytes.begin(), raw->bytes.end());
    return true;
  }
  if (const auto* s = std::get_if<FragmentSpec>(&record)) {
    expand_spec(*s, out);
    return true;
  }
  return false;
}

std::size_t packet_size(const Record& record) {
  if (const auto* raw = std::get_if<RawPacket>(&record)) {
    return raw->bytes.size();
  }
  if (const auto* s = std::get_if<FragmentSpec>(&record)) {
    return header_length(s->options) +
           std::min<std::size_t>(s->length, max_fragment_length(s->options));
  }
  return 0;
}

// ---------------------------------------------------------------- running

void TraceClock::advance(std::uint64_t ns) {
  const auto room = static_cast<std::uint64_t>(kTraceEnd.ns() - now_.ns());
  now_ = ns >= room ? kTraceEnd : now_ + Duration::nanoseconds(static_cast<std::int64_t>(ns));
}

void TraceClock::rewind(std::uint64_t ns) {
  const auto room = static_cast<std::uint64_t>(now_.ns() - kTraceOrigin.ns());
  now_ = ns >= room ? kTraceOrigin : now_ - Duration::nanoseconds(static_cast<std::int64_t>(ns));
}

void apply(const Record& record, ReassemblyEngine& engine, TraceClock& clock, EventSink& sink,
           std::vector<std::uint8_t>& scratch) {
  if (const auto* raw = std::get_if<RawPacket>(&record)) {
    engine.push(raw->bytes, clock.now(), sink);
  } else if (const auto* s = std::get_if<FragmentSpec>(&record)) {
    expand_spec(*s, scratch);
    engine.push(scratch, clock.now(), sink);
  } else if (const auto* a = std::get_if<AdvanceClock>(&record)) {
    clock.advance(a->ns);
  } else if (const auto* r = std::get_if<RewindClock>(&record)) {
    clock.rewind(r->ns);
  } else {
    engine.expire(clock.now(), sink);
  }
}

Instant run_trace(ReassemblyEngine& engine, const Trace& trace, EventSink& sink) {
  TraceClock clock;
  std::vector<std::uint8_t> scratch;
  for (const Record& r : trace.records) {
    apply(r, engine, clock, sink, scratch);
  }
  return clock.now();
}

// ---------------------------------------------------------------- printing

std::string to_string(Fill f) {
  switch (f) {
    case Fill::kConstant:
      return "constant";
    case Fill::kDatagramCounter:
      return "counter";
    case Fill::kDatagramHash:
      return "hash";
    case Fill::kFragmentCounter:
      return "fragment-counter";
  }
  return "unknown";
}

std::string to_string(OptionsVariant v) {
  static constexpr const char* kNames[kOptionsVariants] = {"none",    "nop-padding", "record-route",
                                                           "lsrr",    "security+rr", "timestamp",
                                                           "maximum", "malformed"};
  const auto i = static_cast<std::size_t>(v);
  return i < kOptionsVariants ? kNames[i] : "unknown";
}

std::string to_string(const Record& record) {
  char buf[160];
  if (const auto* raw = std::get_if<RawPacket>(&record)) {
    std::snprintf(buf, sizeof buf, "raw %zu octets", raw->bytes.size());
  } else if (const auto* s = std::get_if<FragmentSpec>(&record)) {
    std::snprintf(
        buf, sizeof buf, "frag flow %u off %u (%u) len %u%s%s%s%s ecn %u options %s fill %s/%u",
        unsigned{s->flow}, unsigned{s->offset_units}, unsigned{s->offset_units} * 8,
        unsigned{s->length}, s->more_fragments ? " MF" : "", s->dont_fragment ? " DF" : "",
        s->reserved_flag ? " RF" : "", s->bad_checksum ? " bad-checksum" : "", unsigned{s->ecn},
        to_string(s->options).c_str(), to_string(s->fill).c_str(), unsigned{s->seed});
    return std::string(buf) + " [" + to_string(flow_key(s->flow)) + "]";
  } else if (const auto* a = std::get_if<AdvanceClock>(&record)) {
    std::snprintf(buf, sizeof buf, "advance %llu ns", static_cast<unsigned long long>(a->ns));
  } else if (const auto* r = std::get_if<RewindClock>(&record)) {
    std::snprintf(buf, sizeof buf, "rewind %llu ns", static_cast<unsigned long long>(r->ns));
  } else {
    std::snprintf(buf, sizeof buf, "expire");
  }
  return buf;
}

std::string to_string(const ReassemblyConfig& c) {
  char buf[200];
  std::snprintf(buf, sizeof buf,
                "policy %s timeout %lldms high %zu low %zu max-fragments %zu max-datagrams %zu%s",
                std::string(ip4ref::to_string(c.policy)).c_str(),
                static_cast<long long>(c.timeout.ns() / kNsPerMs), c.high_threshold,
                c.low_threshold, c.max_fragments_per_datagram, c.max_datagrams,
                c.strip_options ? " strip-options" : "");
  return buf;
}

}  // namespace ip4ref::trace
