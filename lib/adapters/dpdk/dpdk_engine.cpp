// dpdk_engine.cpp: rte_ipv4_frag_reassemble_packet as a reassembly engine.
// See dpdk_engine.h for what it cannot observe.
#include "dpdk_engine.h"

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <cstdio>
#include <cstring>
#include <mutex>
#include <vector>

#include "ip4ref/checksum.h"
#include "ip4ref/engine.h"
#include "ip4ref/ipv4_header.h"

namespace ip4ref {
namespace {

constexpr unsigned kMbufs = 32767;
// Packets longer than an ordinary mbuf's data room (RTE_MBUF_DEFAULT_DATAROOM,
// 2048 octets) go into mbufs of a second pool that hold a whole 65535-octet
// packet, so fragments of any size reach rte_ipv4_frag_reassemble_packet.
constexpr unsigned kBigMbufs = 1023;
constexpr std::uint16_t kBigDataRoom = 65535 - RTE_PKTMBUF_HEADROOM;
constexpr std::uint32_t kBuckets = 16384;
constexpr std::uint32_t kBucketEntries = 16;

std::string& error_text() {
  static std::string e;
  return e;
}

struct Pools {
  rte_mempool* small = nullptr;
  rte_mempool* big = nullptr;
};

// EAL and the mbuf pools, once per process.
Pools shared_pools() {
  static std::once_flag once;
  static Pools pools;
  std::call_once(once, [] {
    // --in-memory is --no-shconf plus unlinked hugepage files; DPDK 22.11
    // refuses it together with --no-huge (which implies --legacy-mem), so
    // --no-shconf is the hugepage-free equivalent.
    std::vector<std::string> args = {
        "ip4ref", "--no-huge", "--no-pci", "--no-shconf",         "-l",
        "0",      "-m",        "512",      "--log-level=*:error", "--no-telemetry"};
    std::vector<char*> argv;
    for (std::string& a : args) {
      argv.push_back(a.data());
    }
    if (rte_eal_init(static_cast<int>(argv.size()), argv.data()) < 0) {
      error_text() = std::string("rte_eal_init(--no-huge --no-pci --no-shconf) failed: ") +
                     rte_strerror(rte_errno);
      return;
    }
    rte_mempool* small = rte_pktmbuf_pool_create("ip4ref_frag", kMbufs, 256, 0,
                                                 RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
    rte_mempool* big = rte_pktmbuf_pool_create("ip4ref_frag_big", kBigMbufs, 32, 0,
                                               RTE_PKTMBUF_HEADROOM + kBigDataRoom, SOCKET_ID_ANY);
    if (small == nullptr || big == nullptr) {
      error_text() = std::string("rte_pktmbuf_pool_create failed: ") + rte_strerror(rte_errno);
      return;
    }
    pools = Pools{small, big};
  });
  return pools;
}

class DpdkEngine final : public ReassemblyEngine {
 public:
  DpdkEngine(const ReassemblyConfig& config, Pools pools, rte_ip_frag_tbl* table)
      : config_(config), pools_(pools), table_(table) {}
  ~DpdkEngine() override {
    rte_ip_frag_free_death_row(&death_row_, 0);
    rte_ip_frag_table_destroy(table_);
  }

  void push(Bytes packet, Instant now, EventSink& sink) override {
    if (packet.size() < kIpv4MinHeader) {
      drop(Reason::kTruncated, sink);
      return;
    }
    const FragmentKey key{
        load_be32(packet, ipv4_field::kSource), load_be32(packet, ipv4_field::kDestination),
        packet[ipv4_field::kProtocol], load_be16(packet, ipv4_field::kIdentification)};
    // rte_ipv4_frag_pkt_is_fragmented's test, on the octets: MF or an offset.
    if ((load_be16(packet, ipv4_field::kFlagsFragment) & (kFlagMf | kFragmentOffsetMask)) == 0) {
      ++stats_.passthrough;
      sink.on_delivered(Delivered{key, packet, 1});
      return;
    }
    // A fragment longer than the big mbufs hold (65,407 octets) cannot be
    // handed to DPDK; nor can one when the pool is empty.
    rte_mbuf* m = packet.size() > kBigDataRoom
                      ? nullptr
                      : rte_pktmbuf_alloc(packet.size() > RTE_MBUF_DEFAULT_DATAROOM ? pools_.big
                                                                                    : pools_.small);
    if (m == nullptr) {
      drop(packet.size() > kBigDataRoom ? Reason::kTruncated : Reason::kMemoryLimit, sink);
      return;
    }
    auto* data = reinterpret_cast<std::uint8_t*>(
        rte_pktmbuf_append(m, static_cast<std::uint16_t>(packet.size())));
    std::memcpy(data, packet.data(), packet.size());
    auto* ip = reinterpret_cast<rte_ipv4_hdr*>(data);
    ++stats_.reasm_reqds;
    m->l2_len = 0;
    m->l3_len = (packet[0] & 0x0fu) * 4u & 0x1ffu;
    const std::uint64_t tms = cycles(now);
    rte_mbuf* whole = rte_ipv4_frag_reassemble_packet(table_, &death_row_, m, tms, ip);
    if (whole != nullptr) {
      ++stats_.reasm_oks;
      deliver(whole, key, sink);
    }
    rte_ip_frag_free_death_row(&death_row_, 3);
  }
  // Frees every datagram older than the timeout (DPDK's own rule: its
  // creation time + max_cycles). Nothing is reported: DPDK does not say which.
  void expire(Instant now, EventSink& /*sink*/) override {
    rte_ip_frag_table_del_expired_entries(table_, &death_row_, cycles(now));
    rte_ip_frag_free_death_row(&death_row_, 0);
  }
  std::optional<Instant> next_expiry() const override { return std::nullopt; }
  const ReassemblyStats& stats() const override { return stats_; }
  const ReassemblyConfig& config() const override { return config_; }
  // Delivered datagrams and their octets, nothing more (dpdk_engine.h).
  std::uint32_t capabilities() const override { return IP4REF_CAP_DELIVERED_BYTES; }
  std::string_view name() const override { return "dpdk"; }

  static std::uint64_t hz() { return rte_get_tsc_hz(); }

 private:
  // The reassembled mbuf chain, linearised. DPDK leaves the header checksum
  // 0 (ipv4_frag_reassemble: "ip_hdr->hdr_checksum = 0"; applications fill
  // it in software or by offload): the adapter computes it as such an
  // application would (rte_ipv4_cksum, RFC 1071), so the octets compare.
  void deliver(rte_mbuf* whole, const FragmentKey& key, EventSink& sink) {
    out_.resize(rte_pktmbuf_pkt_len(whole));
    const void* p =
        rte_pktmbuf_read(whole, 0, static_cast<std::uint32_t>(out_.size()), out_.data());
    if (p != out_.data()) {
      std::memcpy(out_.data(), p, out_.size());
    }
    rte_pktmbuf_free(whole);
    const std::size_t header = std::size_t{out_[0] & 0x0fu} * 4;
    if (out_.size() >= header && header >= kIpv4MinHeader) {
      store_be16(out_, ipv4_field::kChecksum, 0);
      store_be16(out_, ipv4_field::kChecksum, internet_checksum(Bytes(out_).first(header)));
    }
    sink.on_delivered(Delivered{key, out_, 0});
  }

  void drop(Reason reason, EventSink& sink) {
    ++stats_.by_reason[static_cast<std::size_t>(reason)];
    sink.on_dropped(Dropped{reason});
  }

  static std::uint64_t cycles(Instant now) {
    const auto ns = static_cast<unsigned __int128>(now.ns() < 0 ? 0 : now.ns());
    return static_cast<std::uint64_t>(ns * hz() / 1'000'000'000u);
  }

  ReassemblyConfig config_;
  ReassemblyStats stats_;
  Pools pools_;
  rte_ip_frag_tbl* table_;
  rte_ip_frag_death_row death_row_{};
  std::vector<std::uint8_t> out_;
};

}  // namespace

std::unique_ptr<ReassemblyEngine> make_dpdk_engine(const ReassemblyConfig& config) {
  const Pools pools = shared_pools();
  if (pools.small == nullptr) {
    return nullptr;
  }
  const auto timeout_ns = static_cast<unsigned __int128>(config.timeout.ns());
  const auto max_cycles =
      static_cast<std::uint64_t>(timeout_ns * rte_get_tsc_hz() / 1'000'000'000u);
  rte_ip_frag_tbl* table = rte_ip_frag_table_create(
      kBuckets, kBucketEntries, kBuckets * kBucketEntries, max_cycles, SOCKET_ID_ANY);
  if (table == nullptr) {
    error_text() = std::string("rte_ip_frag_table_create failed: ") + rte_strerror(rte_errno);
    return nullptr;
  }
  error_text().clear();
  return std::make_unique<DpdkEngine>(config, pools, table);
}

std::string dpdk_engine_error() {
  return error_text();
}

void register_dpdk_engine() {
  register_engine(EngineInfo{
      "dpdk",
      "DPDK rte_ipv4_frag_reassemble_packet (adapter): at most 8 fragments per datagram, "
      "no policies, reasons or fragment counts",
      [](const ReassemblyConfig& c) -> std::unique_ptr<ReassemblyEngine> {
        auto e = make_dpdk_engine(c);
        if (!e) {  // EngineFactory has no error channel: say why here.
          std::fprintf(stderr, "dpdk engine: %s\n", dpdk_engine_error().c_str());
        }
        return e;
      }});
}

}  // namespace ip4ref
