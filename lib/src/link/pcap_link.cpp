// pcap_link.cpp: PcapLink over libpcap (pcap_link.h). Built only when
// libpcap is found; pcap_link_unavailable.cpp stands in otherwise.
//
// Reading runs one record ahead: the next record is copied into `pending`
// so that next_arrival() can tell its timestamp before read() releases it.
// Files are opened with nanosecond timestamp precision
// (pcap_open_offline_with_tstamp_precision), so tv_usec holds nanoseconds
// whatever the file's own precision.
#include <pcap/pcap.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "ip4ref/bytes.h"
#include "ip4ref/pcap_link.h"

namespace ip4ref {

// https://www.tcpdump.org/linktypes.html; DLT_* as libpcap returns them.
namespace {

constexpr int kDltIpv4 = 228;       // LINKTYPE_IPV4 (DLT_IPV4)
constexpr int kDltLinuxSll2 = 276;  // LINKTYPE_LINUX_SLL2
constexpr std::uint16_t kEtherTypeIpv4 = 0x0800;
constexpr std::uint16_t kEtherTypeVlan = 0x8100;   // IEEE 802.1Q
constexpr std::uint16_t kEtherTypeQinQ = 0x88a8;   // IEEE 802.1ad
constexpr std::size_t kEthernetHeader = 14;        // destination, source, EtherType
constexpr std::size_t kVlanTag = 4;                // TCI, then the inner EtherType
constexpr std::size_t kSllHeader = 16;             // protocol at offset 14
constexpr std::size_t kSll2Header = 20;            // protocol at offset 0

bool link_type_supported(int dlt) {
  return dlt == DLT_RAW || dlt == kDltIpv4 || dlt == DLT_EN10MB || dlt == DLT_LINUX_SLL ||
         dlt == kDltLinuxSll2;
}

struct Decoded {
  enum class Kind { kIpv4, kOther, kTruncated } kind = Kind::kOther;
  std::size_t offset = 0;  // where the IPv4 header starts in the frame
};

Decoded ethertype_at(Bytes frame, std::size_t type_at, std::size_t payload_at) {
  if (frame.size() < payload_at) {
    return {Decoded::Kind::kTruncated, 0};
  }
  if (load_be16(frame, type_at) != kEtherTypeIpv4) {
    return {Decoded::Kind::kOther, 0};
  }
  return {Decoded::Kind::kIpv4, payload_at};
}

// Ethernet II, skipping 802.1Q / 802.1ad tags: each is 4 octets (TCI + the
// next EtherType) inserted before the EtherType.
Decoded decode_ethernet(Bytes frame) {
  std::size_t type_at = kEthernetHeader - 2;
  while (true) {
    if (frame.size() < type_at + 2) {
      return {Decoded::Kind::kTruncated, 0};
    }
    const std::uint16_t type = load_be16(frame, type_at);
    if (type != kEtherTypeVlan && type != kEtherTypeQinQ) {
      return ethertype_at(frame, type_at, type_at + 2);
    }
    type_at += kVlanTag;
  }
}

Decoded decode_frame(int dlt, Bytes frame) {
  if (dlt == DLT_RAW || dlt == kDltIpv4) {
    // LINKTYPE_RAW carries IPv6 too: the version nibble tells.
    if (frame.empty()) {
      return {Decoded::Kind::kTruncated, 0};
    }
    return {(frame[0] >> 4) == 4 ? Decoded::Kind::kIpv4 : Decoded::Kind::kOther, 0};
  }
  if (dlt == DLT_EN10MB) {
    return decode_ethernet(frame);
  }
  if (dlt == DLT_LINUX_SLL) {
    return ethertype_at(frame, kSllHeader - 2, kSllHeader);
  }
  return ethertype_at(frame, 0, kSll2Header);  // LINUX_SLL2
}

Instant timestamp(const pcap_pkthdr& h) {
  // Nanosecond precision was asked for at open: tv_usec holds nanoseconds.
  return Instant::from_ns(static_cast<std::int64_t>(h.ts.tv_sec) * 1'000'000'000 +
                          static_cast<std::int64_t>(h.ts.tv_usec));
}

}  // namespace

struct PcapLink::Impl {
  std::string input_path;
  std::string output_path;
  pcap_t* in = nullptr;
  int dlt = 0;
  pcap_t* dead = nullptr;
  pcap_dumper_t* dumper = nullptr;
  // The record read ahead.
  bool has_pending = false;
  std::vector<std::uint8_t> pending;
  std::size_t pending_wire_length = 0;
  Instant pending_time;
  std::uint64_t record_number = 0;  // 1-based number of the pending record
  std::uint64_t record_offset = 0;  // its byte offset in the file

