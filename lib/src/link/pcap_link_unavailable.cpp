// pcap_link_unavailable.cpp: PcapLink when the library was built without
// libpcap (lib/CMakeLists.txt compiles this instead of pcap_link.cpp). open()
// says so; nothing else can be reached, since no PcapLink is ever made.
#include <cerrno>
#include <memory>
#include <string>
#include <utility>

#include "ip4ref/pcap_link.h"

namespace ip4ref {

struct PcapLink::Impl {};

bool pcap_link_available() {
  return false;
}

std::unique_ptr<PcapLink> PcapLink::open(const PcapLinkOptions&, std::string* error) {
  if (error != nullptr) {
    *error = "PcapLink: ip4ref was built without libpcap (Debian: libpcap-dev; see ci/deps)";
  }
  return nullptr;
}

PcapLink::PcapLink(std::unique_ptr<Impl> impl, std::size_t mtu)
    : impl_(std::move(impl)), mtu_(mtu) {}
PcapLink::~PcapLink() = default;
std::string PcapLink::name() const {
  return "pcap:unavailable";
}
LinkIo PcapLink::read(MutableBytes) {
  return LinkIo::would_block();
}
LinkIo PcapLink::write(MutableBytes) {
  return LinkIo::failed(ENOTSUP);
}
void PcapLink::set_now(Instant now) {
  now_ = now;
}
std::optional<Instant> PcapLink::next_arrival() const {
  return std::nullopt;
}
bool PcapLink::input_done() const {
  return true;
}
bool PcapLink::close_output(std::string*) {
  return true;
}

}  // namespace ip4ref
