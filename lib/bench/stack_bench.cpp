// stack_bench.cpp: the whole stack, not just its reassembly engine.
//
// stack-memory/<size>-mtu<M>/<engine>: datagrams/s (and payload octets/s)
//   from ip_write on stack A through a MemoryLink to ip_recv and a protocol
//   handler on stack B, both in deterministic mode (poll), batches of 16 (the
//   default send queue). <engine> is the stack variant on both sides: the
//   reassembly engine and the output manager's fragmenter (StackConfig::
//   engine and ::fragmenter, "ref" or "fast"). Beside them, "memcpy": the
//   payload octets copied once, the floor.
// stack-tun-ping/<size>/<engine>: ICMP echo round trips/s through a TUN
//   device: the Linux kernel (a raw ICMP socket in this process) pings the
//   stack (Stack::run on its own thread, as `ip4ref tun` runs it; <engine>
//   as above). In a
//   private network namespace made for the run and left after it, with only
//   192.0.2.0/24 (RFC 5737) inside: the kernel side is 192.0.2.1, the stack
//   192.0.2.2. Needs root and /dev/net/tun; otherwise the row is skipped with
//   the reason ("skipped: ..."), and the bench goes on. Wall-clock rates.
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "ip4ref/icmp.h"
#include "ip4ref/ipv4_address.h"
#include "ip4ref/ipv4_header.h"
#include "ip4ref/memory_link.h"
#include "ip4ref/stack.h"
#include "ip4ref/tun_link.h"

namespace ip4ref::bench {
namespace {

constexpr std::uint32_t kAddrA = 0xc0000201;  // 192.0.2.1 (RFC 5737 TEST-NET-1)
constexpr std::uint32_t kAddrB = 0xc0000202;  // 192.0.2.2
constexpr std::uint8_t kProtocol = 253;       // RFC 3692: for experimentation and testing
constexpr std::size_t kBatch = 16;            // StackConfig::send_queue_slots default

StackConfig config_for(std::uint32_t address, const std::string& engine) {
  StackConfig c;
  c.addresses.push_back(Ipv4Prefix{address, 24});
  c.engine = engine;
  c.fragmenter = engine;  // "ref" or "fast", the same variant both ways
  return c;
}

// --- stack-memory ----------------------------------------------------------

void run_memory_pair(benchmark::State& state, const std::string& engine, std::size_t size,
                     std::size_t mtu) {
  auto [end_a, end_b] = MemoryLink::make_pair({mtu, 256});
  std::string error;
  std::unique_ptr<Stack> a = Stack::create(*end_a, config_for(kAddrA, engine), &error);
  std::unique_ptr<Stack> b = Stack::create(*end_b, config_for(kAddrB, engine), &error);
  if (!a || !b) {
    state.SkipWithError(("cannot make the stacks: " + error).c_str());
    return;
  }
  std::uint64_t received = 0;
  std::uint64_t received_octets = 0;
  b->set_protocol_handler(kProtocol, [&](const ReceivedDatagram& d) {
    ++received;
    received_octets += d.ip.payload().size();
  });
  const std::vector<std::uint8_t> payload(size, 0x5a);
  const Instant now = Instant::from_ns(1'000'000'000);  // nothing times out: every datagram completes
  for (auto _ : state) {
    for (std::size_t i = 0; i < kBatch; ++i) {
      if (!a->ip_write(payload, kProtocol, kAddrB).ok()) {
        state.SkipWithError("ip_write refused a datagram");
        return;
      }
    }
    const std::uint64_t target = received + kBatch;
    for (int round = 0; received < target; ++round) {
      if (round > 100000) {
        state.SkipWithError("datagrams did not arrive (lost on the memory link?)");
        return;
      }
      a->poll(now);
      b->poll(now);
    }
  }
  if (received_octets != received * size) {
    state.SkipWithError("B received other octets than A sent");
    return;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(received));
  state.SetBytesProcessed(static_cast<std::int64_t>(received_octets));
}

// The floor: the same payload octets copied once per datagram.
void run_memory_memcpy(benchmark::State& state, std::size_t size) {
  const std::vector<std::uint8_t> payload(size, 0x5a);
  std::vector<std::uint8_t> buffer(size);
  for (auto _ : state) {
    for (std::size_t i = 0; i < kBatch; ++i) {
      std::memcpy(buffer.data(), payload.data(), size);
      benchmark::DoNotOptimize(buffer.data());
      benchmark::ClobberMemory();
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBatch));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kBatch * size));
}

// --- stack-tun-ping --------------------------------------------------------

// A file descriptor closed on scope exit.
struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) {
      ::close(fd);
    }
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

// This thread in a fresh network namespace for the scope, back in the
// original one after; the namespace (and the TUN device in it) goes away
// with its last user.
class PrivateNetns {
 public:
  PrivateNetns() : original_(::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) {
    if (original_.fd < 0) {
      error_ = std::string{"cannot open /proc/self/ns/net: "} + std::strerror(errno);
    } else if (::unshare(CLONE_NEWNET) != 0) {
      error_ = std::string{"unshare(CLONE_NEWNET): "} + std::strerror(errno) +
               " (needs root / CAP_SYS_ADMIN)";
    }
  }
  ~PrivateNetns() {
    if (error_.empty()) {
      (void)::setns(original_.fd, CLONE_NEWNET);
    }
  }
  PrivateNetns(const PrivateNetns&) = delete;
  PrivateNetns& operator=(const PrivateNetns&) = delete;
  const std::string& error() const { return error_; }

 private:
  Fd original_;
  std::string error_;
};

