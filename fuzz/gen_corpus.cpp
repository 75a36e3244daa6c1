// gen_corpus: writes the seed corpora of the fuzz targets (corpus/<target>/).
//
//   gen_corpus CORPUS_DIR     e.g. build/fuzz/fuzz/gen_corpus corpus
//
// Every file it writes is named gen-<case>; it overwrites its own files and
// leaves every other file alone (inputs that ci/fuzz merged in, regressions).
// The cases are the hand-written scenarios of DESIGN.md and the issue: each
// policy's interesting overlaps (Novak's pattern), timeouts around the
// deadline, memory pressure, the classic attacks (teardrop, ping of death,
// tiny and overlapping fragments of RFC 1858, overlap storms), limits,
// malformed packets; then a few seeded random traces. Output is deterministic.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "ip4ref/checksum.h"
#include "ip4ref/icmp.h"
#include "ip4ref/ipv4_header.h"
#include "ip4ref/fragmenter.h"
#include "ip4ref/udp.h"
#include "roundtrip_input.h"
#include "stack_input.h"
#include "trace.h"

namespace {

using namespace ip4ref;
using namespace ip4ref::trace;
namespace fs = std::filesystem;

std::size_t g_written = 0;

void write_file(const fs::path& dir, const std::string& name, const std::vector<std::uint8_t>& b) {
  fs::create_directories(dir);
  std::ofstream out(dir / ("gen-" + name), std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  ++g_written;
}

// ---------------------------------------------------------------- trace DSL

struct T {
  Trace trace;
  explicit T(Policy p = Policy::kLinux) { trace.config.policy = p; }
  // A fragment of flow `flow`: offset and length in octets (offset / 8 is used).
  T& frag(std::size_t offset, std::size_t length, bool more, std::uint8_t seed = 'a',
          Fill fill = Fill::kConstant, std::uint8_t flow = 0) {
    FragmentSpec s;
    s.flow = flow;
    s.offset_units = static_cast<std::uint16_t>(offset / 8);
    s.length = static_cast<std::uint16_t>(length);
    s.more_fragments = more;
    s.seed = seed;
    s.fill = fill;
    trace.records.push_back(s);
    return *this;
  }
  T& spec(const FragmentSpec& s) {
    trace.records.push_back(s);
    return *this;
  }
  T& raw(std::vector<std::uint8_t> bytes) {
    trace.records.push_back(RawPacket{std::move(bytes)});
    return *this;
  }
  T& advance_ns(std::int64_t ns) {
    trace.records.push_back(AdvanceClock{static_cast<std::uint64_t>(ns)});
    return *this;
  }
  T& rewind_ns(std::int64_t ns) {
    trace.records.push_back(RewindClock{static_cast<std::uint64_t>(ns)});
    return *this;
  }
  T& expire() {
    trace.records.push_back(Expire{});
    return *this;
  }
  // A whole datagram of `total` octets in `piece`-octet fragments, in order.
  T& train(std::size_t total, std::size_t piece, std::uint8_t flow = 0,
           Fill fill = Fill::kDatagramCounter, std::uint8_t seed = 0) {
    for (std::size_t off = 0; off < total; off += piece) {
      frag(off, std::min(piece, total - off), off + piece < total, seed, fill, flow);
    }
    return *this;
  }
};

const fs::path* g_diff_dir = nullptr;

void save(const std::string& name, const T& t) {
  write_file(*g_diff_dir, name + ".trace", encode(t.trace));
}

std::string pname(Policy p) {
  return std::string(to_string(p));
}

// Novak, "Target-Based Fragmentation Reassembly" (2005): the standard
// overlapping-fragment pattern (lib/test/reassembly_store_test.cpp kNovak).
struct Piece {
  char c;
  std::size_t offset, length;
};
constexpr Piece kNovak[] = {
    {'A', 0, 24},   {'B', 32, 16},  {'C', 48, 24}, {'D', 80, 8},  {'E', 104, 16}, {'F', 120, 24},
    {'G', 144, 16}, {'H', 160, 16}, {'I', 176, 8}, {'J', 8, 32},  {'K', 48, 24},  {'L', 72, 24},
    {'M', 96, 24},  {'N', 128, 8},  {'O', 152, 8}, {'P', 160, 8}, {'Q', 176, 16},
};

void policy_cases() {
  for (Policy p : kAllPolicies) {
    const std::string n = pname(p);
    T novak(p);
    for (const Piece& x : kNovak) {
      novak.frag(x.offset, x.length, x.c != 'Q', static_cast<std::uint8_t>(x.c));
    }
    save("novak-" + n, novak);
    save("in-order-" + n, T(p).train(3000, 1480));
    T rev(p);
    rev.frag(16, 5, false, 'c').frag(8, 8, true, 'b').frag(0, 8, true, 'a');
    save("reversed-" + n, rev);
    // Exact duplicate (same bytes), then the same range with other bytes.
    save("duplicate-same-bytes-" + n,
         T(p).frag(0, 16, true, 'a').frag(0, 16, true, 'a').frag(16, 8, false, 'b'));
    save("duplicate-other-bytes-" + n,
         T(p).frag(0, 16, true, 'a').frag(0, 16, true, 'z').frag(16, 8, false, 'b'));
    // New fragment strictly surrounds an old one; ends equal; starts equal.
    save("surrounds-" + n,
         T(p).frag(8, 8, true, 'b').frag(0, 24, true, 'N').frag(24, 8, false, 'c'));
    save("same-end-" + n,
         T(p).frag(8, 16, true, 'b').frag(0, 24, true, 'N').frag(24, 8, false, 'c'));
    save("same-start-" + n,
         T(p).frag(0, 8, true, 'a').frag(0, 24, true, 'N').frag(24, 8, false, 'c'));
    save("partial-overlap-" + n,
         T(p).frag(0, 16, true, 'a').frag(8, 16, true, 'b').frag(24, 3, false, 'c'));
    // A duplicate that brings the end (completes under every policy but linux).
    save("duplicate-brings-end-" + n, T(p).frag(0, 16, true, 'a').frag(8, 8, false, 'a'));
    // Linux rounds an MF fragment's end down to 8; the others drop it.
    save("unaligned-mf-" + n, T(p).frag(0, 13, true, 'a').frag(8, 2, false, 'b'));
    // Zero-length fragments (linux discards the datagram).
    save("empty-fragment-" + n, T(p).frag(0, 8, true).frag(8, 0, true).frag(8, 8, false));
    save("conflicting-end-" + n, T(p).frag(16, 8, false).frag(24, 8, false).frag(0, 16, true));
    save("past-end-" + n, T(p).frag(16, 8, false).frag(24, 8, true).frag(0, 16, true));
    // Teardrop: the second fragment ends inside the first.
    save("teardrop-" + n, T(p).frag(0, 36, true, 'a').frag(24, 4, false, 'b'));
    // RFC 1858 overlapping fragment attack: offset 8 rewrites the TCP header.
    T rfc1858(p);
    FragmentSpec tcp;
    tcp.flow = 4;  // protocol 6
    tcp.length = 24;
    tcp.more_fragments = true;
    tcp.fill = Fill::kDatagramCounter;
    rfc1858.spec(tcp);
    tcp.offset_units = 1;
    tcp.length = 16;
    tcp.more_fragments = false;
    tcp.seed = 0x40;
    rfc1858.spec(tcp);
    save("rfc1858-overlap-" + n, rfc1858);
    // Overlap storm: many small overlapping fragments of one datagram.
    T storm(p);
    std::mt19937 rng(1234);
    for (int i = 0; i < 110; ++i) {
      // One draw per statement: the order of draws inside an argument list is
      // unspecified (g++ and clang differ). This order keeps the committed seeds.
      const auto byte = static_cast<std::uint8_t>(rng());
      const auto length = 8 * (1 + rng() % 4);
      const auto offset = 8 * (rng() % 64);
      storm.frag(offset, length, true, byte, Fill::kConstant);
    }
    storm.frag(512, 8, false, 'z');
    save("overlap-storm-" + n, storm);
  }
}

void timeout_cases() {
  const std::int64_t timeout = Duration::seconds(30).ns();
  save("timeout-just-before", T().frag(0, 8, true).advance_ns(timeout - 1).frag(8, 8, false));
  save("timeout-exactly", T().frag(0, 8, true).advance_ns(timeout).frag(8, 8, false));
  save("timeout-after-expire", T().frag(0, 8, true).advance_ns(timeout + 1).expire());
  save("timeout-first-not-seen", T().frag(8, 8, true).advance_ns(timeout).expire());
  // Deadline ties: creation order decides; the later fragment does not refresh.
  save("timeout-ties", T().frag(0, 8, true, 'a', Fill::kConstant, 1)
                           .frag(0, 8, true, 'b', Fill::kConstant, 2)
                           .frag(0, 8, true, 'c', Fill::kConstant, 0)
                           .advance_ns(timeout / 2)
                           .frag(8, 8, true, 'd', Fill::kConstant, 0)
                           .advance_ns(timeout / 2)
                           .expire());
  T zero;
  zero.trace.config.timeout = Duration::nanoseconds(0);
  save("timeout-zero", zero.frag(0, 8, true).frag(8, 8, false).expire());
  T staggered;
  for (int i = 0; i < 8; ++i) {
    staggered.frag(0, 8, true, 'a', Fill::kConstant, static_cast<std::uint8_t>(i))
        .advance_ns(timeout / 7);
  }
  save("timeout-staggered", staggered.expire());
  // The clock steps back: a newer datagram gets an earlier deadline than older
  // ones; expiry follows deadlines, not creation.
  T back;
  back.frag(0, 8, true, 'a', Fill::kConstant, 0).advance_ns(timeout / 3);
  back.frag(0, 8, true, 'b', Fill::kConstant, 1).rewind_ns(timeout);
  back.frag(0, 8, true, 'c', Fill::kConstant, 2).frag(0, 8, true, 'd', Fill::kConstant, 3);
  back.advance_ns(timeout).frag(8, 8, false, 'e', Fill::kConstant, 1).advance_ns(timeout).expire();
  save("clock-steps-back", back);
  T back_past_start;
  back_past_start.frag(0, 8, true).rewind_ns(timeout * 4).frag(0, 8, true, 'x', Fill::kConstant, 5);
  save("clock-steps-back-past-origin", back_past_start.advance_ns(timeout).expire());
  T saturate;
  saturate.frag(0, 8, true);
  for (int i = 0; i < 4; ++i) {
    saturate.advance_ns(static_cast<std::int64_t>(kMaxAdvanceNs));
  }
  save("clock-saturates", saturate.frag(0, 8, true).expire());
}

void limit_cases() {
  T pressure;
  pressure.trace.config.high_threshold = 2000;
  pressure.trace.config.low_threshold = 1500;
  for (std::uint8_t f = 0; f < 12; ++f) {
    pressure.frag(0, 200, true, 'a', Fill::kConstant, f);
  }
  save("memory-pressure-evicts-oldest", pressure.frag(200, 8, false, 'z', Fill::kConstant, 11));
  T too_big;
  too_big.trace.config.high_threshold = 1000;
  too_big.trace.config.low_threshold = 600;
  save("memory-limit-drop", too_big.frag(0, 256, true).frag(0, 700, true, 'b', Fill::kConstant, 1));
  T low_above_high;
  low_above_high.trace.config.high_threshold = 700;
  low_above_high.trace.config.low_threshold = 5000;
  save("memory-low-above-high", low_above_high.train(1200, 200).train(600, 200, 1));
  T flood;
  flood.trace.config.high_threshold = 65536;
  flood.trace.config.low_threshold = 49152;
  for (std::uint8_t f = 0; f < 64; ++f) {
    flood.frag(8, 1000, true, f, Fill::kConstant, f);
  }
  save("incomplete-flood", flood);
  T caps;
  caps.trace.config.max_datagrams = 2;
  caps.trace.config.max_fragments_per_datagram = 3;
  caps.frag(0, 8, true, 'a', Fill::kConstant, 0).frag(0, 8, true, 'a', Fill::kConstant, 1);
  caps.frag(0, 8, true, 'a', Fill::kConstant, 2);              // too many datagrams
  caps.frag(8, 8, true).frag(16, 8, true).frag(24, 8, false);  // too many fragments
  save("caps", caps);
}

void wire_cases() {
  // Ping of death: the end passes 65535 - header length.
  save("ping-of-death", T().frag(0, 1480, true).frag(65512, 100, false));
  // The largest datagram: 65515 data octets after a 20-octet header.
  T max;
  max.frag(0, 32760, true, 0, Fill::kDatagramHash)
      .frag(32760, 32755, false, 0, Fill::kDatagramHash);
  save("largest-datagram", max);
  // Options on the first fragment push the rebuilt datagram past 65535.
  T over;
  FragmentSpec first;
  first.length = 32760;
  first.more_fragments = true;
  first.options = OptionsVariant::kMaximum;
  over.spec(first).frag(32760, 32755, false);
  save("oversize-with-options", over);
  for (std::size_t v = 0; v < kOptionsVariants; ++v) {
    FragmentSpec s;
    s.length = 64;
    s.more_fragments = true;
    s.options = static_cast<OptionsVariant>(v);
    s.dont_fragment = v % 2 == 1;
    s.reserved_flag = v == 5;
    T t;
    t.spec(s).frag(64, 10, false);
    save("options-" + to_string(s.options), t);
    t.trace.config.strip_options = true;
    save("options-stripped-" + to_string(s.options), t);
  }
  FragmentSpec bad;
  bad.length = 8;
  bad.more_fragments = true;
  bad.bad_checksum = true;
  save("bad-checksum", T().spec(bad).frag(0, 8, true).frag(8, 1, false));
  // Tiny fragments: one octet each after the first (RFC 1858 tiny fragment).
  // RFC 3168 5.3 under linux: CE with ECT gives CE; Not-ECT with ECT is refused.
  for (Policy p : {Policy::kLinux, Policy::kBsd}) {
    T mix(p);
    FragmentSpec e1;
    e1.length = 16;
    e1.more_fragments = true;
    e1.ecn = 2;  // ECT(0)
    FragmentSpec e2 = e1;
    e2.offset_units = 2;
    e2.more_fragments = false;
    e2.ecn = 3;  // CE
    save("ecn-ce-with-ect-" + pname(p), mix.spec(e1).spec(e2));
    T refused(p);
    e2.ecn = 0;  // Not-ECT
    save("ecn-not-ect-with-ect-" + pname(p), refused.spec(e1).spec(e2));
    // linux: DF is set when the largest fragment had DF; the reserved bit goes.
    T df(p);
    e1.ecn = 0;
    e1.dont_fragment = true;
    e1.reserved_flag = true;
    e2.length = 8;
    save("df-from-largest-fragment-" + pname(p), df.spec(e1).spec(e2));
  }
  T tiny;
  tiny.frag(0, 8, true, 0, Fill::kDatagramCounter, 4);
  for (std::size_t off = 8; off < 64; off += 8) {
    tiny.frag(off, 8, true, 0, Fill::kDatagramCounter, 4);
  }
  save("tiny-fragments", tiny.frag(64, 1, false, 0, Fill::kDatagramCounter, 4));
  // Same addresses and id, different protocols: different datagrams (RFC 791 key).
  T keys;
  keys.frag(0, 8, true, 'u', Fill::kConstant, 0).frag(0, 8, true, 't', Fill::kConstant, 4);
  keys.frag(8, 8, false, 'u', Fill::kConstant, 0).frag(8, 8, false, 't', Fill::kConstant, 4);
  save("key-includes-protocol", keys);
  save("duplicate-after-delivery", T().frag(0, 8, true).frag(8, 8, false).frag(0, 8, true));
  // Raw packets: unfragmented with options and link padding, and malformed ones.
  std::vector<std::uint8_t> whole = expand(FragmentSpec{
      0, 0, 40, false, true, false, false, OptionsVariant::kTimestamp, Fill::kDatagramCounter, 0});
  std::vector<std::uint8_t> padded = whole;
  padded.insert(padded.end(), 6, 0xee);
  std::vector<std::uint8_t> v6 = whole;
  v6[0] = 0x65;
  std::vector<std::uint8_t> ihl4 = whole;
  ihl4[0] = 0x44;
  std::vector<std::uint8_t> long_total = whole;
  long_total[2] = 0xff;
  save("raw-packets",
       T().raw(whole).raw(padded).raw({0x45, 0, 0}).raw(v6).raw(ihl4).raw(long_total).raw({}));
}

void random_traces() {
  std::mt19937 rng(20240601);
  for (int n = 0; n < 24; ++n) {
    T t(kAllPolicies[static_cast<std::size_t>(n) % kAllPolicies.size()]);
    if (n % 3 == 0) {
      t.trace.config.high_threshold = 4000 + rng() % 4000;
      t.trace.config.low_threshold = t.trace.config.high_threshold / 2;
    }
    // One draw per statement (see the storm above): the seeds do not depend on the compiler.
    const int flows = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flows; ++f) {
      const std::size_t total = 8 + rng() % 3000;
      const std::size_t piece = 8 * (1 + rng() % 64);
      const auto byte = static_cast<std::uint8_t>(rng());
      const auto fill = static_cast<Fill>(rng() % 4);
      const auto flow = static_cast<std::uint8_t>(rng() % kFlows);
      t.train(total, piece, flow, fill, byte);
    }
    for (int k = 0; k < 4; ++k) {
      const auto byte = static_cast<std::uint8_t>(rng());
      const bool more = rng() % 2 == 0;
      const auto length = rng() % 300;
      const auto offset = 8 * (rng() % 200);
      t.frag(offset, length, more, byte, Fill::kConstant,
             t.trace.records.empty() ? 0 : std::get<FragmentSpec>(t.trace.records[0]).flow);
    }
    std::shuffle(t.trace.records.begin(), t.trace.records.end(), rng);
    if (n % 4 == 1) {
      t.trace.records.insert(
          t.trace.records.begin() + static_cast<std::ptrdiff_t>(t.trace.records.size() / 2),
          AdvanceClock{static_cast<std::uint64_t>(Duration::seconds(31).ns())});
    }
    save("random-" + std::to_string(n), t);
  }
}

// ---------------------------------------------------------------- fragment_roundtrip

void roundtrip_cases(const fs::path& dir) {
  using ip4ref::fuzz::RoundtripInput;
  const std::uint16_t mtus[] = {68, 576, 1006, 1500, 9000, 67};
  const std::uint16_t lengths[] = {0, 1, 100, 1480, 4000, 65515};
  int n = 0;
  for (std::uint16_t mtu : mtus) {
    for (std::uint16_t length : lengths) {
      RoundtripInput r;
      r.mtu = mtu;
      r.length = length;
      r.options = static_cast<OptionsVariant>(n % 7);
      r.order = static_cast<std::uint8_t>(n % 4);
      r.order_seed = static_cast<std::uint32_t>(n * 7919);
      r.duplicates = static_cast<std::uint8_t>(n % 3);
      r.strip_options = n % 2 == 1;
      r.flow = static_cast<std::uint8_t>(n);
      r.fill = static_cast<Fill>(n % 4);
      r.refragment_mtu = n % 5 == 0 ? 68 : 0;
      if (length <= 4000 || mtu >= 576) {
        write_file(dir, "mtu" + std::to_string(mtu) + "-len" + std::to_string(length),
                   encode_roundtrip(r));
      }
      ++n;
    }
  }
  RoundtripInput df;
  df.mtu = 576;
  df.length = 1000;
  df.dont_fragment = true;
  write_file(dir, "dont-fragment-needed", encode_roundtrip(df));
  df.options = OptionsVariant::kMalformed;
  write_file(dir, "malformed-options", encode_roundtrip(df));
  for (std::size_t v = 0; v < kOptionsVariants; ++v) {
    RoundtripInput r;
    r.mtu = 100;
    r.length = 300;
    r.options = static_cast<OptionsVariant>(v);
    r.refragment_mtu = 68;
    r.order = 2;
    r.duplicates = 2;
    write_file(dir, "options-" + to_string(r.options), encode_roundtrip(r));
  }
}

// ---------------------------------------------------------------- header_parse

void header_cases(const fs::path& dir) {
  for (std::size_t v = 0; v < kOptionsVariants; ++v) {
    FragmentSpec s;
    s.flow = static_cast<std::uint8_t>(v * 9);
    s.length = static_cast<std::uint16_t>(v * 13);
    s.options = static_cast<OptionsVariant>(v);
    s.more_fragments = v % 2 == 0;
    s.offset_units = static_cast<std::uint16_t>(v);
    s.fill = Fill::kDatagramCounter;
    write_file(dir, "packet-" + to_string(s.options), expand(s));
  }
  FragmentSpec s;
  s.length = 16;
  std::vector<std::uint8_t> p = expand(s);
  write_file(dir, "truncated-19", {p.begin(), p.begin() + 19});
  auto bad = p;
  bad[0] = 0x46;  // IHL 6 but only a 20-octet header's worth before data: fine shape
  write_file(dir, "ihl6", bad);
  bad = p;
  bad[0] = 0x4f;
  write_file(dir, "ihl15-truncated", {bad.begin(), bad.begin() + 30});
  bad = p;
  bad[0] = 0x43;
  write_file(dir, "ihl3", bad);
  bad = p;
  bad[0] = 0x60;
  write_file(dir, "version6", bad);
  bad = p;
  bad[2] = 0;
  bad[3] = 19;
  write_file(dir, "total-length-below-header", bad);
  bad = p;
  bad[3] = static_cast<std::uint8_t>(bad[3] + 1);
  write_file(dir, "total-length-past-end", bad);
  bad = p;
  bad.insert(bad.end(), {0xde, 0xad});
  write_file(dir, "link-padding", bad);
  // RFC 1071 3 numerical example octets.
  write_file(dir, "rfc1071-example", {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7});
  // An ICMP echo request inside a valid header.
  const std::vector<std::uint8_t> payload = {'p', 'i', 'n', 'g'};
  const std::vector<std::uint8_t> echo = make_echo_request(0x1234, 1, payload);
  Ipv4Header h;
  h.protocol = kIpProtoIcmp;
  h.source = 0xc0000201;
  h.destination = 0xc0000202;
  h.total_length = static_cast<std::uint16_t>(20 + echo.size());
  std::vector<std::uint8_t> pkt(20);
  (void)h.emit(pkt);
  pkt.insert(pkt.end(), echo.begin(), echo.end());
  write_file(dir, "icmp-echo-request", pkt);
}


// ---------------------------------------------------------------- stack

// The stack target's seeds: fuzz/stack_input.h (4 octets of knobs, then a trace).
const fs::path* g_stack_dir = nullptr;

constexpr std::uint32_t kPeer = 0xc0000201;     // 192.0.2.1
constexpr std::uint32_t kStack = 0xc0000202;    // 192.0.2.2
constexpr std::uint32_t kPeer2 = 0xc6336407;    // 198.51.100.7
constexpr std::uint32_t kStack2 = 0xc6336402;   // 198.51.100.2

void save_stack(const std::string& name, const fuzz::StackKnobs& k, const T& t) {
  write_file(*g_stack_dir, name, fuzz::encode_stack_input(k, t.trace));
}

std::vector<std::uint8_t> ip_packet(std::uint8_t protocol, std::uint32_t source,
                                    std::uint32_t destination, const std::vector<std::uint8_t>& payload,
                                    std::uint16_t id = 1) {
  Ipv4Header h;
  h.protocol = protocol;
  h.source = source;
  h.destination = destination;
  h.identification = id;
  h.total_length = static_cast<std::uint16_t>(kIpv4MinHeader + payload.size());
  std::vector<std::uint8_t> packet(kIpv4MinHeader);
  (void)h.emit(packet);
  packet.insert(packet.end(), payload.begin(), payload.end());
  return packet;
}

std::vector<std::uint8_t> echo(std::size_t size, std::uint16_t sequence = 1) {
  std::vector<std::uint8_t> data(size);
  for (std::size_t i = 0; i < size; ++i) {
    data[i] = static_cast<std::uint8_t>(i);
  }
  return make_echo_request(0x4242, sequence, data);
}

// `packet` cut into fragments for `mtu` (RFC 791), each a raw record.
T& fragments(T& t, const std::vector<std::uint8_t>& packet, std::size_t mtu, bool reversed = false) {
  FragmentResult r = fragment(packet, mtu);
  if (reversed) {
    std::reverse(r.fragments.begin(), r.fragments.end());
  }
  for (auto& f : r.fragments) {
    t.raw(std::move(f));
  }
  return t;
}

// A send record (stack_input.h): address pair 1, protocol index `proto`
// (0 UDP, 1 TCP, 2 ICMP, 3 253), destination index `dest`.
FragmentSpec send_spec(std::size_t length, std::uint8_t proto, std::uint8_t dest, bool df = false,
                       bool udp = false) {
  FragmentSpec s;
  s.flow = static_cast<std::uint8_t>(fuzz::kSendAddressPair | proto << 2);
  s.offset_units = dest;
  s.length = static_cast<std::uint16_t>(length);
  s.dont_fragment = df;
  s.more_fragments = udp;
  s.fill = Fill::kDatagramCounter;
  return s;
}

void stack_ping_cases() {
  const fuzz::StackKnobs plain;
  save_stack("ping", plain, T().raw(ip_packet(kIpProtoIcmp, kPeer, kStack, echo(56))));
  save_stack("ping-second-address", plain,
             T().raw(ip_packet(kIpProtoIcmp, kPeer2, kStack2, echo(56))));
  save_stack("ping-broadcast", plain,
             T().raw(ip_packet(kIpProtoIcmp, kPeer, 0xc00002ff, echo(56)))
                 .raw(ip_packet(kIpProtoIcmp, kPeer, 0xffffffff, echo(56))));
  for (std::uint8_t m = 0; m < fuzz::kStackMtus.size(); ++m) {
    fuzz::StackKnobs k;
    k.mtu_index = m;
    const std::size_t mtu = fuzz::kStackMtus[m];
    T t;
    fragments(t, ip_packet(kIpProtoIcmp, kPeer, kStack, echo(3 * mtu), 7), mtu);
    save_stack("ping-fragmented-mtu" + std::to_string(mtu), k, t);
  }
  fuzz::StackKnobs shuffled;
  shuffled.shuffle = true;
  shuffled.id_seed = 99;
  T reversed;
  fragments(reversed, ip_packet(kIpProtoIcmp, kPeer, kStack, echo(4000), 9), 1500, true);
  save_stack("ping-fragmented-reversed-shuffled", shuffled, reversed);
  // A burst with one reply slot and a 2-packet link: input and link back-pressure.
  fuzz::StackKnobs tight;
  tight.reply_index = 1;
  tight.capacity_index = 1;
  tight.burst = true;
  T burst;
  for (std::uint16_t i = 0; i < 6; ++i) {
    fragments(burst, ip_packet(kIpProtoIcmp, kPeer, kStack, echo(2000, i), i), 1500);
  }
  tight.capacity_index = 2;  // 8 packets in flight toward the stack
  save_stack("ping-burst-input-stalls", tight, burst);
  tight.capacity_index = 1;
  save_stack("ping-burst-backpressure", tight, burst);
  fuzz::StackKnobs no_echo;
  no_echo.no_echo = true;
  no_echo.icmp_handler = true;
  save_stack("ping-not-answered-handler", no_echo,
             T().raw(ip_packet(kIpProtoIcmp, kPeer, kStack, echo(56))));
}

void stack_timeout_cases() {
  const fuzz::StackKnobs plain;
  const std::int64_t timeout = 30'000'000'000;
  // RFC 1122 3.3.2: time exceeded when fragment zero arrived, at the deadline.
  save_stack("time-exceeded", plain,
             T().frag(0, 64, true, 'a', Fill::kConstant, 0).advance_ns(timeout - 1).advance_ns(1));
  save_stack("time-exceeded-icmp-flow", plain,
             T().frag(0, 64, true, 'a', Fill::kConstant, 8).advance_ns(timeout).expire());
  save_stack("timeout-without-first-fragment", plain,
             T().frag(64, 64, true, 'a', Fill::kConstant, 0).advance_ns(timeout));
  fuzz::StackKnobs quiet;
  quiet.no_time_exceeded = true;
  save_stack("time-exceeded-suppressed", quiet,
             T().frag(0, 64, true, 'a', Fill::kConstant, 0).advance_ns(timeout));
  // To a directed broadcast (flow pair 3): no ICMP error about it.
  save_stack("timeout-broadcast", plain,
             T().frag(0, 64, true, 'a', Fill::kConstant, 3).advance_ns(timeout));
  // Off-link source (198.51.100.7 is on the second subnet) and the clock going back.
  save_stack("timeout-rewind", plain,
             T().frag(0, 64, true, 'a', Fill::kConstant, 2)
                 .advance_ns(timeout / 2)
                 .rewind_ns(timeout)
                 .frag(64, 8, false, 'a', Fill::kConstant, 2)
                 .advance_ns(2 * timeout));
  T short_timeout;
  short_timeout.trace.config.timeout = Duration::milliseconds(1);
  save_stack("timeout-1ms-many", plain,
             short_timeout.frag(0, 8, true, 'a', Fill::kConstant, 0)
                 .frag(0, 8, true, 'b', Fill::kConstant, 16)
                 .frag(0, 8, true, 'c', Fill::kConstant, 32)
                 .advance_ns(1'000'000));
}

void stack_bad_packet_cases() {
  const fuzz::StackKnobs plain;
  std::vector<std::uint8_t> good = ip_packet(kIpProtoIcmp, kPeer, kStack, echo(16));
  T t;
  auto bad = good;
  bad[10] ^= 1;  // header checksum
  t.raw(bad);
  t.raw({good.begin(), good.begin() + 19});
  bad = good;
  bad[0] = 0x65;
  t.raw(bad);
  bad = good;
  bad[3] = static_cast<std::uint8_t>(bad[3] + 4);  // total length past the end
  t.raw(bad);
  t.raw(ip_packet(kIpProtoIcmp, kPeer, 0xc0000209, echo(16)));   // not for us
  t.raw(ip_packet(kIpProtoIcmp, 0xffffffff, kStack, echo(16)));  // broadcast source
  t.raw(ip_packet(kIpProtoIcmp, 0xe0000001, kStack, echo(16)));  // multicast source
  auto icmp = echo(16);
  icmp[2] ^= 0xff;
  t.raw(ip_packet(kIpProtoIcmp, kPeer, kStack, icmp));            // ICMP checksum
  t.raw(ip_packet(kIpProtoIcmp, kPeer, kStack, {8, 0, 0}));       // ICMP too short
  t.raw(ip_packet(253, kPeer, kStack, {1, 2, 3, 4, 5, 6, 7, 8, 9}));  // protocol unreachable
  const std::vector<std::uint8_t> data = {'d', 'n', 's'};
  t.raw(ip_packet(kIpProtoUdp, kPeer, kStack, make_udp(kPeer, kStack, 1000, 9, data)));  // port
  auto udp = make_udp(kPeer, kStack, 1000, 53, data);
  udp[6] ^= 0x55;
  t.raw(ip_packet(kIpProtoUdp, kPeer, kStack, udp));              // UDP checksum
  t.raw(ip_packet(kIpProtoUdp, kPeer, kStack, {0, 53, 0, 53}));   // UDP too short
  t.raw(ip_packet(253, kPeer, 0xc00002ff, {1, 2, 3}));  // no unreachable about a broadcast
  t.raw({});
  save_stack("bad-packets", plain, t);
  fuzz::StackKnobs no_unreachable;
  no_unreachable.no_unreachable = true;
  save_stack("unreachable-suppressed", no_unreachable,
             T().raw(ip_packet(253, kPeer, kStack, {1, 2, 3})));
  // A packet longer than the link MTU is cut by the link (stack_input.h).
  fuzz::StackKnobs small;
  small.mtu_index = 2;
  save_stack("longer-than-mtu", small, T().raw(ip_packet(kIpProtoIcmp, kPeer, kStack, echo(200))));
  FragmentSpec options;
  options.options = OptionsVariant::kMalformed;
  options.length = 8;
  save_stack("malformed-options", plain, T().spec(options));
}

void stack_delivery_cases() {
  fuzz::StackKnobs k;
  k.udp_receivers = true;
  k.raw_handlers = true;
  k.icmp_handler = true;
  std::vector<std::uint8_t> big(3000);
  for (std::size_t i = 0; i < big.size(); ++i) {
    big[i] = static_cast<std::uint8_t>(i * 7);
  }
  T t;
  const std::vector<std::uint8_t> query = {'q', '?'};
  t.raw(ip_packet(kIpProtoUdp, kPeer, kStack, make_udp(kPeer, kStack, 1000, 53, query)));
  fragments(t, ip_packet(kIpProtoUdp, kPeer, kStack, make_udp(kPeer, kStack, 7, 0x6161, big), 3),
            576);
  t.train(2000, 504, 4);   // TCP (protocol 6), raw handler
  t.train(600, 200, 12);   // protocol 253, raw handler
  const std::vector<std::uint8_t> request = echo(8);
  t.raw(ip_packet(kIpProtoIcmp, kPeer, kStack, *make_echo_reply(*IcmpView::parse(request))));
  save_stack("handlers", k, t);
  for (Policy p : kAllPolicies) {
    T novak(p);
    for (const Piece& x : kNovak) {
      novak.frag(x.offset, x.length, x.c != 'Q', static_cast<std::uint8_t>(x.c), Fill::kConstant, 12);
    }
    save_stack("novak-" + pname(p), k, novak);
  }
}

void stack_send_cases() {
  fuzz::StackKnobs plain;
  T t;
  for (std::uint8_t dest = 0; dest < 4; ++dest) {
    t.spec(send_spec(100, 3, dest)).spec(send_spec(4000, 0, dest, false, true));
  }
  t.spec(send_spec(2000, 1, 0, true));  // DF and too big: fragmentation needed
  t.spec(send_spec(65515, 3, 0));       // the largest datagram
  t.spec(send_spec(65507, 0, 1, false, true));
  save_stack("sends", plain, t);
  fuzz::StackKnobs no_route;
  no_route.no_gateway = true;
  save_stack("send-no-route", no_route, T().spec(send_spec(100, 3, 2)));
  fuzz::StackKnobs tiny;
  tiny.mtu_index = 2;
  tiny.capacity_index = 1;
  tiny.shuffle = true;
  tiny.id_seed = 0xfffe;
  save_stack("send-mtu68-link-stalls", tiny,
             T().spec(send_spec(3000, 3, 0)).spec(send_spec(300, 2, 1)).spec(send_spec(9, 0, 0, false, true)));
}

void stack_random_cases() {
  std::mt19937 rng(4242);
  for (int n = 0; n < 12; ++n) {
    std::uniform_int_distribution<int> octet(0, 255);
    fuzz::StackKnobs k = fuzz::decode_stack_input(std::vector<std::uint8_t>{
        static_cast<std::uint8_t>(octet(rng)), static_cast<std::uint8_t>(octet(rng)),
        static_cast<std::uint8_t>(octet(rng)), static_cast<std::uint8_t>(octet(rng))})
                              .knobs;
    T t(kAllPolicies[static_cast<std::size_t>(n) % kAllPolicies.size()]);
    for (int i = 0; i < 24; ++i) {
      // Every draw in its own statement: the same octets whatever order a
      // compiler evaluates function arguments in.
      std::array<int, 7> r{};
      for (int& x : r) {
        x = octet(rng);
      }
      switch (r[0] % 6) {
        case 0:
          t.raw(ip_packet(kIpProtoIcmp, kPeer, kStack, echo(static_cast<std::size_t>(r[1]) * 8)));
          break;
        case 1:
          t.spec(send_spec(static_cast<std::size_t>(r[1]) * 16, static_cast<std::uint8_t>(r[2] % 4),
                           static_cast<std::uint8_t>(r[3] % 4), r[4] % 5 == 0, r[5] % 3 == 0));
          break;
        case 2:
          t.advance_ns(static_cast<std::int64_t>(r[1]) * 200'000'000);
          break;
        default:
          t.frag(static_cast<std::size_t>(r[1] % 16) * 64, 64 + static_cast<std::size_t>(r[2] % 4) * 8,
                 r[3] % 4 != 0, static_cast<std::uint8_t>(r[4]), Fill::kDatagramCounter,
                 static_cast<std::uint8_t>((r[5] & ~3) | (r[6] % 2 == 0 ? 0 : 2)));
      }
    }
    save_stack("random-" + std::to_string(n), k, t);
  }
}

void stack_cases(const fs::path& dir) {
  g_stack_dir = &dir;
  stack_ping_cases();
  stack_timeout_cases();
  stack_bad_packet_cases();
  stack_delivery_cases();
  stack_send_cases();
  stack_random_cases();
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: gen_corpus CORPUS_DIR (e.g. corpus)\n");
    return 2;
  }
  const fs::path root = argv[1];
  const fs::path diff = root / "reassembly_diff";
  g_diff_dir = &diff;
  policy_cases();
  timeout_cases();
  limit_cases();
  wire_cases();
  random_traces();
  roundtrip_cases(root / "fragment_roundtrip");
  header_cases(root / "header_parse");
  stack_cases(root / "stack");
  std::printf("gen_corpus: wrote %zu files under %s\n", g_written, root.c_str());
  return 0;
}
