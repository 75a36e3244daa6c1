// capture_writer.cpp: pcap_open_dead + pcap_dump, LINKTYPE_IPV4, nanoseconds.
#include "capture_writer.h"

#include <pcap/pcap.h>

#include <cstdio>

namespace ip4ref::replay {
namespace {
constexpr int kSnaplen = 65535;  // the largest IPv4 datagram (RFC 791)
constexpr std::int64_t kNsPerSecond = 1'000'000'000;
}  // namespace

CaptureWriter::CaptureWriter(std::string path, pcap_t* dead, pcap_dumper_t* dumper)
    : path_(std::move(path)), dead_(dead), dumper_(dumper) {}

CaptureWriter::~CaptureWriter() {
  if (dumper_ != nullptr) {
    pcap_dump_close(dumper_);
  }
  if (dead_ != nullptr) {
    pcap_close(dead_);
  }
}

std::unique_ptr<CaptureWriter> CaptureWriter::open(const std::string& path, std::string& error) {
  pcap_t* dead =
      pcap_open_dead_with_tstamp_precision(DLT_IPV4, kSnaplen, PCAP_TSTAMP_PRECISION_NANO);
  if (dead == nullptr) {
    error = path + ": cannot create a pcap handle";
    return nullptr;
  }
  pcap_dumper_t* dumper = pcap_dump_open(dead, path.c_str());
  if (dumper == nullptr) {
    error = path + ": cannot write: " + pcap_geterr(dead);
    pcap_close(dead);
    return nullptr;
  }
  return std::unique_ptr<CaptureWriter>(new CaptureWriter(path, dead, dumper));
}

void CaptureWriter::write(Instant timestamp, Bytes packet) {
  pcap_pkthdr h{};
  // With nanosecond precision, libpcap stores tv_usec as nanoseconds.
  h.ts.tv_sec = static_cast<time_t>(timestamp.ns() / kNsPerSecond);
  h.ts.tv_usec = static_cast<suseconds_t>(timestamp.ns() % kNsPerSecond);
  h.caplen = static_cast<bpf_u_int32>(packet.size());
  h.len = h.caplen;
  pcap_dump(reinterpret_cast<u_char*>(dumper_), &h, packet.data());
  ++written_;
}

bool CaptureWriter::close(std::string& error) {
  const bool ok = pcap_dump_flush(dumper_) == 0 && std::ferror(pcap_dump_file(dumper_)) == 0;
  pcap_dump_close(dumper_);
  dumper_ = nullptr;
  if (!ok) {
    error = path_ + ": write failed (disk full?)";
  }
  return ok;
}

}  // namespace ip4ref::replay
