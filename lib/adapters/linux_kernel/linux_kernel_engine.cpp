// linux_kernel_engine.cpp: the "linux-kernel" engine (see the header and
// lib/adapters/linux_kernel/README.md).
#include "linux_kernel_engine.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sstream>

#include "address_map.h"
#include "ip4ref/checksum.h"
#include "ip4ref/ipv4_header.h"
#include "kernel_namespace.h"

namespace ip4ref {
namespace linux_kernel {
namespace {

// The sentinel's 8 payload octets: 0xff 'I' '4' 'R' and the sequence number.
// As ICMP it is an unknown type with a bad checksum, as TCP a truncated
// header, as UDP a datagram to a closed port: every protocol handler drops it
// after the raw socket has its copy.
constexpr std::uint8_t kSentinelMagic[4] = {0xff, 'I', '4', 'R'};
constexpr std::size_t kSentinelLength = kIpv4MinHeader + 8;
constexpr std::size_t kMaxRead = 65536;
constexpr std::uint64_t kDrainEvery = 32;

std::vector<std::uint8_t> make_sentinel(std::uint8_t protocol, std::uint32_t destination,
                                        std::uint32_t seq) {
  std::vector<std::uint8_t> p(kSentinelLength, 0);
  const MutableBytes b{p};
  b[0] = 0x45;
  store_be16(b, ipv4_field::kTotalLength, static_cast<std::uint16_t>(kSentinelLength));
  store_be16(b, ipv4_field::kIdentification, static_cast<std::uint16_t>(seq));
  b[ipv4_field::kTtl] = 64;
  b[ipv4_field::kProtocol] = protocol;
  store_be32(b, ipv4_field::kSource, kSentinelSource);
  store_be32(b, ipv4_field::kDestination, destination);
  store_be16(b, ipv4_field::kChecksum, internet_checksum(b.first(kIpv4MinHeader)));
  std::memcpy(p.data() + kIpv4MinHeader, kSentinelMagic, 4);
  store_be32(b, kIpv4MinHeader + 4, seq);
  return p;
}

bool is_sentinel(Bytes p, std::size_t header_length, std::uint32_t* seq) {
  if (load_be32(p, ipv4_field::kSource) != kSentinelSource || p.size() < header_length + 8 ||
      std::memcmp(p.data() + header_length, kSentinelMagic, 4) != 0) {
    return false;
  }
  *seq = load_be32(p, header_length + 4);
  return true;
}

// Removes the options of a reassembled datagram (config strip_options),
// exactly as the reference does: IHL 5, total length and checksum recomputed.
std::vector<std::uint8_t> strip_options(Bytes datagram) {
  const std::size_t hl = std::size_t{datagram[0] & 0x0fu} * 4;
  std::vector<std::uint8_t> out(datagram.begin(), datagram.begin() + kIpv4MinHeader);
  out.insert(out.end(), datagram.begin() + static_cast<std::ptrdiff_t>(hl), datagram.end());
  const MutableBytes h{out};
  h[0] = 0x45;
  store_be16(h, ipv4_field::kTotalLength, static_cast<std::uint16_t>(out.size()));
  store_be16(h, ipv4_field::kChecksum, 0);
  store_be16(h, ipv4_field::kChecksum, internet_checksum(h.first(kIpv4MinHeader)));
  return out;
}

// "Ip: Forwarding ... ReasmReqds ...\nIp: 1 ... 7 ..." -> value of `field` in
// the section `prefix` of /proc/net/snmp or /proc/net/netstat.
std::uint64_t mib_value(const std::string& text, const std::string& prefix,
                        const std::string& field) {
  std::istringstream in(text);
  std::string names, values;
  while (std::getline(in, names) && std::getline(in, values)) {
    if (names.rfind(prefix, 0) != 0) {
      continue;
    }
    std::istringstream n(names), v(values);
    std::string name, value;
    while (n >> name && v >> value) {
      if (name == field) {
        return std::stoull(value);
      }
    }
  }
  return 0;
}

long timeout_seconds(Duration timeout) {
  const std::int64_t ns = timeout.ns();
  const std::int64_t s = (ns + 999'999'999) / 1'000'000'000;  // round up
  return static_cast<long>(s < 1 ? 1 : s);
}

std::string check_config(const ReassemblyConfig& c) {
  if (c.policy != Policy::kLinux) {
    return "linux-kernel engine: the kernel implements only policy linux, not '" +
           std::string(to_string(c.policy)) + "'";
  }
  if (c.max_fragments_per_datagram != 0 || c.max_datagrams != 0) {
    return "linux-kernel engine: the kernel has no per-datagram fragment cap and no "
           "datagram cap (config max_fragments_per_datagram / max_datagrams must be 0)";
  }
  return "";
}

}  // namespace

std::unique_ptr<LinuxKernelEngine> LinuxKernelEngine::create(const ReassemblyConfig& config,
                                                             const EngineOptions& options,
                                                             std::string* error) {
  if (const std::string why = check_config(config); !why.empty()) {
    if (error != nullptr) {
      *error = why;
    }
    return nullptr;
  }
  NamespaceSettings s;
  s.ipfrag_time_seconds = timeout_seconds(config.timeout);
  s.high_thresh = config.high_threshold;
  s.low_thresh = std::min(config.low_threshold, config.high_threshold);
  s.max_dist = options.max_dist;
  auto ns = KernelNamespace::create(s, error);
  if (!ns) {
    return nullptr;
  }
  return std::unique_ptr<LinuxKernelEngine>(new LinuxKernelEngine(config, options, std::move(ns)));
}

LinuxKernelEngine::LinuxKernelEngine(const ReassemblyConfig& config, const EngineOptions& options,
                                     std::unique_ptr<KernelNamespace> ns)
    : config_(config),
      options_(options),
      ns_(std::move(ns)),
      map_(std::make_unique<AddressMap>()),
      in_(kMaxRead) {}

LinuxKernelEngine::~LinuxKernelEngine() = default;

void LinuxKernelEngine::push(Bytes packet, Instant /*now*/, EventSink& sink) {
  // ip_rcv_core drops these; the TUN device would hand a version 6 packet to
  // IPv6, so they are not written at all.
  if (packet.size() < kIpv4MinHeader || (packet[0] >> 4) != 4) {
    ++counters_.not_ipv4;
    return;
  }
  const std::uint16_t frag = load_be16(packet, ipv4_field::kFlagsFragment);
  const bool was_fragment = (frag & (kFlagMf | kFragmentOffsetMask)) != 0;
  write_packet(packet, was_fragment, &sink);
}

void LinuxKernelEngine::expire(Instant /*now*/, EventSink& /*sink*/) {}

void LinuxKernelEngine::write_packet(Bytes packet, bool was_fragment, EventSink* sink) {
  out_.assign(packet.begin(), packet.end());
  if (!map_->to_namespace(out_)) {
    ++counters_.addresses_exhausted;
    return;
  }
  const std::uint8_t protocol = out_[ipv4_field::kProtocol];
  const int fd = ns_->raw_socket(protocol, nullptr);
  if (!write_tun(out_)) {
    return;
  }
  if (fd < 0) {
    ++counters_.unobservable_protocol;
    return;
  }
  const std::uint32_t seq = ++sentinel_seq_;
  const auto sentinel = make_sentinel(protocol, load_be32(out_, ipv4_field::kDestination), seq);
  if (!write_tun(sentinel)) {
    return;
  }
  await_sentinel(fd, seq, was_fragment, sink);
  if (counters_.written % kDrainEvery == 0) {
    drain_tun();
  }
}

bool LinuxKernelEngine::write_tun(const std::vector<std::uint8_t>& bytes) {
  const ssize_t n = write(ns_->tun_fd(), bytes.data(), bytes.size());
  if (n != static_cast<ssize_t>(bytes.size())) {
    ++counters_.io_errors;
    return false;
  }
  ++counters_.written;
  return true;
}

void LinuxKernelEngine::await_sentinel(int fd, std::uint32_t seq, bool was_fragment,
                                       EventSink* sink) {
  for (;;) {
    const ssize_t n = recv(fd, in_.data(), in_.size(), MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, options_.sentinel_timeout_ms) <= 0) {
        ++counters_.sentinel_timeouts;
        return;
      }
      continue;
    }
    if (n < 0) {
      if (errno != EINTR) {
        ++counters_.io_errors;
        return;
      }
      continue;
    }
    const auto len = static_cast<std::size_t>(n);
    if (len < kIpv4MinHeader) {
      continue;
    }
    const std::span<std::uint8_t> got{in_.data(), len};
    std::uint32_t got_seq = 0;
    if (is_sentinel(got, std::size_t{got[0] & 0x0fu} * 4, &got_seq)) {
      if (got_seq == seq) {
        return;
      }
      continue;  // a late sentinel of an earlier, timed-out push
    }
    deliver(got, was_fragment, sink);
  }
}

