// utun_link.h: UtunLink, the macOS utun device as a Link (compiled only on
// macOS, under __APPLE__; it has never been built or run in this project's
// Linux CI).
//
// A utun interface is opened through the kernel control socket
// "com.apple.net.utun_control" (PF_SYSTEM, SYSPROTO_CONTROL); every packet on
// it carries a 4-octet protocol family prefix in network byte order (AF_INET
// for IPv4). UtunLink asks for 4 octets of headroom, so the prefix is read into
// and written from the caller's buffer in front of the packet: no copy.
#pragma once

#if defined(__APPLE__)

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "ip4ref/link.h"

namespace ip4ref {

struct UtunOptions {
  // utun unit number (utunN); nullopt lets the kernel pick the next free one.
  std::optional<unsigned> unit;
};

struct UtunError {
  int error = 0;
  std::string message;
};

class UtunLink final : public Link {
 public:
  static constexpr std::size_t kPrefix = 4;  // the address family prefix

  static std::unique_ptr<UtunLink> open(const UtunOptions& options, UtunError* error);
  ~UtunLink() override;
  UtunLink(const UtunLink&) = delete;
  UtunLink& operator=(const UtunLink&) = delete;

  std::size_t headroom() const override { return kPrefix; }
  std::size_t mtu() const override { return mtu_; }
  LinkIo read(MutableBytes frame) override;
  LinkIo write(MutableBytes frame) override;
  int poll_fd() const override { return fd_; }
  std::string name() const override { return name_; }

 private:
  UtunLink(int fd, std::string name, std::size_t mtu);

  int fd_ = -1;
  std::string name_;
  std::size_t mtu_ = 0;
};

}  // namespace ip4ref

#endif  // __APPLE__
