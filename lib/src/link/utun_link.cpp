// utun_link.cpp: the macOS utun device through its kernel control socket.
//
// UNTESTED: compiled only on macOS (__APPLE__). This project builds and runs
// on Linux; no macOS build has ever compiled or run this file. It follows the
// documented sequence (xnu bsd/net/if_utun.h, sys/kern_control.h):
//   socket(PF_SYSTEM, SOCK_DGRAM, SYSPROTO_CONTROL)
//   ioctl(CTLIOCGINFO) for "com.apple.net.utun_control" -> ctl_id
//   connect(sockaddr_ctl{sc_id = ctl_id, sc_unit = N + 1}) -> utunN (0: next free)
//   getsockopt(UTUN_OPT_IFNAME) -> the interface name
// Each packet on the socket is prefixed by its protocol family as a 4-octet
// big-endian integer (AF_INET = 2 for IPv4). The prefix lives in the caller's
// headroom: read() receives prefix + packet straight into the frame, write()
// stores the prefix in the headroom and sends frame as is. No copy.
#if defined(__APPLE__)

#include "ip4ref/utun_link.h"

#include <fcntl.h>
#include <net/if.h>
#include <net/if_utun.h>
#include <sys/ioctl.h>
#include <sys/kern_control.h>
#include <sys/socket.h>
#include <sys/sys_domain.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <utility>

namespace ip4ref {
namespace {

std::unique_ptr<UtunLink> fail(UtunError* error, int fd, int errno_value, const std::string& what) {
  if (fd >= 0) {
    ::close(fd);
  }
  if (error != nullptr) {
    error->error = errno_value;
    error->message = what + ": " + std::strerror(errno_value);
  }
  return nullptr;
}

}  // namespace

std::unique_ptr<UtunLink> UtunLink::open(const UtunOptions& options, UtunError* error) {
  const int fd = ::socket(PF_SYSTEM, SOCK_DGRAM, SYSPROTO_CONTROL);
  if (fd < 0) {
    return fail(error, -1, errno, "cannot open a PF_SYSTEM control socket");
  }
  ctl_info info{};
  std::strncpy(info.ctl_name, UTUN_CONTROL_NAME, sizeof(info.ctl_name) - 1);
  if (::ioctl(fd, CTLIOCGINFO, &info) < 0) {
    return fail(error, fd, errno, "cannot find the utun control");
  }
  sockaddr_ctl address{};
  address.sc_len = sizeof(address);
  address.sc_family = AF_SYSTEM;
  address.ss_sysaddr = AF_SYS_CONTROL;
  address.sc_id = info.ctl_id;
  address.sc_unit = options.unit ? *options.unit + 1 : 0;  // utunN is unit N + 1
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) < 0) {
    return fail(error, fd, errno, "cannot create a utun interface (needs root)");
  }
  char name[IFNAMSIZ] = {};
  socklen_t name_length = sizeof(name);
  if (::getsockopt(fd, SYSPROTO_CONTROL, UTUN_OPT_IFNAME, name, &name_length) < 0) {
    return fail(error, fd, errno, "cannot read the utun interface name");
  }
  if (::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
    return fail(error, fd, errno, "cannot make the utun socket non-blocking");
  }
  const int control = ::socket(AF_INET, SOCK_DGRAM, 0);
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
  if (control < 0 || ::ioctl(control, SIOCGIFMTU, &ifr) < 0) {
    const int e = errno;
    if (control >= 0) {
      ::close(control);
    }
    return fail(error, fd, e, std::string("cannot read the MTU of ") + name);
  }
  ::close(control);
  return std::unique_ptr<UtunLink>(new UtunLink(fd, name, static_cast<std::size_t>(ifr.ifr_mtu)));
}

UtunLink::UtunLink(int fd, std::string name, std::size_t mtu)
    : fd_(fd), name_(std::move(name)), mtu_(mtu) {}

UtunLink::~UtunLink() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

LinkIo UtunLink::read(MutableBytes frame) {
  while (true) {
    // The family prefix lands in the headroom, the packet right after it.
    const ssize_t n = ::recv(fd_, frame.data(), frame.size(), 0);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        return LinkIo::would_block();
      }
      return LinkIo::failed(errno);
    }
    if (static_cast<std::size_t>(n) < kPrefix) {
      continue;  // no room for a prefix: not a packet
    }
    // IPv6 and other families are not ours; the next packet may be.
    if (load_be32(frame, 0) != AF_INET) {
      continue;
    }
    return LinkIo::ok(static_cast<std::size_t>(n) - kPrefix);
  }
}

LinkIo UtunLink::write(MutableBytes frame) {
  store_be32(frame, 0, AF_INET);
  while (true) {
    const ssize_t n = ::send(fd_, frame.data(), frame.size(), 0);
    if (n >= 0) {
      return LinkIo::ok(static_cast<std::size_t>(n) - kPrefix);
    }
    if (errno == EINTR) {
      continue;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
      return LinkIo::would_block();
    }
    return LinkIo::failed(errno);
  }
}

}  // namespace ip4ref

#endif  // __APPLE__
