// capture_writer.h: writes IPv4 packets to a LINKTYPE_IPV4 (228) pcap file
// with nanosecond timestamps, through libpcap (pcap_dump).
//
// https://www.tcpdump.org/linktypes.html: LINKTYPE_IPV4 "Raw IPv4; the packet
// begins with an IPv4 header." Nanosecond pcap files use magic 0xa1b23c4d.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "ip4ref/bytes.h"
#include "ip4ref/time.h"

struct pcap;         // libpcap's pcap_t
struct pcap_dumper;  // libpcap's pcap_dumper_t

namespace ip4ref::replay {

class CaptureWriter {
 public:
  // Creates (truncates) `path`. nullptr with `error` = "PATH: ..." on failure.
  static std::unique_ptr<CaptureWriter> open(const std::string& path, std::string& error);

  ~CaptureWriter();
  CaptureWriter(const CaptureWriter&) = delete;
  CaptureWriter& operator=(const CaptureWriter&) = delete;

  // One record; packets longer than 65535 octets cannot occur (IPv4).
  void write(Instant timestamp, Bytes packet);

  // Flushes and closes; false with `error` set when a write failed (disk full).
  bool close(std::string& error);

  std::uint64_t written() const { return written_; }

 private:
  CaptureWriter(std::string path, ::pcap* dead, ::pcap_dumper* dumper);
  std::string path_;
  ::pcap* dead_ = nullptr;
  ::pcap_dumper* dumper_ = nullptr;
  std::uint64_t written_ = 0;
};

}  // namespace ip4ref::replay
