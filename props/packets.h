// packets.h: building packets for properties, driving an engine, and
// describing what came out, so a failing property says what differed in the
// vocabulary of the domain.
#pragma once

#include <rapidcheck.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "generators.h"
#include "ip4ref/events.h"
#include "ip4ref/ipv4_header.h"
#include "ip4ref/reassembly_engine.h"

namespace ip4ref::props {

using Packet = std::vector<std::uint8_t>;

// RFC 1071 written out the slow way (end-around carry after every word), as
// an oracle independent of lib/src/wire/checksum.cpp.
inline std::uint16_t oracle_sum(Bytes b) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i < b.size(); i += 2) {
    const std::uint32_t hi = b[i];
    const std::uint32_t lo = i + 1 < b.size() ? b[i + 1] : 0;
    sum += (hi << 8) | lo;
    sum = (sum & 0xffff) + (sum >> 16);
  }
  return static_cast<std::uint16_t>(sum);
}

inline std::uint16_t oracle_checksum(Bytes b) {
  return static_cast<std::uint16_t>(~oracle_sum(b));
}

// The packet of one overlap-train fragment of datagram `id`: IHL 5 (or the
// given options), the fill octet as every data octet and as the TTL.
inline Packet build(const FragSpec& f, std::uint16_t id = 1,
                    const std::vector<Ipv4Option>& options = {}) {
  Ipv4Header h;
  h.options = options;
  const std::size_t hl = *h.size();
  h.identification = id;
  h.protocol = kProtocol;
  h.source = kSource;
  h.destination = kDestination;
  h.ttl = static_cast<std::uint8_t>(f.fill);
  h.tos = f.ecn;
  h.dont_fragment = f.df;
  h.more_fragments = f.more;
  h.fragment_offset = static_cast<std::uint16_t>(f.offset);
  h.total_length = static_cast<std::uint16_t>(hl + f.length);
  Packet out(hl + f.length, static_cast<std::uint8_t>(f.fill));
  (void)h.emit(out);
  return out;
}

inline FragmentKey key_of(std::uint16_t id) {
  return FragmentKey{kSource, kDestination, kProtocol, id};
}

// Under linux the kernel's ip_frag_reasm decides two header fields itself
// (lib/src/ref/reassembly_store.h step 10): DF (set exactly when the largest
// fragment accepted had DF; the reserved flag cleared) and the ECN bits
// OR-ed into the TOS (CE when CE mixed with ECT).
struct LinuxHeaderRule {
  bool df = false;
  std::uint8_t tos_or = 0;
};

// The header rule (DESIGN.md "The reassembled datagram"), written from the
// text: the offset-0 fragment's header with its options (or IHL 5 with
// strip_options); MF and fragment offset cleared, DF and the reserved flag as
// in that fragment (or as `linux` says); total length set; checksum
// recomputed. Then the data.
inline Packet reassembled(Bytes offset0_packet, Bytes data, bool strip_options,
                          std::optional<LinuxHeaderRule> linux_rule = std::nullopt) {
  const std::size_t ihl = std::size_t{offset0_packet[0] & 0x0fu} * 4;
  Packet out(offset0_packet.begin(),
             offset0_packet.begin() + static_cast<std::ptrdiff_t>(strip_options ? 20 : ihl));
  if (strip_options) {
    out[0] = 0x45;
  }
  out[6] &= 0xc0;  // keep reserved and DF; MF and the offset's high bits go
  out[7] = 0;
  if (linux_rule) {
    out[6] = linux_rule->df ? 0x40 : 0x00;
    out[1] = static_cast<std::uint8_t>(out[1] | linux_rule->tos_or);
  }
  const std::size_t total = out.size() + data.size();
  out[2] = static_cast<std::uint8_t>(total >> 8);
  out[3] = static_cast<std::uint8_t>(total & 0xff);
  out[10] = 0;
  out[11] = 0;
  const std::uint16_t sum = oracle_checksum(out);
  out[10] = static_cast<std::uint8_t>(sum >> 8);
  out[11] = static_cast<std::uint8_t>(sum & 0xff);
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

// "lengths 120 vs 121; first difference at octet 20: 0x41 vs 0x42" or "equal".
inline std::string byte_difference(Bytes got, Bytes want) {
  std::ostringstream s;
  if (got.size() != want.size()) {
    s << "lengths " << got.size() << " (got) vs " << want.size() << " (want); ";
  }
  for (std::size_t i = 0; i < std::min(got.size(), want.size()); ++i) {
    if (got[i] != want[i]) {
      s << "first difference at octet " << i << ": 0x" << std::hex << unsigned{got[i]}
        << " (got) vs 0x" << unsigned{want[i]} << " (want)";
      return s.str();
    }
  }
  return got.size() == want.size() ? "equal" : s.str() + "common prefix equal";
}

inline std::string describe(const RecordedEvent& e) {
  return to_string(e);
}

inline std::string describe(const std::vector<RecordedEvent>& events) {
  if (events.empty()) {
    return "(no events)";
  }
  std::string out;
  for (const RecordedEvent& e : events) {
    out += (out.empty() ? "" : "; ") + to_string(e);
  }
  return out;
}

// One engine, its event log, and pushes that return only their own events.
class Driver {
 public:
  Driver(std::string_view engine_name, const ReassemblyConfig& config)
      : engine_(make_engine(engine_name, config)) {}

  // An engine made elsewhere (a reset one, props/differential_props.cpp).
  explicit Driver(std::unique_ptr<ReassemblyEngine> engine) : engine_(std::move(engine)) {}

  bool ok() const { return engine_ != nullptr; }
  ReassemblyEngine& engine() { return *engine_; }
  std::unique_ptr<ReassemblyEngine> take() { return std::move(engine_); }

  std::vector<RecordedEvent> push(Bytes packet, Instant now) {
    log_.clear();
    engine_->push(packet, now, log_);
    return log_.events();
  }
  std::vector<RecordedEvent> expire(Instant now) {
    log_.clear();
    engine_->expire(now, log_);
    return log_.events();
  }
  const ReassemblyStats& stats() const { return engine_->stats(); }
  std::optional<Instant> next_expiry() const { return engine_->next_expiry(); }

 private:
  std::unique_ptr<ReassemblyEngine> engine_;
  EventLog log_;
};

inline ReassemblyConfig config_for(Policy p) {
  ReassemblyConfig c;
  c.policy = p;
  return c;
}

}  // namespace ip4ref::props

namespace ip4ref {

inline void showValue(const RecordedEvent& e, std::ostream& os) {
  os << to_string(e);
}
inline void showValue(const ReassemblyStats& s, std::ostream& os) {
  os << "{" << to_string(s) << "}";
}

}  // namespace ip4ref
