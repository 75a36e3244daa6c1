// trace.h: the fuzz trace, ip4ref's one binary format for a run of a
// reassembly engine (DESIGN.md "The fuzz trace"). The format is documented
// octet by octet in fuzz/README.md; this is its only codec, used by every fuzz
// target, the custom mutator, the corpus generator, the replay tool's
// `convert` command and the tests.
//
// A trace is a configuration and a list of records. Running it (run_trace)
// starts a clock at kTraceStart; an AdvanceClock record moves the clock, a
// packet record (RawPacket, or a FragmentSpec expanded into a valid IPv4
// fragment of one of a few fixed flows) is pushed at the current time, an
// Expire record calls engine.expire(now), a RewindClock record moves the clock
// back (engines must cope with time that is not monotone: captures with
// out-of-order timestamps, clocks that were set back). A run is a pure function
// of the trace.
//
// Two decoders:
// - decode_lenient maps ANY byte string to a valid trace (fields clamped,
//   unknown record tags folded onto the five kinds, decoding stops at a
//   truncated record). The fuzz targets use it, so every input means something.
// - decode_strict accepts exactly the canonical encodings and reports the first
//   problem with its byte offset. Tools use it. When decode_strict succeeds,
//   decode_lenient returns the same trace, and encode(trace) gives the same
//   bytes back.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "ip4ref/bytes.h"
#include "ip4ref/events.h"
#include "ip4ref/reassembly_config.h"
#include "ip4ref/reassembly_engine.h"
#include "ip4ref/time.h"

namespace ip4ref::trace {

// ---------------------------------------------------------------- constants

inline constexpr std::array<std::uint8_t, 4> kMagic = {'I', '4', 'T', 'R'};
inline constexpr std::uint8_t kVersion = 1;
// Magic (4) + version (1) + config prefix (18).
inline constexpr std::size_t kHeaderSize = 23;

// Record tags (one octet before each record).
inline constexpr std::uint8_t kTagExpire = 0x00;
inline constexpr std::uint8_t kTagRawPacket = 0x01;
inline constexpr std::uint8_t kTagFragment = 0x02;

// splitmix64 (Steele, Lea and Flood, "Fast Splittable Pseudorandom Number
// Generators", OOPSLA 2014): its increment and output function. The hash
// fill pattern is the output function of i * kSplitmixGamma (fuzz/README.md);
// the mutator's random source steps a state by kSplitmixGamma.
inline constexpr std::uint64_t kSplitmixGamma = 0x9e3779b97f4a7c15u;
constexpr std::uint64_t splitmix64_mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}
inline constexpr std::uint8_t kTagAdvance = 0x03;
inline constexpr std::uint8_t kTagRewind = 0x04;
inline constexpr std::uint8_t kTags = 5;  // decode_lenient takes a tag mod 5
// Body sizes, without the tag.
inline constexpr std::size_t kFragmentBodySize = 8;
inline constexpr std::size_t kAdvanceBodySize = 8;

// Valid ranges (what decode_lenient clamps to and decode_strict enforces).
inline constexpr std::size_t kMaxThreshold = std::size_t{64} << 20;  // 64 MiB
inline constexpr std::uint64_t kMaxAdvanceNs = std::uint64_t{1} << 62;
inline constexpr std::size_t kMaxRawPacket = 0xffff;
inline constexpr std::uint8_t kConfigFlagStripOptions = 0x01;

