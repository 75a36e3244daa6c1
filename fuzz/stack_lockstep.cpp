// stack_lockstep.cpp: the `stack` target's lockstep driver (stack_lockstep.h).
#include "stack_lockstep.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <sstream>
#include <utility>
#include <variant>

#include "fuzz_support.h"
#include "ip4ref/icmp.h"
#include "ip4ref/ipv4_header.h"
#include "ip4ref/udp.h"

namespace ip4ref::fuzz {
namespace {

constexpr std::uint32_t kStackAddress = 0xc0000202;   // 192.0.2.2/24
constexpr std::uint32_t kSecondAddress = 0xc6336402;  // 198.51.100.2/24
constexpr std::uint32_t kGateway = 0xc00002fe;        // 192.0.2.254
constexpr std::uint8_t kTtl = 64;
// A stack that keeps moving after this many poll rounds for one record is
// stuck in a loop (a record moves at most a few thousand packets).
constexpr int kMaxRounds = 100000;

std::string address(std::uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 0xffu) + "." +
         std::to_string((a >> 8) & 0xffu) + "." + std::to_string(a & 0xffu);
}

std::string hex(Bytes b, std::size_t max) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < b.size() && i < max; ++i) {
    out += kDigits[b[i] >> 4];
    out += kDigits[b[i] & 0x0fu];
  }
  if (b.size() > max) {
    out += "...";
  }
  return out;
}

std::string describe_delivery(const Delivery& d) {
  std::string out = std::string(1, d.kind) + " frags " + std::to_string(d.fragment_count);
  if (d.kind == 'u') {
    out += " ports " + std::to_string(d.source_port) + ">" + std::to_string(d.destination_port) +
           " payload len " + std::to_string(d.bytes.size()) + " " + hex(d.bytes, 32);
    return out;
  }
  return out + " " + describe_packet(d.bytes);
}

// The first line of two "name value" texts that differs, as its name.
std::string first_line_difference(const std::string& a, const std::string& b) {
  std::istringstream sa(a), sb(b);
  std::string la, lb;
  while (true) {
    const bool ga = static_cast<bool>(std::getline(sa, la));
    const bool gb = static_cast<bool>(std::getline(sb, lb));
    if (!ga && !gb) {
      return {};
    }
    if (la != lb || ga != gb) {
      const std::string& line = la.empty() ? lb : la;
      return line.substr(0, line.find(' '));
    }
  }
}

// Which StackStats field differs first: a to_string line, else the engine's
// stats field, else a pool or fragmenter field to_string does not print.
std::string stats_difference(const StackStats& a, const StackStats& b) {
  std::string field = first_line_difference(to_string(a), to_string(b));
  if (!field.empty()) {
    return field;
  }
  field = first_stats_difference(a.reassembly, b.reassembly);
  if (!field.empty()) {
    return "reassembly." + field;
  }
  return "other";
}

}  // namespace

std::string describe_packet(Bytes packet) {
  const Result<Ipv4View> parsed = Ipv4View::parse(packet);
  std::string out = "len " + std::to_string(packet.size());
  if (parsed) {
    const Ipv4View& ip = *parsed;
    char id[8];
    std::snprintf(id, sizeof id, "%04x", ip.identification());
    out += " " + address(ip.source()) + ">" + address(ip.destination()) + " proto " +
           std::to_string(ip.protocol()) + " id 0x" + id + " off " +
           std::to_string(ip.fragment_offset()) + (ip.more_fragments() ? " MF" : "") +
           (ip.dont_fragment() ? " DF" : "");
  } else {
    out += " (not a valid IPv4 packet)";
  }
  return out + " " + hex(packet, 48);
}

StackLockstep::StackLockstep(const StackInput& input) : input_(input) {
  const std::string candidate{candidate_name()};
  build(sides_[0], "ref", "ref");
  build(sides_[1], candidate, candidate == "ref" ? "ref" : "fast");
  buffer_.resize(input_.knobs.mtu());
}

StackLockstep::~StackLockstep() = default;