  ~Impl() {
    if (in != nullptr) {
      pcap_close(in);
    }
    close_output();
    if (dead != nullptr) {
      pcap_close(dead);
    }
  }
  // Closes the dumper; false when a write had failed.
  bool close_output() {
    if (dumper == nullptr) {
      return true;
    }
    bool ok = pcap_dump_flush(dumper) == 0;
    ok = ok && std::ferror(pcap_dump_file(dumper)) == 0;
    pcap_dump_close(dumper);
    dumper = nullptr;
    return ok;
  }
  // Byte offset of the next record: the reader's position in the file.
  std::uint64_t position() const {
    const long at = std::ftell(pcap_file(in));
    return at < 0 ? 0 : static_cast<std::uint64_t>(at);
  }
};

bool pcap_link_available() {
  return true;
}

namespace {

std::string open_input(PcapLink::Impl& impl, const std::string& path) {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  impl.in = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO,
                                                     errbuf);
  if (impl.in == nullptr) {
    // libpcap names the file itself when fopen fails; say it once.
    const std::string why = errbuf;
    return why.rfind(path + ": ", 0) == 0 ? why : path + ": " + why;
  }
  impl.dlt = pcap_datalink(impl.in);
  if (!link_type_supported(impl.dlt)) {
    const char* name = pcap_datalink_val_to_name(impl.dlt);
    return path + ": link type " + (name != nullptr ? name : std::to_string(impl.dlt)) +
           " is not supported (RAW, IPV4, EN10MB, LINUX_SLL, LINUX_SLL2 are)";
  }
  impl.pending.reserve(65535);
  return {};
}

std::string open_output(PcapLink::Impl& impl, const std::string& path) {
  impl.dead = pcap_open_dead_with_tstamp_precision(kDltIpv4, 65535, PCAP_TSTAMP_PRECISION_NANO);
  if (impl.dead == nullptr) {
    return path + ": cannot make a LINKTYPE_IPV4 capture handle";
  }
  impl.dumper = pcap_dump_open(impl.dead, path.c_str());
  if (impl.dumper == nullptr) {
    return path + ": " + pcap_geterr(impl.dead);
  }
  return {};
}

}  // namespace

std::unique_ptr<PcapLink> PcapLink::open(const PcapLinkOptions& options, std::string* error) {
  std::string why;
  if (options.mtu < 68 || options.mtu > 65535) {
    why = "MTU " + std::to_string(options.mtu) +
          " is out of range 68..65535 (RFC 791: every IPv4 link carries 68 octets)";
  }
  auto impl = std::make_unique<Impl>();
  impl->input_path = options.input;
  impl->output_path = options.output;
  if (why.empty() && !options.input.empty()) {
    why = open_input(*impl, options.input);
  }
  if (why.empty() && !options.output.empty()) {
    why = open_output(*impl, options.output);
  }
  if (!why.empty()) {
    if (error != nullptr) {
      *error = why;
    }
    return nullptr;
  }
  std::unique_ptr<PcapLink> link{new PcapLink(std::move(impl), options.mtu)};
  link->load_next();
  return link;
}

PcapLink::PcapLink(std::unique_ptr<Impl> impl, std::size_t mtu)
    : impl_(std::move(impl)), mtu_(mtu) {}

PcapLink::~PcapLink() = default;

std::string PcapLink::name() const {
  return "pcap:" + (impl_->input_path.empty() ? std::string{"-"} : impl_->input_path) + "->" +
         (impl_->output_path.empty() ? std::string{"-"} : impl_->output_path);
}

void PcapLink::note_error(const std::string& why) {
  ++stats_.by_reason[static_cast<std::size_t>(PcapLinkReason::kBadRecord)];
  error_ = impl_->input_path + ": packet " + std::to_string(impl_->record_number) +
           " at byte offset " + std::to_string(impl_->record_offset) + ": " + why;
}

