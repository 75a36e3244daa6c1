// linux_kernel_engine.h: the running Linux kernel as a reassembly engine,
// "linux-kernel" (DESIGN.md "Adapters"; lib/adapters/linux_kernel/README.md).
//
// Every packet is written into a TUN device of a private network namespace
// (kernel_namespace.h); what the kernel's IPv4 input path then delivers to a
// raw socket of the packet's protocol is read back as a Delivered event. The
// kernel reassembles in its own wall-clock time under its own rules
// (net/ipv4/ip_fragment.c, net/ipv4/inet_fragment.c), which is the point:
// it is the source of truth for the `linux` policy.
//
// Observable: the bytes of delivered datagrams, in order (capability
// IP4REF_CAP_DELIVERED_BYTES only). Not observable: drops and their reasons,
// discarded datagrams, exact timeouts, fragment counts, next_expiry, and
// the reference's stats (stats() shows the kernel's own MIB counters).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ip4ref/reassembly_engine.h"

namespace ip4ref {

// Adds "linux-kernel" to the engine registry. Idempotent. Tools call it
// explicitly: a static initializer in a static library would be dropped by
// the linker. Its factory returns nullptr when the namespace cannot be built
// (no root, no /dev/net/tun, namespaces not permitted, a policy other than
// linux) and then prints the reason on stderr, since EngineFactory has no
// error channel; linux_kernel_engine_last_error() returns it too.
void register_linux_kernel_engine();
std::string linux_kernel_engine_last_error();

// The same engine with the reason for a failure in *error.
std::unique_ptr<ReassemblyEngine> make_linux_kernel_engine(const ReassemblyConfig& config,
                                                           std::string* error);

namespace linux_kernel {

class KernelNamespace;
class AddressMap;

struct EngineOptions {
  // net.ipv4.ipfrag_max_dist in the namespace. 0 (the default) disables the
  // kernel's per-source distance check, which the reference does not model
  // (README.md "ipfrag_max_dist"); nullopt keeps the kernel's default (64).
  std::optional<long> max_dist = 0;
  // How long push() waits for the kernel to pass its sentinel (it normally
  // takes microseconds: TUN writes are processed in the writer's context).
  int sentinel_timeout_ms = 2000;
};

// What the adapter itself saw; none of it is an engine event.
struct AdapterCounters {
  std::uint64_t written = 0;                // packets written into the TUN device
  std::uint64_t not_ipv4 = 0;               // < 20 octets or version != 4: not written
  std::uint64_t addresses_exhausted = 0;    // more sources/destinations than test addresses
  std::uint64_t unobservable_protocol = 0;  // written, but no raw socket (protocol 0)
  std::uint64_t deliveries = 0;             // Delivered events emitted
  std::uint64_t foreign = 0;                // read back with addresses never handed out
  std::uint64_t sentinel_timeouts = 0;      // the kernel did not pass the sentinel in time
  std::uint64_t kernel_output = 0;          // packets the kernel sent out of the TUN (ICMP...)
  std::uint64_t io_errors = 0;              // failed TUN writes or raw socket reads
};

class LinuxKernelEngine final : public ReassemblyEngine {
 public:
  // nullptr with *error when the configuration is not one the kernel can
  // honour (policy other than linux, a fragment or datagram cap) or the
  // namespace cannot be built.
  static std::unique_ptr<LinuxKernelEngine> create(const ReassemblyConfig& config,
                                                   const EngineOptions& options,
                                                   std::string* error);
  ~LinuxKernelEngine() override;

  // Maps the addresses (address_map.h), writes the packet into the TUN
  // device, writes a sentinel and reads the packet's raw socket until the
  // sentinel arrives: everything read before it is what the kernel delivered
  // for this packet. `now` is not used: the kernel's clock is wall time.
  void push(Bytes packet, Instant now, EventSink& sink) override;
  // Nothing: the kernel expires datagrams on its own timer (ipfrag_time,
  // the config's timeout rounded up to whole seconds, at least 1).
  void expire(Instant now, EventSink& sink) override;
  std::optional<Instant> next_expiry() const override { return std::nullopt; }
  // The namespace's kernel MIB counters (ReasmReqds, ReasmOKs, ReasmFails,
  // ReasmTimeout, ReasmOverlaps) and passthrough; not the reference's rules.
  const ReassemblyStats& stats() const override;
  const ReassemblyConfig& config() const override { return config_; }
  std::string_view name() const override { return "linux-kernel"; }
  std::uint32_t capabilities() const override { return IP4REF_CAP_DELIVERED_BYTES; }

  // Makes the kernel drop its queue for `key`, if any: writes a zero-length
  // fragment (MF set, offset 0) for it, which ip_frag_queue answers with
  // "if (end == offset) goto discard_qp". Campaigns call it between trains.
  void forget(const FragmentKey& key);

  // Sets /proc/sys/<path> inside the namespace (tests: net/ipv4/ipfrag_max_dist).
  bool write_sysctl(const std::string& path, const std::string& value, std::string* error);

  const AdapterCounters& counters() const { return counters_; }
  // The helper child that owns the namespace (tests check it is gone after
  // destruction).
  int helper_pid() const;
  // Whether a raw socket can see this datagram at all: not protocol 0 (the
  // kernel refuses SOCK_RAW for it: EPROTONOSUPPORT), and not ICMP with
  // fewer than 8 octets after the header (net/ipv4/raw.c icmp_filter():
  // "hdr = skb_header_pointer(..., sizeof(_hdr), ...); if (!hdr) return 1").
  // Comparisons leave out the reference's deliveries it returns false for.
  static bool raw_socket_sees(Bytes datagram);

  // `uname -r` of the running kernel.
  static std::string kernel_release();

 private:
  LinuxKernelEngine(const ReassemblyConfig& config, const EngineOptions& options,
                    std::unique_ptr<KernelNamespace> ns);

  void write_packet(Bytes packet, bool was_fragment, EventSink* sink);
  bool write_tun(const std::vector<std::uint8_t>& bytes);
  void await_sentinel(int fd, std::uint32_t seq, bool was_fragment, EventSink* sink);
  void deliver(std::span<std::uint8_t> bytes, bool was_fragment, EventSink* sink);
  void drain_tun();

  ReassemblyConfig config_;
  EngineOptions options_;
  std::unique_ptr<KernelNamespace> ns_;
  std::unique_ptr<AddressMap> map_;
  AdapterCounters counters_;
  mutable ReassemblyStats stats_;
  std::uint32_t sentinel_seq_ = 0;
  std::vector<std::uint8_t> out_;  // the packet as written
  std::vector<std::uint8_t> in_;   // one read from a raw socket
};

}  // namespace linux_kernel
}  // namespace ip4ref