void StackLockstep::build(Side& side, const std::string& engine, const std::string& fragmenter) {
  const StackKnobs& k = input_.knobs;
  side.name = engine;
  auto ends = MemoryLink::make_pair({.mtu = k.mtu(), .capacity = k.link_capacity()});
  side.driver = std::move(ends.first);
  side.stack_link = std::move(ends.second);
  StackConfig c;
  c.addresses = {Ipv4Prefix{kStackAddress, 24}, Ipv4Prefix{kSecondAddress, 24}};
  if (!k.no_gateway) {
    c.default_gateway = kGateway;
  }
  c.engine = engine;
  c.fragmenter = fragmenter;
  c.reassembly = input_.trace.config;
  c.identification_seed = k.id_seed;
  c.ttl = kTtl;
  c.in_pool_slots = 4;
  c.send_queue_slots = 2;
  c.reply_queue_slots = k.reply_slots();
  c.shuffle_fragments = k.shuffle;
  c.shuffle_seed = k.id_seed;
  c.answer_echo = !k.no_echo;
  c.send_time_exceeded = !k.no_time_exceeded;
  c.send_unreachable = !k.no_unreachable;
  std::string error;
  side.stack = Stack::create(*side.stack_link, c, &error);
  if (!side.stack) {
    report("stack-setup-failed", "Stack::create(" + engine + "): " + error);
  }
  Side* s = &side;
  if (k.icmp_handler) {
    side.stack->set_protocol_handler(kIpProtoIcmp, [s](const ReceivedDatagram& d) {
      s->delivered.push_back({'i', d.fragment_count, 0, 0, {d.ip.bytes().begin(), d.ip.bytes().end()}});
    });
  }
  if (k.raw_handlers) {
    for (const std::uint8_t protocol : {std::uint8_t{6}, std::uint8_t{253}}) {
      side.stack->set_protocol_handler(protocol, [s](const ReceivedDatagram& d) {
        s->delivered.push_back(
            {'r', d.fragment_count, 0, 0, {d.ip.bytes().begin(), d.ip.bytes().end()}});
      });
    }
  }
  if (k.udp_receivers) {
    for (const std::uint16_t port : {kStackUdpPortA, kStackUdpPortB}) {
      side.stack->udp_bind(port, [s](const UdpDatagram& d) {
        s->delivered.push_back({'u', d.fragment_count, d.source_port, d.destination_port,
                                {d.payload.begin(), d.payload.end()}});
      });
    }
  }
}

void StackLockstep::run() {
  // IP4REF_FUZZ_VERBOSE=1: what both stacks did after every record, on stderr.
  static const bool verbose = std::getenv("IP4REF_FUZZ_VERBOSE") != nullptr;
  for (index_ = 0; index_ < input_.trace.records.size(); ++index_) {
    step(input_.trace.records[index_]);
    if (verbose) {
      std::fprintf(stderr, "%s\n", describe().c_str());
    }
  }
}

void StackLockstep::step(const trace::Record& record) {
  for (Side& s : sides_) {
    s.emitted.clear();
    s.delivered.clear();
  }
  was_send_ = false;
  udp_sent_ = false;
  if (const auto* advance = std::get_if<trace::AdvanceClock>(&record)) {
    clock_.advance(advance->ns);
  } else if (const auto* rewind = std::get_if<trace::RewindClock>(&record)) {
    clock_.rewind(rewind->ns);
  } else if (const auto* spec = std::get_if<trace::FragmentSpec>(&record); spec && is_send(*spec)) {
    was_send_ = true;
    for (Side& s : sides_) {
      send(s, *spec);
    }
  } else if (trace::expand_into(record, packet_)) {
    // What a TUN read with an MTU-sized buffer does to a longer packet
    // (link.h): it is cut; the input manager then drops it for its length.
    const std::size_t n = std::min(packet_.size(), input_.knobs.mtu());
    for (Side& s : sides_) {
      inject(s, Bytes{packet_}.first(n));
    }
  }
  // Every record (an Expire too) ends with a settled poll at `now`: timers
  // run. In burst mode arrivals wait in the link while the next record is an
  // arrival too and the link has room for it.
  const auto& records = input_.trace.records;
  const bool hold = input_.knobs.burst && is_arrival(record) && index_ + 1 < records.size() &&
                    is_arrival(records[index_ + 1]) &&
                    sides_[0].stack_link->pending() < input_.knobs.link_capacity();
  if (!hold) {
    for (Side& s : sides_) {
      settle(s);
    }
  }
  compare();
  check_invariants(sides_[0]);
}

void StackLockstep::send(Side& side, const trace::FragmentSpec& spec) {
  const std::vector<std::uint8_t> expanded = trace::expand(spec);
  const Bytes payload = Bytes{expanded}.subspan(trace::header_length(spec.options));
  WriteOptions options;
  options.dont_fragment = spec.dont_fragment;
  options.tos = spec.ecn;
  const std::uint32_t destination = kSendDestinations[spec.offset_units & 0x03u];
  const std::uint8_t protocol = trace::flow_key(spec.flow).protocol;
  udp_sent_ = spec.more_fragments && payload.size() <= kUdpMaxPayload;
  if (udp_sent_) {
    side.sent =
        side.stack->udp_send(kStackUdpPortB, destination, kStackUdpPortA, payload, options);
  } else {
    side.sent = side.stack->ip_write(payload, protocol, destination, options);
  }
}