// The kernel side of the TUN device: 192.0.2.1/24 (SIOCSIFADDR, then
// SIOCSIFNETMASK; the kernel adds the connected route).
std::string set_kernel_address(const std::string& dev) {
  const Fd s{::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)};
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, dev.c_str(), IFNAMSIZ - 1);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(kAddrA);
  std::memcpy(&ifr.ifr_addr, &sin, sizeof sin);
  if (s.fd < 0 || ::ioctl(s.fd, SIOCSIFADDR, &ifr) != 0) {
    return std::string{"SIOCSIFADDR 192.0.2.1: "} + std::strerror(errno);
  }
  sin.sin_addr.s_addr = htonl(0xffffff00);
  std::memcpy(&ifr.ifr_netmask, &sin, sizeof sin);
  if (::ioctl(s.fd, SIOCSIFNETMASK, &ifr) != 0) {
    return std::string{"SIOCSIFNETMASK /24: "} + std::strerror(errno);
  }
  return {};
}

// One echo request from the raw socket, then its reply (matched by
// identifier and sequence; anything else on the socket is skipped). False
// after a second without it.
bool round_trip(int sock, std::uint16_t sequence, const std::vector<std::uint8_t>& data,
                std::vector<std::uint8_t>& buffer) {
  const std::vector<std::uint8_t> request = make_echo_request(0x1b1b, sequence, data);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(kAddrB);
  if (::sendto(sock, request.data(), request.size(), 0, reinterpret_cast<sockaddr*>(&to),
               sizeof to) != static_cast<ssize_t>(request.size())) {
    return false;
  }
  while (true) {
    pollfd p{sock, POLLIN, 0};
    if (::poll(&p, 1, 1000) != 1) {
      return false;
    }
    const ssize_t n = ::recv(sock, buffer.data(), buffer.size(), 0);
    if (n <= 0) {
      return false;
    }
    // A raw socket hands over the IPv4 header too.
    const Result<Ipv4View> ip = Ipv4View::parse(Bytes{buffer}.first(static_cast<std::size_t>(n)));
    if (!ip || ip->source() != kAddrB) {
      continue;
    }
    const Result<IcmpView> icmp = IcmpView::parse(ip->payload());
    if (icmp && icmp->type() == 0 && icmp->identifier() == 0x1b1b &&
        icmp->sequence() == sequence) {
      return icmp->data().size() == data.size();
    }
  }
}

void run_tun_ping(benchmark::State& state, const std::string& engine, std::size_t size) {
  const PrivateNetns netns;
  if (!netns.error().empty()) {
    state.SkipWithError(("skipped: " + netns.error()).c_str());
    return;
  }
  TunError tun_error;
  std::unique_ptr<TunLink> tun = TunLink::open({"ip4rbench0", 1500, true}, &tun_error);
  if (!tun) {
    state.SkipWithError(("skipped: " + tun_error.message).c_str());
    return;
  }
  if (const std::string e = set_kernel_address(tun->name()); !e.empty()) {
    state.SkipWithError(("skipped: " + e).c_str());
    return;
  }
  const Fd sock{::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP)};
  // Let the kernel fragment requests over the MTU (no DF).
  const int pmtu = IP_PMTUDISC_DONT;
  if (sock.fd < 0 || ::setsockopt(sock.fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof pmtu) != 0) {
    state.SkipWithError(("skipped: raw ICMP socket: " + std::string{std::strerror(errno)}).c_str());
    return;
  }
  std::string error;
  std::unique_ptr<Stack> stack = Stack::create(*tun, config_for(kAddrB, engine), &error);
  if (!stack) {
    state.SkipWithError(("cannot make the stack: " + error).c_str());
    return;
  }
  std::atomic<bool> stop{false};
  std::thread runner([&] { stack->run(steady_now, stop); });
  const std::vector<std::uint8_t> data(size, 0xa5);
  std::vector<std::uint8_t> buffer(65536);
  std::uint16_t sequence = 0;
  bool lost = false;
  for (auto _ : state) {
    if (!round_trip(sock.fd, ++sequence, data, buffer)) {
      lost = true;
      break;
    }
  }
  stop.store(true);
  runner.join();
  if (lost) {
    state.SkipWithError("no echo reply within 1 s");
    return;
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * 2 * size));
}

const bool registered = [] {
  struct MemoryCase {
    const char* name;
    std::size_t size;
    std::size_t mtu;
  };
  static const MemoryCase memory_cases[] = {
      {"64B-mtu1500", 64, 1500},
      {"1472B-mtu1500", 1472, 1500},
      {"8000B-mtu1500", 8000, 1500},
      {"8000B-mtu576", 8000, 576},
  };
  for (const MemoryCase& c : memory_cases) {
    const std::string base = std::string{"stack-memory/"} + c.name + "/";
    for (const char* engine : {"ref", "fast"}) {
      benchmark::RegisterBenchmark((base + engine).c_str(), [c, engine](benchmark::State& st) {
        run_memory_pair(st, engine, c.size, c.mtu);
      });
    }
    benchmark::RegisterBenchmark((base + "memcpy").c_str(),
                                 [c](benchmark::State& st) { run_memory_memcpy(st, c.size); });
  }
  for (const std::size_t size : {std::size_t{56}, std::size_t{4000}}) {
    const std::string base = "stack-tun-ping/" + std::to_string(size) + "B/";
    for (const char* engine : {"ref", "fast"}) {
      benchmark::RegisterBenchmark((base + engine).c_str(), [size, engine](benchmark::State& st) {
        run_tun_ping(st, engine, size);
      })->UseRealTime();
    }
  }
  return true;
}();

}  // namespace
}  // namespace ip4ref::bench
