// kernel_namespace.cpp: the helper child and its requests.
//
// The child runs between fork() and _exit() in a process that may have had
// other threads, so it only makes system calls and touches stack buffers:
// no allocation, no iostreams, no exceptions (POSIX: only async-signal-safe
// functions after fork() in a multithreaded process).
#include "kernel_namespace.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace ip4ref::linux_kernel {
namespace {

enum Op : std::uint32_t { kOpOpenRaw = 1, kOpSysctl = 2 };

struct Request {
  std::uint32_t op = 0;
  std::uint32_t arg = 0;
  char path[128] = {};
  char value[64] = {};
};

struct Reply {
  std::int32_t err = 0;  // errno of the failing step, 0 on success
  char what[96] = {};    // the failing step
};

constexpr int kSetupTimeoutMs = 10000;
constexpr int kRequestTimeoutMs = 5000;

// ---- the child: system calls and stack buffers only --------------------------

void set_what(Reply& r, const char* what) {
  std::size_t n = 0;
  while (what[n] != '\0' && n + 1 < sizeof(r.what)) {
    r.what[n] = what[n];
    ++n;
  }
  r.what[n] = '\0';
}

bool fail(Reply& r, const char* what) {
  r.err = errno != 0 ? errno : EIO;
  set_what(r, what);
  return false;
}

// Writes the decimal of v into buf (at least 24 octets); returns its length.
std::size_t format_unsigned(unsigned long long v, char* buf) {
  char tmp[24];
  std::size_t n = 0;
  do {
    tmp[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  for (std::size_t i = 0; i < n; ++i) {
    buf[i] = tmp[n - 1 - i];
  }
  buf[n] = '\0';
  return n;
}

bool write_proc_sys(const char* path, const char* value) {
  char full[192] = "/proc/sys/";
  std::size_t at = std::strlen(full);
  for (std::size_t i = 0; path[i] != '\0' && at + 1 < sizeof(full); ++i) {
    full[at++] = path[i];
  }
  full[at] = '\0';
  const int fd = open(full, O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    return false;
  }
  const auto len = static_cast<ssize_t>(std::strlen(value));
  const bool ok = write(fd, value, static_cast<std::size_t>(len)) == len;
  const int saved = errno;
  close(fd);
  errno = saved;
  return ok;
}

bool write_proc_sys_number(const char* path, unsigned long long v) {
  char buf[24];
  format_unsigned(v, buf);
  return write_proc_sys(path, buf);
}

bool set_up(int ctl, const char* name) {
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
  if (ioctl(ctl, SIOCGIFFLAGS, &ifr) < 0) {
    return false;
  }
  ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
  return ioctl(ctl, SIOCSIFFLAGS, &ifr) == 0;
}

bool set_address(int ctl, const char* name, unsigned long request, std::uint32_t addr) {
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(addr);
  std::memcpy(&ifr.ifr_addr, &sin, sizeof(sin));
  return ioctl(ctl, request, &ifr) == 0;
}

bool set_mtu(int ctl, const char* name, int mtu) {
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
  ifr.ifr_mtu = mtu;
  return ioctl(ctl, SIOCSIFMTU, &ifr) == 0;
}

void add_attr(nlmsghdr* nh, unsigned short type, const void* data, std::size_t len) {
  auto* rta = reinterpret_cast<rtattr*>(reinterpret_cast<char*>(nh) + NLMSG_ALIGN(nh->nlmsg_len));
  rta->rta_type = type;
  rta->rta_len = static_cast<unsigned short>(RTA_LENGTH(len));
  std::memcpy(RTA_DATA(rta), data, len);
  nh->nlmsg_len = NLMSG_ALIGN(nh->nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

// ip route add local 198.51.100.0/24 dev lo table local
bool add_local_route(int lo_index) {
  const int nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (nl < 0) {
    return false;
  }
  alignas(nlmsghdr) char buf[256] = {};
  auto* nh = reinterpret_cast<nlmsghdr*>(buf);
  nh->nlmsg_len = NLMSG_LENGTH(sizeof(rtmsg));
  nh->nlmsg_type = RTM_NEWROUTE;
  nh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
  nh->nlmsg_seq = 1;
  auto* rt = static_cast<rtmsg*>(NLMSG_DATA(nh));
  rt->rtm_family = AF_INET;
  rt->rtm_dst_len = 24;
  rt->rtm_table = RT_TABLE_LOCAL;
  rt->rtm_protocol = RTPROT_STATIC;
  rt->rtm_scope = RT_SCOPE_HOST;
  rt->rtm_type = RTN_LOCAL;
  const std::uint32_t dst = htonl(0xc6336400u);  // 198.51.100.0
  add_attr(nh, RTA_DST, &dst, sizeof(dst));
  add_attr(nh, RTA_OIF, &lo_index, sizeof(lo_index));
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  bool ok = sendto(nl, buf, nh->nlmsg_len, 0, reinterpret_cast<sockaddr*>(&kernel),
                   sizeof(kernel)) == static_cast<ssize_t>(nh->nlmsg_len);
  alignas(nlmsghdr) char answer[512];
  const ssize_t n = ok ? recv(nl, answer, sizeof(answer), 0) : -1;
  ok = ok && n >= static_cast<ssize_t>(NLMSG_LENGTH(sizeof(nlmsgerr)));
  if (ok) {
    auto* reply = reinterpret_cast<nlmsghdr*>(answer);
    auto* err = static_cast<nlmsgerr*>(NLMSG_DATA(reply));
    ok = reply->nlmsg_type == NLMSG_ERROR && err->error == 0;
    if (!ok && reply->nlmsg_type == NLMSG_ERROR) {
      errno = -err->error;
    }
  }
  const int saved = errno;
  close(nl);
  errno = saved;
  return ok;
}

bool configure_links(Reply& r) {
  const int ctl = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (ctl < 0) {
    return fail(r, "socket(AF_INET, SOCK_DGRAM) for interface ioctls");
  }
  if (!set_up(ctl, "lo")) {
    return fail(r, "bring lo up");
  }
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  if (ioctl(ctl, SIOCGIFINDEX, &ifr) < 0) {
    return fail(r, "SIOCGIFINDEX lo");
  }
  if (!add_local_route(ifr.ifr_ifindex)) {
    return fail(r, "netlink: ip route add local 198.51.100.0/24 dev lo");
  }
  if (!set_address(ctl, kTunName, SIOCSIFADDR, 0xc0000201u)) {  // 192.0.2.1
    return fail(r, "SIOCSIFADDR 192.0.2.1 on ip4ref0");
  }
  if (!set_address(ctl, kTunName, SIOCSIFNETMASK, 0xffffff00u)) {
    return fail(r, "SIOCSIFNETMASK /24 on ip4ref0");
  }
  if (!set_mtu(ctl, kTunName, 65535)) {
    return fail(r, "SIOCSIFMTU 65535 on ip4ref0");
  }
  if (!set_up(ctl, kTunName)) {
    return fail(r, "bring ip4ref0 up");
  }
  close(ctl);
  return true;
}

bool configure_sysctls(const NamespaceSettings& s, Reply& r) {
  // The kernel bounds high >= low and low <= high: lower low first.
  if (!write_proc_sys_number("net/ipv4/ipfrag_low_thresh", 0) ||
      !write_proc_sys_number("net/ipv4/ipfrag_high_thresh", s.high_thresh) ||
      !write_proc_sys_number("net/ipv4/ipfrag_low_thresh", s.low_thresh)) {
    return fail(r, "write net.ipv4.ipfrag_{high,low}_thresh");
  }
  if (!write_proc_sys_number("net/ipv4/ipfrag_time",
                             static_cast<unsigned long long>(s.ipfrag_time_seconds))) {
    return fail(r, "write net.ipv4.ipfrag_time");
  }
  if (s.max_dist && !write_proc_sys_number("net/ipv4/ipfrag_max_dist",
                                           static_cast<unsigned long long>(*s.max_dist))) {
    return fail(r, "write net.ipv4.ipfrag_max_dist");
  }
  return true;
}

// unshare, TUN, links, sysctls. Returns the TUN descriptor or -1 (r filled).
int build_namespace(const NamespaceSettings& s, Reply& r) {
  if (unshare(CLONE_NEWNET) != 0) {
    fail(r, "unshare(CLONE_NEWNET) (needs CAP_SYS_ADMIN)");
    return -1;
  }
  // No IPv6 on the TUN: nothing but our own packets on it.
  write_proc_sys("net/ipv6/conf/default/disable_ipv6", "1");
  const int tun = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
  if (tun < 0) {
    fail(r, "open /dev/net/tun");
    return -1;
  }
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, kTunName, IFNAMSIZ - 1);
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  if (ioctl(tun, TUNSETIFF, &ifr) < 0) {
    fail(r, "ioctl TUNSETIFF ip4ref0 (needs CAP_NET_ADMIN)");
    return -1;
  }
  if (!configure_links(r) || !configure_sysctls(s, r)) {
    return -1;
  }
  return tun;
}

bool send_reply(int sock, const Reply& r, int fd) {
  iovec iov{const_cast<Reply*>(&r), sizeof(r)};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  if (fd >= 0) {
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &fd, sizeof(int));
  }
  return sendmsg(sock, &msg, MSG_NOSIGNAL) == static_cast<ssize_t>(sizeof(r));
}

void serve(int sock) {
  for (;;) {
    Request q;
    const ssize_t n = recv(sock, &q, sizeof(q), 0);
    if (n != static_cast<ssize_t>(sizeof(q))) {
      return;  // the parent went away (or spoke nonsense): exit
    }
    Reply r;
    int fd = -1;
    errno = 0;
    if (q.op == kOpOpenRaw) {
      fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, static_cast<int>(q.arg));
      if (fd < 0) {
        fail(r, "socket(AF_INET, SOCK_RAW, protocol)");
      }
    } else if (q.op == kOpSysctl) {
      q.path[sizeof(q.path) - 1] = '\0';
      q.value[sizeof(q.value) - 1] = '\0';
      if (!write_proc_sys(q.path, q.value)) {
        fail(r, "write /proc/sys");
      }
    } else {
      errno = EINVAL;
      fail(r, "unknown request");
    }
    if (!send_reply(sock, r, fd)) {
      return;
    }
    if (fd >= 0) {
      close(fd);
    }
  }
}

[[noreturn]] void child_main(int sock, const NamespaceSettings& s) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the engine's process
  // Keep only stdio and the control socket: descriptors inherited from the
  // caller (pipes, sockets) must not be held open by the helper.
  if (sock != 3) {
    dup2(sock, 3);
    sock = 3;
  }
  close_range(4, ~0u, 0);
  Reply r;
  const int tun = build_namespace(s, r);
  if (!send_reply(sock, r, tun) || tun < 0) {
    _exit(1);
  }
  close(tun);
  serve(sock);
  _exit(0);
}

// ---- the parent --------------------------------------------------------------

std::string describe(const Reply& r) {
  return std::string(r.what) + ": " + std::strerror(r.err);
}

// Receives one Reply (and a descriptor, if any) within timeout_ms.
bool receive_reply(int sock, int timeout_ms, Reply* r, int* fd, std::string* why) {
  pollfd p{sock, POLLIN, 0};
  if (poll(&p, 1, timeout_ms) <= 0) {
    *why = "the namespace helper did not answer within " + std::to_string(timeout_ms) + " ms";
    return false;
  }
  iovec iov{r, sizeof(*r)};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  const ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  if (n != static_cast<ssize_t>(sizeof(*r))) {
    *why = "the namespace helper exited during set-up";
    return false;
  }
  *fd = -1;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      std::memcpy(fd, CMSG_DATA(c), sizeof(int));
    }
  }
  return true;
}