void StackLockstep::inject(Side& side, Bytes packet) {
  // The stack's side of the link is empty after every settle, and burst mode
  // settles before it is full, so the write always fits.
  const LinkIo io = write_packet(*side.driver, packet);
  if (io.status != LinkStatus::kOk) {
    fail("stack-harness-inject-failed", side.name + ": the link refused an injected packet");
  }
  ++side.injected;
}

// Polls at `now` and reads what the stack wrote, until neither moves.
void StackLockstep::settle(Side& side) {
  const Instant now = clock_.now();
  for (int round = 0; round < kMaxRounds; ++round) {
    const bool progress = side.stack->poll(now);
    bool read = false;
    while (true) {
      const LinkIo io = side.driver->read(buffer_);
      if (io.status != LinkStatus::kOk) {
        break;
      }
      side.emitted.emplace_back(buffer_.begin(),
                                buffer_.begin() + static_cast<std::ptrdiff_t>(io.length));
      ++side.emitted_total;
      read = true;
    }
    if (!progress && !read) {
      return;
    }
  }
  fail("stack-invariant-does-not-settle",
       side.name + ": still moving after " + std::to_string(kMaxRounds) + " poll rounds");
}

std::string StackLockstep::pair() const {
  return "stack-ref-" + sides_[1].name + "-";
}

void StackLockstep::compare() {
  const Side& a = sides_[0];
  const Side& b = sides_[1];
  if (was_send_) {
    compare_send();
  }
  if (a.emitted.size() != b.emitted.size()) {
    fail(pair() + "emitted-count-difference",
         "ref wrote " + std::to_string(a.emitted.size()) + " packets, " + b.name + " " +
             std::to_string(b.emitted.size()));
  }
  for (std::size_t i = 0; i < a.emitted.size(); ++i) {
    if (a.emitted[i] != b.emitted[i]) {
      fail(pair() + "emitted-difference", "packet " + std::to_string(i) + " of this record differs");
    }
  }
  if (a.delivered.size() != b.delivered.size()) {
    fail(pair() + "delivered-count-difference",
         "ref delivered " + std::to_string(a.delivered.size()) + " datagrams, " + b.name + " " +
             std::to_string(b.delivered.size()));
  }
  for (std::size_t i = 0; i < a.delivered.size(); ++i) {
    if (a.delivered[i] != b.delivered[i]) {
      fail(pair() + "delivered-difference", "delivery " + std::to_string(i) + " differs");
    }
  }
  const StackStats sa = a.stack->stats();
  const StackStats sb = b.stack->stats();
  if (!(sa == sb)) {
    const std::string field = stats_difference(sa, sb);
    fail(pair() + "stats-" + field + "-difference", "StackStats differ first at " + field);
  }
  if (a.stack->next_timer() != b.stack->next_timer()) {
    fail(pair() + "next-timer-difference", "next_timer() differs");
  }
}

void StackLockstep::compare_send() {
  const SendResult& a = sides_[0].sent;
  const SendResult& b = sides_[1].sent;
  if (a.error != b.error || a.identification != b.identification ||
      a.icmp.next_hop_mtu != b.icmp.next_hop_mtu || a.icmp.quote != b.icmp.quote) {
    fail(pair() + "send-result-difference",
         std::string("ref: ") + std::string(to_string(a.error)) + " id " +
             std::to_string(a.identification) + "; " + sides_[1].name + ": " +
             std::string(to_string(b.error)) + " id " + std::to_string(b.identification));
  }
}

void StackLockstep::check_invariants(const Side& side) {
  for (const std::vector<std::uint8_t>& p : side.emitted) {
    check_emitted(side, p);
  }
  for (const Delivery& d : side.delivered) {
    check_delivered(d);
  }
  const StackStats s = side.stack->stats();
  if (s.in_receives + side.stack_link->pending() != side.injected) {
    fail("stack-invariant-accounting-in-receives",
         std::to_string(side.injected) + " packets injected, in_receives " +
             std::to_string(s.in_receives));
  }
  if (s.in_receives != s.in_delivers_unfragmented + s.in_fragments + s.in_hdr_errors +
                           s.in_addr_errors) {
    fail("stack-invariant-accounting-input",
         "in_receives != in_delivers_unfragmented + in_fragments + in_hdr_errors + in_addr_errors");
  }
  if (s.out_transmits != side.emitted_total) {
    fail("stack-invariant-accounting-out-transmits",
         std::to_string(side.emitted_total) + " packets read from the link, out_transmits " +
             std::to_string(s.out_transmits));
  }
}