// The clock of a run starts at kTraceStart and stays within [kTraceOrigin,
// kTraceEnd] (so deadlines, now + timeout with timeout < 2^53 ns, never
// overflow).
inline constexpr Instant kTraceOrigin = Instant::from_ns(0);
inline constexpr Instant kTraceStart = Instant::from_ns(1'000'000'000);
inline constexpr Instant kTraceEnd = Instant::from_ns(std::int64_t{1} << 62);

// ---------------------------------------------------------------- records

// An IPv4 packet (no link header) exactly as it is; up to 65535 octets.
struct RawPacket {
  std::vector<std::uint8_t> bytes;
  bool operator==(const RawPacket&) const = default;
};

// How a FragmentSpec's payload octets are made. `p` is the octet's position
// in the datagram (offset + i), `i` its position in the fragment.
// (fuzz/README.md gives the exact tables.)
enum class Fill : std::uint8_t {
  kConstant = 0,         // every octet = seed
  kDatagramCounter = 1,  // (p + seed) mod 256: overlaps carry equal bytes
  kDatagramHash = 2,     // hash[(p + 251 seed) mod 65536]: equal bytes for an equal seed
  kFragmentCounter = 3,  // (i + seed) mod 256: shifted copies show
};

// Header variations of an expanded fragment: the options area (RFC 791 3.1).
// The copied flag (type bit 7) decides which options a fragmenter repeats.
enum class OptionsVariant : std::uint8_t {
  kNone = 0,              // IHL 5
  kNopPadding = 1,        // NOP NOP NOP EOL (IHL 6)
  kRecordRoute = 2,       // RR (type 7, not copied), 2 empty slots (IHL 8)
  kLooseSourceRoute = 3,  // LSRR (type 131, copied), one hop + NOP (IHL 7)
  kSecurityAndRoute = 4,  // security (130, copied) + RR (7) (IHL 11)
  kTimestamp = 5,         // timestamp (68, not copied), 2 slots (IHL 8)
  kMaximum = 6,           // RR with 9 slots + EOL: 40 octets (IHL 15)
  kMalformed = 7,         // an option whose length octet is 1 (kBadOptions)
};
inline constexpr std::size_t kOptionsVariants = 8;

// A compact recipe for one fragment of one of the fixed flows; expand() turns
// it into a valid IPv4 packet (correct total length and checksum, unless
// bad_checksum asks otherwise).
struct FragmentSpec {
  std::uint8_t flow = 0;           // 0..kFlows-1, see flow_key()
  std::uint16_t offset_units = 0;  // fragment offset in 8-octet units, 0..8191
  std::uint16_t length = 0;        // payload octets, <= 65535 - header length
  bool more_fragments = false;     // MF
  bool dont_fragment = false;      // DF
  bool reserved_flag = false;      // the reserved ("evil") bit
  bool bad_checksum = false;       // emit a header checksum that fails
  OptionsVariant options = OptionsVariant::kNone;
  Fill fill = Fill::kConstant;
  std::uint8_t seed = 0;
  // The ECN field, TOS bits 0-1 (RFC 3168 5: 0 Not-ECT, 1 ECT(1), 2 ECT(0),
  // 3 CE); linux reassembly combines or refuses mixes (RFC 3168 5.3).
  std::uint8_t ecn = 0;
  bool operator==(const FragmentSpec&) const = default;
};

// Moves the clock forward; 0..kMaxAdvanceNs nanoseconds.
struct AdvanceClock {
  std::uint64_t ns = 0;
  bool operator==(const AdvanceClock&) const = default;
};

// Moves the clock back; 0..kMaxAdvanceNs nanoseconds (stops at kTraceOrigin).
struct RewindClock {
  std::uint64_t ns = 0;
  bool operator==(const RewindClock&) const = default;
};

// Calls engine.expire(now).
struct Expire {
  bool operator==(const Expire&) const = default;
};

using Record = std::variant<RawPacket, FragmentSpec, AdvanceClock, Expire, RewindClock>;

struct Trace {
  ReassemblyConfig config;
  std::vector<Record> records;
  bool operator==(const Trace&) const = default;
};

// ---------------------------------------------------------------- flows

// The fixed flows a FragmentSpec can belong to: flow index bits 0-1 pick the
// address pair, bits 2-3 the protocol, bits 4-5 the identification. Addresses
// are documentation-only (RFC 5737: 192.0.2.0/24 and 198.51.100.0/24).
inline constexpr std::size_t kFlows = 64;
FragmentKey flow_key(std::uint8_t flow);

// ---------------------------------------------------------------- codec

// Header length in octets of a fragment with this options variant.
std::size_t header_length(OptionsVariant v);

// The largest payload a FragmentSpec with this variant may carry (the packet
// must fit the 16-bit total length): 65535 - header_length(v).
std::size_t max_fragment_length(OptionsVariant v);

// Limits the fuzz targets put on one input, so one exec stays cheap. Decoding
// stops before the record that would pass either limit.
struct LenientLimits {
  std::size_t max_records = std::numeric_limits<std::size_t>::max();
  // Sum of the sizes of all packets (raw, and fragments as expanded).
  std::size_t max_packet_octets = std::numeric_limits<std::size_t>::max();
};

// Any bytes -> a valid trace. Never fails. The first 5 octets (magic and
// version) are skipped without being checked; a config field that is missing
// keeps its default.
Trace decode_lenient(Bytes bytes, const LenientLimits& limits = {});

struct DecodeError {
  std::string what;        // e.g. "record 3 (fragment): truncated"
  std::size_t offset = 0;  // byte offset of the problem
};

struct StrictResult {
  std::optional<Trace> trace;  // set on success
  DecodeError error;           // set on failure
  explicit operator bool() const { return trace.has_value(); }
};

// Only canonical traces; the first problem, with its byte offset.
StrictResult decode_strict(Bytes bytes);

// The canonical encoding. Values outside the valid ranges are clamped as
// decode_lenient would clamp them (timeout rounded down to whole milliseconds
// and saturated at 2^32-1 ms; thresholds at kMaxThreshold; caps at 65535;
// raw packets truncated to 65535 octets), so decode_strict(encode(t)) always
// succeeds.
std::vector<std::uint8_t> encode(const Trace& trace);

// Appends one record's canonical encoding to `out`.
void encode_record(const Record& record, std::vector<std::uint8_t>& out);

// ---------------------------------------------------------------- expansion

// The IPv4 packet a FragmentSpec stands for.
std::vector<std::uint8_t> expand(const FragmentSpec& spec);

// The packet a record pushes: RawPacket bytes or an expanded FragmentSpec.
// nullopt for the clock records (AdvanceClock, RewindClock) and Expire.
std::optional<std::vector<std::uint8_t>> expand(const Record& record);

// The same, written into `out` (its storage reused: no allocation in steady
// state). False, and `out` untouched, for clock records and Expire.
bool expand_into(const Record& record, std::vector<std::uint8_t>& out);

// Size in octets of the packet the record pushes (0 for clock records),
// without building it.
std::size_t packet_size(const Record& record);

// ---------------------------------------------------------------- running

// The clock of a run: starts at kTraceStart, stays within [kTraceOrigin, kTraceEnd].
class TraceClock {
 public:
  Instant now() const { return now_; }
  void advance(std::uint64_t ns);
  void rewind(std::uint64_t ns);

 private:
  Instant now_ = kTraceStart;
};

// Applies one record to `engine` at the clock's time (advancing the clock for
// AdvanceClock and RewindClock). `scratch` holds the expanded packet (reused, no allocation in
// steady state).
void apply(const Record& record, ReassemblyEngine& engine, TraceClock& clock, EventSink& sink,
           std::vector<std::uint8_t>& scratch);

// Runs every record in order (DESIGN.md: a run is a pure function of the trace).
// The engine should have been made with trace.config. Returns the final time.
Instant run_trace(ReassemblyEngine& engine, const Trace& trace, EventSink& sink);

// ---------------------------------------------------------------- printing

std::string to_string(Fill f);
std::string to_string(OptionsVariant v);
// One line, e.g. "frag flow 5 [192.0.2.1>192.0.2.2 proto 6 id 0x0001] off 8 (64) len 24 MF
// fill counter/3".
std::string to_string(const Record& record);
// One line: "policy linux timeout 30000ms high 4194304 low 3145728 ...".
std::string to_string(const ReassemblyConfig& config);

}  // namespace ip4ref::trace
