// output_manager.cpp: building, queueing and fragmenting what the stack sends.
//
// RFC 791 3.2 (the header an originating host fills in), RFC 1122 3.3.1
// (next hop), RFC 791 3.2 "Fragmentation" through ip4ref::fragment, RFC 1191
// (what DF and a datagram too big for the MTU tell the sender).
#include "output_manager.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <utility>
#include <vector>

#include "ip4ref/fast_fragmenter.h"
#include "ip4ref/ipv4_header.h"

namespace ip4ref {
namespace {

// RFC 792 / RFC 1191: an ICMP error quotes the header + 64 bits of data.
constexpr std::size_t kQuoteDataOctets = 8;

// splitmix64 (Steele, Lea, Flood 2014): a tiny, well-mixed generator whose
// sequence is the same with every compiler and library, unlike the
// distributions and std::shuffle of <random>.
std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// The output manager whose ip_write calls on this thread are replies.
thread_local const OutputManager* t_reply_scope = nullptr;

}  // namespace

OutputManager::ReplyScope::ReplyScope(const OutputManager& output) : previous_(t_reply_scope) {
  t_reply_scope = &output;
}

OutputManager::ReplyScope::~ReplyScope() {
  t_reply_scope = previous_;
}

OutputManager::OutputManager(const StackConfig& config, const RouteTable& routes,
                             const LocalAddresses& local, std::size_t mtu, PacketPool& send_queue,
                             PacketPool& reply_queue, PacketPool& out_pool)
    : config_(config),
      routes_(routes),
      local_(local),
      mtu_(mtu),
      send_queue_(send_queue),
      reply_queue_(reply_queue),
      out_pool_(out_pool),
      ids_(config.identification_seed),
      shuffle_state_(config.shuffle_seed) {}

std::uint32_t OutputManager::source_for(std::uint32_t destination) const {
  const std::optional<NextHop> hop = routes_.lookup(destination);
  return hop ? local_.source_for_next_hop(hop->address) : local_.primary();
}

SendResult OutputManager::refuse(StackReason reason) {
  ++write_.by_stack_reason[static_cast<std::size_t>(reason)];
  SendResult result;
  result.error = reason;
  return result;
}

// The header of an originated datagram (RFC 791 3.2), without options.
Ipv4Header OutputManager::make_header(std::size_t payload_size, std::uint8_t protocol,
                                      std::uint32_t destination, const WriteOptions& options) {
  Ipv4Header header;
  header.tos = options.tos;
  header.total_length = static_cast<std::uint16_t>(kIpv4MinHeader + payload_size);
  // RFC 791 3.2: "The originating protocol module of an internet datagram
  // sets the identification field to a value that must be unique for that
  // source-destination pair and protocol for the time the datagram will be
  // active in the internet system."
  header.identification = ids_.next();
  header.dont_fragment = options.dont_fragment;
  header.ttl = options.ttl != 0 ? options.ttl : config_.ttl;
  header.protocol = protocol;
  header.source = options.source != 0 ? options.source : source_for(destination);
  header.destination = destination;
  return header;
}

// RFC 791 3.2: "If the Don't Fragment flag (DF) bit is set, then internet
// fragmentation of this datagram is NOT permitted"; RFC 1191 4: the sender
// learns the MTU that was too small and sees its own header + 8 octets.
SendResult OutputManager::fragmentation_needed(Bytes datagram, std::uint16_t identification) {
  SendResult result = refuse(StackReason::kFragmentationNeeded);
  result.identification = identification;
  result.icmp.next_hop_mtu = static_cast<std::uint16_t>(mtu_);
  const Bytes quote = datagram.first(std::min(datagram.size(), kIpv4MinHeader + kQuoteDataOctets));
  result.icmp.quote.assign(quote.begin(), quote.end());
  return result;
}

SendResult OutputManager::ip_write(Bytes payload, std::uint8_t protocol, std::uint32_t destination,
                                   const WriteOptions& options) {
  const std::lock_guard lock(write_mutex_);
  ++write_.out_requests;
  // RFC 791 3.1: Total Length is 16 bits, so 65535 octets with the header.
  if (payload.size() > kIpv4MaxDatagram - kIpv4MinHeader) {
    return refuse(StackReason::kDatagramTooLarge);
  }
  // RFC 1122 3.3.1.2: off every connected network and no gateway: no route.
  if (!routes_.lookup(destination)) {
    return refuse(StackReason::kNoRoute);
  }
  // Back-pressure: checked before an identification is spent, so a refused
  // write leaves the ID sequence as it was.
  PacketPool& queue = t_reply_scope == this ? reply_queue_ : send_queue_;
  const MutableBytes slot = queue.reserve();
  if (slot.empty()) {
    return refuse(StackReason::kSendQueueFull);
  }
  const Ipv4Header header = make_header(payload.size(), protocol, destination, options);
  const std::size_t total = header.total_length;
  // Queue slots hold 65535 octets and the header has no options.
  (void)header.emit(slot.first(kIpv4MinHeader));
  std::copy(payload.begin(), payload.end(), slot.begin() + kIpv4MinHeader);
  if (options.dont_fragment && total > mtu_) {
    // The reserved slot is simply not committed.
    return fragmentation_needed(slot.first(total), header.identification);
  }
  queue.commit(total);
  ++write_.out_queued;
  SendResult result;
  result.identification = header.identification;
  return result;
}

WriteCounters OutputManager::write_counters() const {
  const std::lock_guard lock(write_mutex_);
  return write_;
}

// Fisher-Yates with splitmix64, seeded by StackConfig::shuffle_seed.
void OutputManager::shuffle(std::vector<std::vector<std::uint8_t>>& fragments) {
  for (std::size_t i = fragments.size(); i > 1; --i) {
    const std::size_t j = static_cast<std::size_t>(splitmix64(shuffle_state_) % i);
    std::swap(fragments[i - 1], fragments[j]);
  }
  ++fragments_.out_shuffled;
}

// The queue to take the next datagram from: the two in turn, skipping an
// empty one; nullptr when both are empty.
PacketPool* OutputManager::next_queue() {
  PacketPool* first = replies_next_ ? &reply_queue_ : &send_queue_;
  PacketPool* second = replies_next_ ? &send_queue_ : &reply_queue_;
  if (!first->empty()) {
    return first;
  }
  return second->empty() ? nullptr : second;
}

// Fragments the queue's oldest datagram into pending_ and releases it.
void OutputManager::take_datagram(PacketPool& queue) {
  FragmentResult result = config_.fragmenter == "fast"
                              ? fast::fragment(queue.front(), mtu_, &fragments_.fragmenter)
                              : fragment(queue.front(), mtu_, &fragments_.fragmenter);
  queue.pop();
  if (!result.ok()) {
    // Unreachable: ip_write built a valid header, refused DF datagrams over
    // the MTU, and the MTU is >= 68. Counted, never silent.
    ++fragments_.by_reason[static_cast<std::size_t>(result.error)];
    return;
  }
  pending_ = std::move(result.fragments);
  next_pending_ = 0;
  if (config_.shuffle_fragments && pending_.size() > 1) {
    shuffle(pending_);
  }
}

bool OutputManager::step() {
  bool progress = false;
  while (true) {
    // Held fragments first, in their (possibly shuffled) order. A full
    // out_pool is back-pressure (counted there): keep the rest for later.
    while (next_pending_ < pending_.size()) {
      if (!out_pool_.push(pending_[next_pending_])) {
        return progress;
      }
      ++next_pending_;
      progress = true;
    }
    pending_.clear();
    next_pending_ = 0;
    PacketPool* queue = next_queue();
    if (queue == nullptr) {
      return progress;
    }
    const Bytes datagram = queue->front();
    if (datagram.size() <= mtu_) {
      // Fits: straight into out_pool, no copy through pending_.
      if (!out_pool_.push(datagram)) {
        return progress;
      }
      queue->pop();
    } else {
      take_datagram(*queue);
    }
    replies_next_ = queue != &reply_queue_;
    progress = true;
  }
}

}  // namespace ip4ref