void StackLockstep::check_emitted(const Side& side, Bytes packet) {
  if (packet.size() > side.stack->mtu()) {
    fail("stack-invariant-emitted-over-mtu", "a packet of " + std::to_string(packet.size()) +
                                                 " octets on a link of MTU " +
                                                 std::to_string(side.stack->mtu()));
  }
  const Result<Ipv4View> parsed = Ipv4View::parse(packet);
  if (!parsed) {
    fail("stack-invariant-emitted-bad-header", "an emitted packet does not parse");
  }
  const Ipv4View& ip = *parsed;
  if (!ip.checksum_ok()) {
    fail("stack-invariant-emitted-bad-checksum", "an emitted header checksum does not verify");
  }
  if (ip.total_length() != packet.size()) {
    fail("stack-invariant-emitted-total-length", "total length != packet size");
  }
  if (!side.stack->is_local(ip.source()) || ip.ttl() != kTtl) {
    fail("stack-invariant-emitted-source-or-ttl", "source not local, or TTL not 64");
  }
  if (ip.is_fragment()) {
    return;
  }
  // ICMP the stack makes itself (a send's ip_write with protocol 1 carries fill octets).
  if (ip.protocol() == kIpProtoIcmp && !was_send_) {
    const Result<IcmpView> icmp = IcmpView::parse(ip.payload());
    if (!icmp || !icmp->checksum_ok()) {
      fail("stack-invariant-emitted-icmp-bad-checksum", "an emitted ICMP message is malformed");
    }
  }
  // Only udp_send builds UDP (a send's ip_write with protocol 17 carries fill octets).
  if (ip.protocol() == kIpProtoUdp && udp_sent_) {
    const Result<UdpView> udp = UdpView::parse(ip.payload());
    if (!udp || !udp->checksum_ok(ip.source(), ip.destination())) {
      fail("stack-invariant-emitted-udp-bad-checksum", "an emitted UDP datagram is malformed");
    }
  }
}

void StackLockstep::check_delivered(const Delivery& d) {
  if (d.kind == 'u') {
    return;
  }
  const Result<Ipv4View> parsed = Ipv4View::parse(d.bytes);
  if (!parsed || !parsed->checksum_ok() || parsed->is_fragment() ||
      parsed->total_length() != d.bytes.size() || d.fragment_count == 0) {
    fail("stack-invariant-delivered-bad-datagram",
         "a handler was given a datagram that is not whole and valid");
  }
}

std::string StackLockstep::describe() const {
  const StackKnobs& k = input_.knobs;
  std::string out = "stack input: mtu " + std::to_string(k.mtu()) + " reply_slots " +
                    std::to_string(k.reply_slots()) + " link_capacity " +
                    std::to_string(k.link_capacity()) + " id_seed " + std::to_string(k.id_seed) +
                    (k.burst ? " burst" : "") + (k.no_echo ? " no-echo" : "") + (k.no_time_exceeded ? " no-time-exceeded" : "") +
                    (k.no_unreachable ? " no-unreachable" : "") + (k.shuffle ? " shuffle" : "") +
                    (k.no_gateway ? " no-gateway" : "") + (k.icmp_handler ? " icmp-handler" : "") +
                    (k.raw_handlers ? " raw-handlers" : "") +
                    (k.udp_receivers ? " udp-receivers" : "") + "\n";
  out += "config: " + trace::to_string(input_.trace.config) + "\n";
  for (std::size_t i = 0; i <= index_ && i < input_.trace.records.size(); ++i) {
    const trace::Record& r = input_.trace.records[i];
    const auto* spec = std::get_if<trace::FragmentSpec>(&r);
    out += "  [" + std::to_string(i) + "] " + (spec && is_send(*spec) ? "SEND " : "") +
           trace::to_string(r) + "\n";
  }
  out += "at record " + std::to_string(index_) + " (clock " + std::to_string(clock_.now().ns()) +
         " ns):\n";
  for (const Side& s : sides_) {
    out += "--- " + s.name + ": wrote " + std::to_string(s.emitted.size()) + ", delivered " +
           std::to_string(s.delivered.size()) + "\n";
    for (const auto& p : s.emitted) {
      out += "    out " + describe_packet(p) + "\n";
    }
    for (const Delivery& d : s.delivered) {
      out += "    handler " + describe_delivery(d) + "\n";
    }
    if (was_send_) {
      out += "    send: " + std::string(to_string(s.sent.error)) + " id " +
             std::to_string(s.sent.identification) + "\n";
    }
    out += "    stats: ";
    std::string stats = to_string(s.stack->stats());
    std::replace(stats.begin(), stats.end(), '\n', ';');
    out += stats + "\n";
  }
  return out;
}

void StackLockstep::fail(const std::string& signature, const std::string& why) const {
  report(signature, describe() + why);
}

}  // namespace ip4ref::fuzz