void LinuxKernelEngine::deliver(std::span<std::uint8_t> bytes, bool was_fragment, EventSink* sink) {
  if (!map_->from_namespace(bytes)) {
    ++counters_.foreign;
    return;
  }
  ++counters_.deliveries;
  if (!was_fragment) {
    ++stats_.passthrough;
  }
  if (sink == nullptr) {
    return;
  }
  const Bytes b{bytes};
  const FragmentKey key{load_be32(b, ipv4_field::kSource), load_be32(b, ipv4_field::kDestination),
                        b[ipv4_field::kProtocol], load_be16(b, ipv4_field::kIdentification)};
  // Fragment count: 1 for a packet that passed through; unknown (0) for a
  // reassembled datagram, the kernel does not tell.
  const std::uint32_t count = was_fragment ? 0 : 1;
  if (was_fragment && config_.strip_options && (b[0] & 0x0f) > 5) {
    const auto stripped = strip_options(b);
    sink->on_delivered(Delivered{key, stripped, count});
    return;
  }
  sink->on_delivered(Delivered{key, b, count});
}

void LinuxKernelEngine::drain_tun() {
  std::uint8_t discard[2048];
  while (read(ns_->tun_fd(), discard, sizeof(discard)) > 0) {
    ++counters_.kernel_output;
  }
}

