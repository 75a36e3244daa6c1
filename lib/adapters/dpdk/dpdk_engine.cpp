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

#include <cstring>
#include <mutex>
#include <vector>

#include "ip4ref/engine.h"
#include "ip4ref/ipv4_header.h"

namespace ip4ref {
namespace {

constexpr unsigned kMbufs = 32767;
constexpr std::uint32_t kBuckets = 16384;
constexpr std::uint32_t kBucketEntries = 16;

std::string& error_text() {
  static std::string e;
  return e;
}

// EAL and the mbuf pool, once per process.
rte_mempool* shared_pool() {
  static std::once_flag once;
  static rte_mempool* pool = nullptr;
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
    pool = rte_pktmbuf_pool_create("ip4ref_frag", kMbufs, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                   SOCKET_ID_ANY);
    if (pool == nullptr) {
      error_text() = std::string("rte_pktmbuf_pool_create failed: ") + rte_strerror(rte_errno);
    }
  });
  return pool;
}

class DpdkEngine final : public ReassemblyEngine {
 public:
  DpdkEngine(const ReassemblyConfig& config, rte_mempool* pool, rte_ip_frag_tbl* table)
      : config_(config), pool_(pool), table_(table) {}
  ~DpdkEngine() override {
    rte_ip_frag_free_death_row(&death_row_, 0);
    rte_ip_frag_table_destroy(table_);
  }

  void push(Bytes packet, Instant now, EventSink& sink) override {
    if (packet.size() < kIpv4MinHeader || packet.size() > RTE_MBUF_DEFAULT_DATAROOM) {
      ++stats_.by_reason[static_cast<std::size_t>(Reason::kTruncated)];
      sink.on_dropped(Dropped{Reason::kTruncated});
      return;
    }
    rte_mbuf* m = rte_pktmbuf_alloc(pool_);
    if (m == nullptr) {
      ++stats_.by_reason[static_cast<std::size_t>(Reason::kMemoryLimit)];
      sink.on_dropped(Dropped{Reason::kMemoryLimit});
      return;
    }
    auto* data = reinterpret_cast<std::uint8_t*>(
        rte_pktmbuf_append(m, static_cast<std::uint16_t>(packet.size())));
    std::memcpy(data, packet.data(), packet.size());
    auto* ip = reinterpret_cast<rte_ipv4_hdr*>(data);
    const FragmentKey key{
        load_be32(packet, ipv4_field::kSource), load_be32(packet, ipv4_field::kDestination),
        packet[ipv4_field::kProtocol], load_be16(packet, ipv4_field::kIdentification)};
    if (!rte_ipv4_frag_pkt_is_fragmented(ip)) {
      ++stats_.passthrough;
      sink.on_delivered(Delivered{key, packet, 1});
      rte_pktmbuf_free(m);
      return;
    }
    ++stats_.reasm_reqds;
    m->l2_len = 0;
    m->l3_len = (packet[0] & 0x0fu) * 4u & 0x1ffu;
    const std::uint64_t tms = cycles(now);
    rte_mbuf* whole = rte_ipv4_frag_reassemble_packet(table_, &death_row_, m, tms, ip);
    if (whole != nullptr) {
      ++stats_.reasm_oks;
      out_.resize(rte_pktmbuf_pkt_len(whole));
      const void* p =
          rte_pktmbuf_read(whole, 0, static_cast<std::uint32_t>(out_.size()), out_.data());
      if (p != out_.data()) {
        std::memcpy(out_.data(), p, out_.size());
      }
      sink.on_delivered(Delivered{key, out_, 0});
      rte_pktmbuf_free(whole);
    }
    rte_ip_frag_free_death_row(&death_row_, 3);
  }
  void expire(Instant /*now*/, EventSink& /*sink*/) override {}
  std::optional<Instant> next_expiry() const override { return std::nullopt; }
  const ReassemblyStats& stats() const override { return stats_; }
  const ReassemblyConfig& config() const override { return config_; }
  // Which datagrams are delivered, nothing more (dpdk_engine.h).
  std::uint32_t capabilities() const override { return 0u; }
  std::string_view name() const override { return "dpdk"; }

  static std::uint64_t hz() { return rte_get_tsc_hz(); }

 private:
  static std::uint64_t cycles(Instant now) {
    const auto ns = static_cast<unsigned __int128>(now.ns() < 0 ? 0 : now.ns());
    return static_cast<std::uint64_t>(ns * hz() / 1'000'000'000u);
  }

  ReassemblyConfig config_;
  ReassemblyStats stats_;
  rte_mempool* pool_;
  rte_ip_frag_tbl* table_;
  rte_ip_frag_death_row death_row_{};
  std::vector<std::uint8_t> out_;
};

}  // namespace

std::unique_ptr<ReassemblyEngine> make_dpdk_engine(const ReassemblyConfig& config) {
  rte_mempool* pool = shared_pool();
  if (pool == nullptr) {
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
  return std::make_unique<DpdkEngine>(config, pool, table);
}

std::string dpdk_engine_error() {
  return error_text();
}

void register_dpdk_engine() {
  register_engine(EngineInfo{
      "dpdk",
      "DPDK rte_ipv4_frag_reassemble_packet (adapter): at most 8 fragments per datagram, "
      "no policies, reasons or fragment counts",
      [](const ReassemblyConfig& c) { return make_dpdk_engine(c); }});
}

}  // namespace ip4ref