void reap(pid_t child) {
  kill(child, SIGKILL);
  while (waitpid(child, nullptr, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace

std::unique_ptr<KernelNamespace> KernelNamespace::create(const NamespaceSettings& settings,
                                                         std::string* error) {
  auto fail_with = [error](std::string why) -> std::unique_ptr<KernelNamespace> {
    if (error != nullptr) {
      *error = std::move(why);
    }
    return nullptr;
  };
  if (access("/dev/net/tun", R_OK | W_OK) != 0) {
    return fail_with(std::string("/dev/net/tun is not usable: ") + std::strerror(errno));
  }
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
    return fail_with(std::string("socketpair: ") + std::strerror(errno));
  }
  const pid_t pid = fork();
  if (pid < 0) {
    close(pair[0]);
    close(pair[1]);
    return fail_with(std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    close(pair[0]);
    child_main(pair[1], settings);
  }
  close(pair[1]);
  Reply r;
  int tun = -1;
  std::string why;
  if (!receive_reply(pair[0], kSetupTimeoutMs, &r, &tun, &why) || r.err != 0 || tun < 0) {
    close(pair[0]);
    if (tun >= 0) {
      close(tun);
    }
    reap(pid);
    return fail_with("linux-kernel engine: cannot build the network namespace: " +
                     (why.empty() ? describe(r) : why));
  }
  const int flags = fcntl(tun, F_GETFL);
  fcntl(tun, F_SETFL, flags | O_NONBLOCK);
  return std::unique_ptr<KernelNamespace>(new KernelNamespace(pid, pair[0], tun));
}

KernelNamespace::~KernelNamespace() {
  for (int& fd : raw_) {
    if (fd > 0) {
      close(fd);
    }
  }
  close(tun_fd_);
  close(control_);
  reap(child_);
}

bool KernelNamespace::request(std::uint32_t op, std::uint32_t arg, const std::string& path,
                              const std::string& value, int* fd_out, std::string* error) {
  if (path.size() >= sizeof(Request::path) || value.size() >= sizeof(Request::value)) {
    *error = "sysctl path or value too long";
    return false;
  }
  Request q;
  q.op = op;
  q.arg = arg;
  std::strncpy(q.path, path.c_str(), sizeof(q.path) - 1);
  std::strncpy(q.value, value.c_str(), sizeof(q.value) - 1);
  if (send(control_, &q, sizeof(q), MSG_NOSIGNAL) != static_cast<ssize_t>(sizeof(q))) {
    *error = std::string("namespace helper gone: ") + std::strerror(errno);
    return false;
  }
  Reply r;
  int fd = -1;
  std::string why;
  if (!receive_reply(control_, kRequestTimeoutMs, &r, &fd, &why)) {
    *error = why;
    return false;
  }
  if (r.err != 0) {
    *error = describe(r);
    return false;
  }
  if (fd_out != nullptr) {
    *fd_out = fd;
  } else if (fd >= 0) {
    close(fd);
  }
  return true;
}

int KernelNamespace::raw_socket(std::uint8_t protocol, std::string* error) {
  if (raw_[protocol] > 0) {
    return raw_[protocol];
  }
  std::string why;
  int fd = -1;
  if (!request(kOpOpenRaw, protocol, "", "", &fd, &why) || fd <= 0) {
    if (error != nullptr) {
      *error = "raw socket for protocol " + std::to_string(protocol) + ": " + why;
    }
    return -1;
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  // Room for many 64 KiB datagrams: a delivery must never be lost to a full
  // receive queue (SO_RCVBUFFORCE: root may pass rmem_max).
  const int size = 8 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
  raw_[protocol] = fd;
  return fd;
}

bool KernelNamespace::write_sysctl(const std::string& path, const std::string& value,
                                   std::string* error) {
  std::string why;
  if (!request(kOpSysctl, 0, path, value, nullptr, &why)) {
    if (error != nullptr) {
      *error = "sysctl " + path + " = " + value + ": " + why;
    }
    return false;
  }
  return true;
}

std::optional<std::string> KernelNamespace::read_proc_net(const std::string& name) const {
  std::ifstream in("/proc/" + std::to_string(child_) + "/net/" + name);
  if (!in) {
    return std::nullopt;
  }
  std::ostringstream all;
  all << in.rdbuf();
  return all.str();
}

}  // namespace ip4ref::linux_kernel
