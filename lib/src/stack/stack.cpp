// stack.cpp: building a Stack from its config, and its deterministic poll.
#include "ip4ref/stack.h"

#include <algorithm>
#include <cstddef>
#include <memory>
#include <string>
#include <utility>

#include "icmp_responder.h"
#include "input_manager.h"
#include "ip4ref/pool.h"
#include "local_addresses.h"
#include "output_manager.h"
#include "stack_threads.h"
#include "traffic_manager.h"
#include "udp_layer.h"

namespace ip4ref {
namespace {

// Whole datagrams wait in the send and reply queues: the largest IPv4 datagram.
constexpr std::size_t kSendSlot = kIpv4MaxDatagram;
// Extra out_pool slots beyond one maximal datagram's fragments.
constexpr std::size_t kOutPoolSpare = 16;

// Fragments of a 65535-octet datagram at `mtu` (RFC 791 3.2: each carries
// floor((mtu - 20) / 8) * 8 data octets), plus spare slots.
std::size_t default_out_pool_slots(std::size_t mtu) {
  const std::size_t per_fragment = (mtu - kIpv4MinHeader) / 8 * 8;
  const std::size_t data = kIpv4MaxDatagram - kIpv4MinHeader;
  return (data + per_fragment - 1) / per_fragment + kOutPoolSpare;
}

std::string engine_names() {
  std::string names;
  for (const EngineInfo& e : engine_registry()) {
    names += (names.empty() ? "" : ", ") + e.name;
  }
  return names;
}

// The first reason `config` on `link` cannot work, or an empty string.
std::string check_config(const Link& link, const StackConfig& config) {
  if (config.addresses.empty()) {
    return "no local address configured";
  }
  for (const Ipv4Prefix& p : config.addresses) {
    if (p.length > 32 || p.address == 0 || p.address == kLimitedBroadcast ||
        is_multicast(p.address)) {
      return "address " + to_string(p) + " cannot be a host address";
    }
  }
  if (link.mtu() < kIpv4MinMtu) {
    return "link " + link.name() + " has MTU " + std::to_string(link.mtu()) +
           ", below the IPv4 minimum of 68 (RFC 791)";
  }
  if (config.mtu != 0 && config.mtu < kIpv4MinMtu) {
    return "MTU " + std::to_string(config.mtu) + " is below the IPv4 minimum of 68 (RFC 791)";
  }
  if (config.in_pool_slots == 0 || config.send_queue_slots == 0 || config.reply_queue_slots == 0) {
    return "pools need at least one slot";
  }
  if (config.fragmenter != "ref" && config.fragmenter != "fast") {
    return "unknown fragmenter '" + config.fragmenter + "' (known: ref, fast)";
  }
  return {};
}

}  // namespace

std::unique_ptr<Stack> Stack::create(Link& link, StackConfig config, std::string* error) {
  std::string problem = check_config(link, config);
  std::unique_ptr<ReassemblyEngine> engine;
  if (problem.empty()) {
    engine = make_engine(config.engine, config.reassembly);
    if (!engine) {
      problem = "unknown engine '" + config.engine + "' (known: " + engine_names() + ")";
    }
  }
  if (!problem.empty()) {
    if (error != nullptr) {
      *error = problem;
    }
    return nullptr;
  }
  const std::size_t mtu = config.mtu == 0 ? link.mtu() : std::min(config.mtu, link.mtu());
  return std::unique_ptr<Stack>(new Stack(link, std::move(config), std::move(engine), mtu));
}

Stack::Stack(Link& link, StackConfig config, std::unique_ptr<ReassemblyEngine> engine,
             std::size_t mtu)
    : link_(link), config_(std::move(config)), mtu_(mtu), engine_(std::move(engine)) {
  local_ = std::make_unique<LocalAddresses>(config_.addresses);
  // RFC 1122 3.3.1.1: each interface address defines a connected network.
  for (const Ipv4Prefix& p : config_.addresses) {
    routes_.add_connected(p);
  }
  for (const Route& r : config_.routes) {
    routes_.add(r);
  }
  if (config_.default_gateway) {
    routes_.add_default(*config_.default_gateway);
  }
  const std::size_t out_slots =
      config_.out_pool_slots != 0 ? config_.out_pool_slots : default_out_pool_slots(mtu_);
  in_pool_ = std::make_unique<PacketPool>(config_.in_pool_slots, link.mtu(), link.headroom());
  send_queue_ = std::make_unique<PacketPool>(config_.send_queue_slots, kSendSlot);
  reply_queue_ = std::make_unique<PacketPool>(config_.reply_queue_slots, kSendSlot);
  out_pool_ = std::make_unique<PacketPool>(out_slots, mtu_, link.headroom());
  output_ = std::make_unique<OutputManager>(config_, routes_, *local_, mtu_, *send_queue_,
                                            *reply_queue_, *out_pool_);
  icmp_ = std::make_unique<IcmpResponder>(config_, *local_, *output_);
  udp_ = std::make_unique<UdpLayer>(*output_, *icmp_);
  input_ = std::make_unique<InputManager>(*local_, *engine_, *in_pool_, *output_, *icmp_, *udp_);
  traffic_ = std::make_unique<TrafficManager>(link, *in_pool_, *out_pool_);
}

Stack::~Stack() {
  stop_threads();
}

void Stack::set_protocol_handler(std::uint8_t protocol, ProtocolHandler handler) {
  input_->set_handler(protocol, std::move(handler));
}

void Stack::udp_bind(std::uint16_t port, UdpReceiver receiver) {
  udp_->bind(port, std::move(receiver));
}

SendResult Stack::ip_write(Bytes payload, std::uint8_t protocol, std::uint32_t destination,
                           const WriteOptions& options) {
  return output_->ip_write(payload, protocol, destination, options);
}

SendResult Stack::udp_send(std::uint16_t source_port, std::uint32_t destination,
                           std::uint16_t destination_port, Bytes payload,
                           const WriteOptions& options) {
  return udp_->send(source_port, destination, destination_port, payload, options);
}

bool Stack::poll(Instant now) {
  bool progress = false;
  if (traffic_->receive()) {
    progress = true;
  }
  if (input_->step(now)) {
    progress = true;
  }
  if (output_->step()) {
    progress = true;
  }
  if (traffic_->transmit()) {
    progress = true;
  }
  return progress;
}

std::optional<Instant> Stack::next_timer() const {
  return engine_->next_expiry();
}

bool Stack::is_local(std::uint32_t address) const {
  return local_->is_local(address);
}

bool Stack::is_broadcast(std::uint32_t address) const {
  return local_->is_broadcast(address);
}

std::uint32_t Stack::source_for(std::uint32_t destination) const {
  return output_->source_for(destination);
}

namespace {

template <typename Array>
void add_into(Array& total, const Array& part) {
  for (std::size_t i = 0; i < total.size(); ++i) {
    total[i] += part[i];
  }
}

// Each manager's counters into the snapshot; the drop arrays are summed.
void add_traffic(StackStats& s, const TrafficCounters& t) {
  s.in_receives = t.in_receives;
  s.out_transmits = t.out_transmits;
  s.link_stalls = t.link_stalls;
  add_into(s.by_stack_reason, t.by_stack_reason);
}

void add_input(StackStats& s, const InputCounters& in) {
  s.in_hdr_errors = in.in_hdr_errors;
  s.in_addr_errors = in.in_addr_errors;
  s.in_unknown_protos = in.in_unknown_protos;
  s.in_fragments = in.in_fragments;
  s.in_delivers_unfragmented = in.in_delivers_unfragmented;
  s.in_delivers = in.in_delivers;
  s.input_stalls = in.input_stalls;
  add_into(s.by_reason, in.by_reason);
  add_into(s.by_stack_reason, in.by_stack_reason);
}

void add_transport(StackStats& s, const IcmpCounters& icmp, const UdpCounters& udp) {
  s.icmp_in_echo_requests = icmp.in_echo_requests;
  s.icmp_out_echo_replies = icmp.out_echo_replies;
  s.icmp_out_time_exceeded = icmp.out_time_exceeded;
  s.icmp_out_unreachable = icmp.out_unreachable;
  s.icmp_errors_suppressed = icmp.errors_suppressed;
  add_into(s.by_stack_reason, icmp.by_stack_reason);
  s.udp_in_datagrams = udp.in_datagrams;
  s.udp_out_datagrams = udp.out_datagrams;
  add_into(s.by_stack_reason, udp.by_stack_reason);
}

void add_output(StackStats& s, const WriteCounters& w, const FragmentCounters& f) {
  s.out_requests = w.out_requests;
  s.out_queued = w.out_queued;
  add_into(s.by_stack_reason, w.by_stack_reason);
  s.out_shuffled = f.out_shuffled;
  s.fragmenter = f.fragmenter;
  add_into(s.by_reason, f.by_reason);
}

}  // namespace

StackStats Stack::stats() const {
  StackStats s;
  add_traffic(s, traffic_->counters());
  add_input(s, input_->counters());
  add_transport(s, icmp_->counters(), udp_->counters());
  add_output(s, output_->write_counters(), output_->fragment_counters());
  s.in_pool = in_pool_->stats();
  s.send_queue = send_queue_->stats();
  s.reply_queue = reply_queue_->stats();
  s.out_pool = out_pool_->stats();
  s.reassembly = engine_->stats();
  return s;
}

}  // namespace ip4ref
