// oracle_train.h: fragment trains for the kernel campaign (ip4ref-oracle):
// a few concurrent datagrams ("flows"), each cut into fragments by recipe
// (offset, length, MF, fill), with overlaps, duplicates, tiny, zero-length
// and unaligned fragments, conflicting ends, and any order. Seeded and
// portable: the same seed gives the same train on every platform.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace ip4ref::oracle {

// The fragment key of one datagram (RFC 791 3.2).
struct Flow {
  std::uint32_t source = 0;
  std::uint32_t destination = 0;
  std::uint8_t protocol = 17;
  std::uint16_t identification = 0;
};

// IP options a recipe can carry (each well-formed by RFC 791).
enum class OptionKind : std::uint8_t {
  kNone,
  kNop,           // four NOPs
  kRecordRoute,   // RR (type 7), room for one address
  kTimestamp,     // TS (type 68), timestamps only, room for two
  kLooseRoute,    // LSRR (type 131), one hop
  kRouterAlert,   // RA (type 148, RFC 2113), value 0
  kExperimental,  // type 158 (RFC 4727 experimental, copied), 2 data octets
  kCount
};

std::string to_string(OptionKind k);

// One packet of a train. Payload octet at absolute datagram position p is
// (fill + p) mod 256, so two fragments with different fills differ in every
// octet they share and the same fill means the same octets.
struct FragmentRecipe {
  std::uint8_t flow = 0;
  std::uint32_t offset = 0;  // octets, a multiple of 8, at most 65528
  std::uint32_t length = 0;  // payload octets
  bool more = false;
  std::uint8_t fill = 0;
  // Header variations (defaults: none).
  bool dont_fragment = false;
  bool reserved = false;
  std::uint8_t ecn = 0;  // the two low TOS bits (RFC 3168)
  std::uint8_t ttl = 64;
  OptionKind options = OptionKind::kNone;
};

struct Train {
  std::vector<Flow> flows;
  std::vector<FragmentRecipe> packets;
};

// The IPv4 packet a recipe stands for: correct header checksum, options
// padded to 4 octets. Total length is clamped to 65535 (the payload is cut).
std::vector<std::uint8_t> build_packet(const Train& train, const FragmentRecipe& r);
std::vector<std::vector<std::uint8_t>> build_packets(const Train& train);

// "f0 off 1480 len 24 MF fill 0x41 DF ecn 2 opt rr" per packet, flows first.
std::string describe(const Train& train);

// A hand-written train: packets separated by ';', each a list of words
//   off N  len N  MF  fill N  DF  RF  ecn N  ttl N  opt nop|rr|ts|lsrr|ra|exp  f N
// (N decimal or 0x hex; defaults off 0, len 8, no MF, fill 0x41, flow 0).
// Flow k is 192.0.2.10 > 198.51.100.1, protocol 17, id 0x1234 + k.
// Example: "off 0 len 8 MF ecn 2; off 8 len 8 ecn 3". False with *error.
bool parse_train(const std::string& spec, Train* train, std::string* error);

struct GeneratorOptions {
  int max_flows = 4;
  // Per cent of packets given a header variation (DF, reserved flag, ECN,
  // TTL, options). 0 keeps every header plain.
  int header_variation_percent = 8;
  bool options = true;  // whether variations include IP options
  // Per mille of trains that are a "distance" scenario instead: one
  // datagram's fragments separated by more than 64 fragments of other
  // datagrams from the same source (net.ipv4.ipfrag_max_dist).
  int distance_permille = 5;
  // Per cent of flows (after the first) that are the previous flow with
  // source and destination swapped, same protocol and identification: a
  // different RFC 791 key that an implementation ordering the address pair
  // would merge. 0 (the default) draws nothing, keeping older seeds' trains.
  int reverse_flow_percent = 0;
};

// A portable generator: std::mt19937_64 is specified exactly by the
// standard; ranges are taken by modulo, not by the library's distributions.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : engine_() % n; }
  bool percent(int p) { return below(100) < static_cast<std::uint64_t>(p); }

 private:
  std::mt19937_64 engine_;
};

Train generate_train(Rng& rng, const GeneratorOptions& options);

}  // namespace ip4ref::oracle