// Reads the next record into `pending`. False at the end or on a bad record
// (error_ set); reading stops for good either way.
bool PcapLink::load_next() {
  Impl& impl = *impl_;
  impl.has_pending = false;
  if (impl.in == nullptr || !error_.empty()) {
    return false;
  }
  impl.record_offset = impl.position();
  ++impl.record_number;
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  const int rc = pcap_next_ex(impl.in, &header, &data);
  if (rc == PCAP_ERROR_BREAK) {  // end of file
    pcap_close(impl.in);
    impl.in = nullptr;
    return false;
  }
  if (rc != 1) {
    note_error(pcap_geterr(impl.in));
    pcap_close(impl.in);
    impl.in = nullptr;
    return false;
  }
  ++stats_.records;
  impl.pending.assign(data, data + header->caplen);
  impl.pending_wire_length = header->len;
  impl.pending_time = timestamp(*header);
  impl.has_pending = true;
  return true;
}

bool PcapLink::input_done() const {
  return !impl_->has_pending;
}

void PcapLink::set_now(Instant now) {
  now_ = std::max(now_, now);
}

std::optional<Instant> PcapLink::next_arrival() const {
  if (!impl_->has_pending) {
    return std::nullopt;
  }
  return std::max(now_, impl_->pending_time);
}

void PcapLink::count_release(std::size_t packet_size) {
  const Impl& impl = *impl_;
  if (impl.pending.size() < impl.pending_wire_length) {
    ++stats_.by_reason[static_cast<std::size_t>(PcapLinkReason::kSnapped)];
  }
  if (packet_size > mtu_) {
    ++stats_.by_reason[static_cast<std::size_t>(PcapLinkReason::kOverMtu)];
  }
  if (impl.pending_time < now_) {
    ++stats_.by_reason[static_cast<std::size_t>(PcapLinkReason::kTimeWentBack)];
  }
}

LinkIo PcapLink::read(MutableBytes frame) {
  Impl& impl = *impl_;
  while (impl.has_pending && impl.pending_time <= now_) {
    const Bytes record{impl.pending};
    const Decoded d = decode_frame(impl.dlt, record);
    if (d.kind != Decoded::Kind::kIpv4) {
      ++stats_.by_reason[static_cast<std::size_t>(d.kind == Decoded::Kind::kOther
                                                      ? PcapLinkReason::kNotIpv4
                                                      : PcapLinkReason::kTruncatedLinkHeader)];
      load_next();
      continue;
    }
    const Bytes packet = record.subspan(d.offset);
    count_release(packet.size());
    // Link::read contract: a packet longer than the room is cut to it.
    const std::size_t n = std::min({packet.size(), frame.size(), mtu_});
    std::copy_n(packet.begin(), n, frame.begin());
    ++stats_.packets_read;
    load_next();
    return LinkIo::ok(n);
  }
  if (!error_.empty() && !error_reported_) {
    error_reported_ = true;
    return LinkIo::failed(EIO);
  }
  return LinkIo::would_block();
}

LinkIo PcapLink::write(MutableBytes frame) {
  const Bytes packet{frame};  // headroom() is 0
  if (packet.size() > mtu_) {
    ++stats_.by_reason[static_cast<std::size_t>(PcapLinkReason::kWriteOverMtu)];
    return LinkIo::failed(EMSGSIZE);
  }
  if (impl_->dumper != nullptr) {
    pcap_pkthdr header{};
    const std::int64_t ns = now_.ns();
    header.ts.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
    // Nanosecond capture: tv_usec holds nanoseconds.
    header.ts.tv_usec = static_cast<suseconds_t>(ns % 1'000'000'000);
    header.caplen = static_cast<bpf_u_int32>(packet.size());
    header.len = header.caplen;
    // libpcap's pcap_dump takes its dumper as the opaque u_char* callback argument.
    pcap_dump(reinterpret_cast<u_char*>(impl_->dumper), &header, packet.data());
  }
  ++stats_.packets_written;
  return LinkIo::ok(packet.size());
}

bool PcapLink::close_output(std::string* error) {
  if (impl_->close_output()) {
    return true;
  }
  if (error != nullptr) {
    *error = impl_->output_path + ": writing the capture failed: " + std::strerror(errno);
  }
  return false;
}

}  // namespace ip4ref