void LinuxKernelEngine::forget(const FragmentKey& key) {
  std::vector<std::uint8_t> p(kIpv4MinHeader, 0);
  const MutableBytes b{p};
  b[0] = 0x45;
  store_be16(b, ipv4_field::kTotalLength, static_cast<std::uint16_t>(kIpv4MinHeader));
  store_be16(b, ipv4_field::kIdentification, key.identification);
  store_be16(b, ipv4_field::kFlagsFragment, kFlagMf);  // MF, offset 0, no data
  b[ipv4_field::kTtl] = 64;
  b[ipv4_field::kProtocol] = key.protocol;
  store_be32(b, ipv4_field::kSource, key.source);
  store_be32(b, ipv4_field::kDestination, key.destination);
  store_be16(b, ipv4_field::kChecksum, internet_checksum(b));
  write_packet(p, true, nullptr);
}

bool LinuxKernelEngine::write_sysctl(const std::string& path, const std::string& value,
                                     std::string* error) {
  return ns_->write_sysctl(path, value, error);
}

const ReassemblyStats& LinuxKernelEngine::stats() const {
  const auto snmp = ns_->read_proc_net("snmp");
  const auto netstat = ns_->read_proc_net("netstat");
  if (snmp) {
    stats_.reasm_reqds = mib_value(*snmp, "Ip:", "ReasmReqds");
    stats_.reasm_oks = mib_value(*snmp, "Ip:", "ReasmOKs");
    stats_.reasm_fails = mib_value(*snmp, "Ip:", "ReasmFails");
    stats_.reasm_timeout = mib_value(*snmp, "Ip:", "ReasmTimeout");
  }
  if (netstat) {
    stats_.reasm_overlaps = mib_value(*netstat, "IpExt:", "ReasmOverlaps");
  }
  return stats_;
}

bool LinuxKernelEngine::raw_socket_sees(Bytes datagram) {
  if (datagram.size() < kIpv4MinHeader) {
    return false;
  }
  const std::uint8_t protocol = datagram[ipv4_field::kProtocol];
  const std::size_t hl = std::size_t{datagram[0] & 0x0fu} * 4;
  if (protocol == 0) {
    return false;
  }
  return !(protocol == 1 && datagram.size() < hl + 8);
}

int LinuxKernelEngine::helper_pid() const {
  return static_cast<int>(ns_->child());
}

std::string LinuxKernelEngine::kernel_release() {
  utsname u{};
  return uname(&u) == 0 ? std::string(u.release) : std::string("unknown");
}

}  // namespace linux_kernel

namespace {

std::string& last_error() {
  static std::string e;
  return e;
}

}  // namespace

std::unique_ptr<ReassemblyEngine> make_linux_kernel_engine(const ReassemblyConfig& config,
                                                           std::string* error) {
  return linux_kernel::LinuxKernelEngine::create(config, linux_kernel::EngineOptions{}, error);
}

std::string linux_kernel_engine_last_error() {
  return last_error();
}

void register_linux_kernel_engine() {
  register_engine(EngineInfo{"linux-kernel",
                             "the running Linux kernel, through TUN in a private network namespace "
                             "(needs root and /dev/net/tun; observes delivered bytes only)",
                             [](const ReassemblyConfig& c) -> std::unique_ptr<ReassemblyEngine> {
                               std::string error;
                               auto e = make_linux_kernel_engine(c, &error);
                               if (!e) {
                                 last_error() = error;
                                 std::fprintf(stderr, "%s\n", error.c_str());
                               }
                               return e;
                             }});
}

}  // namespace ip4ref
