// libtins_engine.cpp: Tins::IPv4Reassembler as a reassembly engine. See
// libtins_engine.h for what it cannot observe.
#include "libtins_engine.h"

#include <tins/exceptions.h>
#include <tins/ip.h>
#include <tins/ip_reassembler.h>

#include <vector>

#include "ip4ref/engine.h"
#include "ip4ref/ipv4_header.h"

namespace ip4ref {
namespace {

class LibtinsEngine final : public ReassemblyEngine {
 public:
  explicit LibtinsEngine(const ReassemblyConfig& config) : config_(config) {}

  void push(Bytes packet, Instant /*now*/, EventSink& sink) override {
    try {
      Tins::IP ip(packet.data(), static_cast<std::uint32_t>(packet.size()));
      // The key as ip4ref spells it, from the octets (libtins ignores the
      // protocol when it matches fragments; the event still names it).
      const FragmentKey key{load_be32(packet, ipv4_field::kSource),
                            load_be32(packet, ipv4_field::kDestination), ip.protocol(), ip.id()};
      switch (reassembler_.process(ip)) {
        case Tins::IPv4Reassembler::NOT_FRAGMENTED:
          ++stats_.passthrough;
          sink.on_delivered(Delivered{key, whole(packet), 1});
          return;
        case Tins::IPv4Reassembler::FRAGMENTED:
          ++stats_.reasm_reqds;
          return;
        case Tins::IPv4Reassembler::REASSEMBLED: {
          ++stats_.reasm_reqds;
          ++stats_.reasm_oks;
          out_ = ip.serialize();
          sink.on_delivered(Delivered{key, out_, 0});
          return;
        }
      }
    } catch (const Tins::exception_base&) {
      ++stats_.by_reason[static_cast<std::size_t>(Reason::kTruncated)];
      sink.on_dropped(Dropped{Reason::kTruncated});
    }
  }
  void expire(Instant /*now*/, EventSink& /*sink*/) override {}
  std::optional<Instant> next_expiry() const override { return std::nullopt; }
  const ReassemblyStats& stats() const override { return stats_; }
  const ReassemblyConfig& config() const override { return config_; }
  // Delivered datagrams and their octets; nothing else (libtins_engine.h).
  std::uint32_t capabilities() const override { return IP4REF_CAP_DELIVERED_BYTES; }
  std::string_view name() const override { return "libtins"; }

 private:
  // An unfragmented packet is delivered as its [0, total length) octets.
  static Bytes whole(Bytes packet) {
    if (packet.size() >= kIpv4MinHeader) {
      const std::size_t total = load_be16(packet, ipv4_field::kTotalLength);
      if (total <= packet.size()) {
        return packet.first(total);
      }
    }
    return packet;
  }

  ReassemblyConfig config_;
  ReassemblyStats stats_;
  Tins::IPv4Reassembler reassembler_;
  std::vector<std::uint8_t> out_;
};

}  // namespace

std::unique_ptr<ReassemblyEngine> make_libtins_engine(const ReassemblyConfig& config) {
  return std::make_unique<LibtinsEngine>(config);
}

void register_libtins_engine() {
  register_engine(
      EngineInfo{"libtins",
                 "libtins IPv4Reassembler (adapter): ignores the protocol in its key; no timeouts, "
                 "limits, policies or fragment counts",
                 [](const ReassemblyConfig& c) { return make_libtins_engine(c); }});
}

}  // namespace ip4ref
