// tun_link.cpp: the Linux TUN device (Documentation/networking/tuntap.rst).
//
// open(): /dev/net/tun, TUNSETIFF {name, IFF_TUN | IFF_NO_PI}, O_NONBLOCK;
// then optionally SIOCSIFMTU and SIOCSIFFLAGS(IFF_UP) through an AF_INET
// datagram socket, and SIOCGIFMTU to learn the MTU. Every read(2) returns one
// packet, every write(2) sends one (IFF_NO_PI: no 4-octet packet information
// prefix), so the headroom is 0.
#include "ip4ref/tun_link.h"

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <utility>

#if defined(__linux__)
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#endif

namespace ip4ref {
namespace {

bool fail(TunError* error, int errno_value, const std::string& what) {
  if (error != nullptr) {
    error->error = errno_value;
    error->message = what + ": " + std::strerror(errno_value);
  }
  return false;
}

#if defined(__linux__)

// An AF_INET datagram socket, the handle the SIOC*IF* ioctls go through.
class ControlSocket {
 public:
  ControlSocket() : fd_(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {}
  ~ControlSocket() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  ControlSocket(const ControlSocket&) = delete;
  ControlSocket& operator=(const ControlSocket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

ifreq request_for(const std::string& name) {
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
  return ifr;
}

// Sets the MTU and IFF_UP as asked, then reads the MTU back.
bool configure(const std::string& name, const TunOptions& options, std::size_t* mtu,
               TunError* error) {
  ControlSocket control;
  if (control.fd() < 0) {
    return fail(error, errno, "cannot open a control socket for " + name);
  }
  if (options.mtu) {
    ifreq ifr = request_for(name);
    ifr.ifr_mtu = static_cast<int>(*options.mtu);
    if (::ioctl(control.fd(), SIOCSIFMTU, &ifr) < 0) {
      return fail(error, errno, "cannot set the MTU of " + name);
    }
  }
  if (options.bring_up) {
    ifreq ifr = request_for(name);
    if (::ioctl(control.fd(), SIOCGIFFLAGS, &ifr) < 0) {
      return fail(error, errno, "cannot read the flags of " + name);
    }
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
    if (::ioctl(control.fd(), SIOCSIFFLAGS, &ifr) < 0) {
      return fail(error, errno, "cannot bring " + name + " up");
    }
  }
  ifreq ifr = request_for(name);
  if (::ioctl(control.fd(), SIOCGIFMTU, &ifr) < 0) {
    return fail(error, errno, "cannot read the MTU of " + name);
  }
  *mtu = static_cast<std::size_t>(ifr.ifr_mtu);
  return true;
}

#endif  // __linux__

}  // namespace

#if defined(__linux__)

std::unique_ptr<TunLink> TunLink::open(const TunOptions& options, TunError* error) {
  if (options.name.size() >= IFNAMSIZ) {
    fail(error, ENAMETOOLONG, "device name '" + options.name + "' is longer than 15 characters");
    return nullptr;
  }
  const int fd = ::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    fail(error, errno, "cannot open /dev/net/tun");
    return nullptr;
  }
  // tuntap.rst: "IFF_TUN - TUN device (no Ethernet headers); IFF_NO_PI - Do
  // not provide packet information". Creates the device, or attaches to it.
  ifreq ifr = request_for(options.name);
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  if (::ioctl(fd, TUNSETIFF, &ifr) < 0) {
    const int e = errno;
    ::close(fd);
    const std::string what =
        options.name.empty() ? std::string("a TUN device") : "TUN device '" + options.name + "'";
    fail(error, e, "cannot create or attach " + what + " (TUNSETIFF needs CAP_NET_ADMIN)");
    return nullptr;
  }
  const std::string name = ifr.ifr_name;
  std::size_t mtu = 0;
  if (!configure(name, options, &mtu, error)) {
    ::close(fd);
    return nullptr;
  }
  return std::unique_ptr<TunLink>(new TunLink(fd, name, mtu));
}

TunLink::TunLink(int fd, std::string name, std::size_t mtu)
    : fd_(fd), name_(std::move(name)), mtu_(mtu) {}

TunLink::~TunLink() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

LinkIo TunLink::read(MutableBytes frame) {
  while (true) {
    const ssize_t n = ::read(fd_, frame.data(), frame.size());
    if (n >= 0) {
      return LinkIo::ok(static_cast<std::size_t>(n));
    }
    if (errno == EINTR) {
      continue;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      return LinkIo::would_block();
    }
    return LinkIo::failed(errno);
  }
}

LinkIo TunLink::write(MutableBytes frame) {
  while (true) {
    const ssize_t n = ::write(fd_, frame.data(), frame.size());
    if (n >= 0) {
      return LinkIo::ok(static_cast<std::size_t>(n));
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

#else  // not Linux: TUN as Linux has it does not exist.

std::unique_ptr<TunLink> TunLink::open(const TunOptions&, TunError* error) {
  fail(error, ENOTSUP, "TunLink is Linux only (use UtunLink on macOS)");
  return nullptr;
}

TunLink::TunLink(int fd, std::string name, std::size_t mtu)
    : fd_(fd), name_(std::move(name)), mtu_(mtu) {}

TunLink::~TunLink() = default;

LinkIo TunLink::read(MutableBytes) {
  return LinkIo::failed(ENOTSUP);
}

LinkIo TunLink::write(MutableBytes) {
  return LinkIo::failed(ENOTSUP);
}

#endif  // __linux__

}  // namespace ip4ref
