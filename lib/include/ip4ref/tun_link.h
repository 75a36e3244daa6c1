// tun_link.h: TunLink, the Linux TUN device as a Link.
//
// Linux Documentation/networking/tuntap.rst: opening /dev/net/tun and issuing
// TUNSETIFF with IFF_TUN creates the named device, or attaches to it when it
// exists (made persistent by `ip tuntap add`). IFF_NO_PI: "Do not provide
// packet information", so every read and write is exactly one IP packet with
// no 4-octet prefix. The descriptor is non-blocking; poll_fd() polls readable
// when a packet waits. The MTU is read from the device (SIOCGIFMTU), after
// setting it (SIOCSIFMTU) when asked to.
//
// The kernel sends IPv6 (and anything else routed to the device) too; the
// stack drops what is not IPv4 with a reason (bad-version).
//
// On systems other than Linux open() fails with ENOTSUP.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "ip4ref/link.h"

namespace ip4ref {

struct TunOptions {
  // Device name; empty lets the kernel pick "tun%d". At most 15 characters.
  std::string name;
  // Set the device MTU before reading it back (needs CAP_NET_ADMIN).
  std::optional<std::size_t> mtu;
  // Set IFF_UP on the device (needs CAP_NET_ADMIN). Addresses and routes on
  // the kernel side stay the caller's business (`ip addr add ...`).
  bool bring_up = false;
};

// Why open() failed: the errno value and one line that names the step, e.g.
// "cannot open /dev/net/tun: No such file or directory".
struct TunError {
  int error = 0;
  std::string message;
};

class TunLink final : public Link {
 public:
  // nullptr on failure, with `error` filled (when not null).
  static std::unique_ptr<TunLink> open(const TunOptions& options, TunError* error);
  ~TunLink() override;
  TunLink(const TunLink&) = delete;
  TunLink& operator=(const TunLink&) = delete;

  std::size_t mtu() const override { return mtu_; }
  LinkIo read(MutableBytes frame) override;
  LinkIo write(MutableBytes frame) override;
  int poll_fd() const override { return fd_; }
  // The device name the kernel assigned.
  std::string name() const override { return name_; }

 private:
  TunLink(int fd, std::string name, std::size_t mtu);

  int fd_ = -1;
  std::string name_;
  std::size_t mtu_ = 0;
};

}  // namespace ip4ref
