// kernel_namespace.h: a private Linux network namespace, owned by a helper
// child process, with a TUN device the kernel receives our packets from and
// raw sockets it delivers reassembled datagrams to.
//
// The caller's process and threads never change namespace: the child forks,
// calls unshare(CLONE_NEWNET), builds the namespace and hands file
// descriptors back over a UNIX socket (SCM_RIGHTS). A socket or TUN file
// descriptor stays bound to the namespace it was created in, so the parent
// reads and writes them directly, with no per-packet round trip to the child.
//
// Inside the namespace (nothing is routed anywhere else):
//   lo           up (127.0.0.1/8), plus a local route 198.51.100.0/24
//                (RFC 5737 TEST-NET-2): every address in it is "this host";
//   ip4ref0      TUN, IFF_TUN | IFF_NO_PI, 192.0.2.1/24 (TEST-NET-1), up,
//                MTU 65535, IPv6 disabled (no router solicitations);
//   sysctls      net.ipv4.ipfrag_time, ipfrag_high_thresh, ipfrag_low_thresh,
//                optionally ipfrag_max_dist, as NamespaceSettings says.
//
// Needs CAP_SYS_ADMIN (unshare) and CAP_NET_ADMIN, and /dev/net/tun.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace ip4ref::linux_kernel {

inline constexpr const char* kTunName = "ip4ref0";

struct NamespaceSettings {
  long ipfrag_time_seconds = 30;       // net.ipv4.ipfrag_time
  std::size_t high_thresh = 4u << 20;  // net.ipv4.ipfrag_high_thresh (octets)
  std::size_t low_thresh =
      3u << 20;                  // net.ipv4.ipfrag_low_thresh (unused by the kernel since 4.17)
  std::optional<long> max_dist;  // net.ipv4.ipfrag_max_dist; nullopt = kernel default (64)
};

class KernelNamespace {
 public:
  // Forks the helper, builds the namespace, receives the TUN descriptor.
  // nullptr on failure, with the step and errno text in *error (no root,
  // no /dev/net/tun, namespaces not permitted, ...). The child is reaped.
  static std::unique_ptr<KernelNamespace> create(const NamespaceSettings& settings,
                                                 std::string* error);

  KernelNamespace(const KernelNamespace&) = delete;
  KernelNamespace& operator=(const KernelNamespace&) = delete;
  // Closes every descriptor, kills the child (SIGKILL) and reaps it; the
  // namespace disappears with the last reference.
  ~KernelNamespace();

  int tun_fd() const { return tun_fd_; }

  // The raw socket (socket(AF_INET, SOCK_RAW, protocol), non-blocking) for
  // `protocol`, opened by the child on first use. -1 with *error on failure
  // (protocol 0 is refused by the kernel: EPROTONOSUPPORT).
  int raw_socket(std::uint8_t protocol, std::string* error);

  // Writes `value` to /proc/sys/<path> inside the namespace, e.g.
  // ("net/ipv4/ipfrag_max_dist", "0"). False with *error on failure.
  bool write_sysctl(const std::string& path, const std::string& value, std::string* error);

  // Reads a file of the namespace's /proc/net (e.g. "snmp", "netstat")
  // through /proc/<child>/net/. nullopt when it cannot be read.
  std::optional<std::string> read_proc_net(const std::string& name) const;

  pid_t child() const { return child_; }

 private:
  KernelNamespace(pid_t child, int control, int tun)
      : child_(child), control_(control), tun_fd_(tun) {}

  // One request to the helper; its answer's descriptor (if any) in *fd_out.
  bool request(std::uint32_t op, std::uint32_t arg, const std::string& path,
               const std::string& value, int* fd_out, std::string* error);

  pid_t child_ = -1;
  int control_ = -1;
  int tun_fd_ = -1;
  std::array<int, 256> raw_{};  // 0 = not opened yet (fd 0 is never ours)
};

}  // namespace ip4ref::linux_kernel
