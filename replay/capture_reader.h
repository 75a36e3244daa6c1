// capture_reader.h: streams the packets of a capture file (pcap with micro- or
// nanosecond timestamps, or pcapng) through libpcap, one at a time, with each
// frame's link-layer header decoded (link_decoder.h).
//
// Memory stays bounded by one record (libpcap's buffer), whatever the file's
// size. Every failure is a one-line message naming the file and the byte
// offset (or the packet number) where reading stopped.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "ip4ref/bytes.h"
#include "ip4ref/time.h"
#include "link_decoder.h"

struct pcap;  // libpcap's pcap_t, kept out of this header

namespace ip4ref::replay {

struct CapturedPacket {
  std::uint64_t number = 0;       // 1-based record number in the file
  std::uint64_t file_offset = 0;  // byte offset of the record (header) in the file
  Instant timestamp;              // nanoseconds since the epoch (saturating)
  std::size_t wire_length = 0;    // original length on the wire
  Bytes frame;                    // captured octets; valid until the next read
  LinkDecode link;                // what the frame carries
  bool snapped() const { return frame.size() < wire_length; }
};

class CaptureReader {
 public:
  enum class Next { kPacket, kEnd, kError };

  // Opens `path` for reading. On failure returns nullptr and sets `error` to
  // "PATH: ..." (missing, unreadable, a directory, not a capture, truncated
  // file header, unsupported link type).
  static std::unique_ptr<CaptureReader> open(const std::string& path, std::string& error);

  // The same over an open stream, which the reader then owns (closed in every
  // case). `name` stands for the file in messages. For fuzzing and tests:
  // fmemopen(data, size, "rb") reads a capture from memory.
  static std::unique_ptr<CaptureReader> open_stream(std::FILE* file, const std::string& name,
                                                    std::uint64_t size, std::string& error);

  ~CaptureReader();
  CaptureReader(const CaptureReader&) = delete;
  CaptureReader& operator=(const CaptureReader&) = delete;

  // Reads the next record into `out`. kError sets error() to
  // "PATH: packet N at byte offset M: <reason>"; reading then stops.
  Next next(CapturedPacket& out);

  const std::string& error() const { return error_; }
  const std::string& path() const { return path_; }
  int link_type() const { return link_type_; }
  std::uint64_t file_size() const { return file_size_; }
  std::uint64_t position() const;  // bytes consumed so far (for progress)

 private:
  struct PcapDeleter {
    void operator()(::pcap* p) const;
  };
  CaptureReader(std::string path, ::pcap* handle, std::uint64_t file_size);
  std::uint64_t file_position() const;  // ftell: a system call in glibc
  void advance_offset(std::uint32_t caplen);

  std::string path_;
  std::unique_ptr<::pcap, PcapDeleter> handle_;
  std::uint64_t file_size_ = 0;
  std::uint64_t packets_ = 0;
  int link_type_ = 0;
  std::string error_;
  // Offset of the next record. For pcap files it is counted (record header +
  // caplen) rather than asked of the FILE, and checked against ftell() after
  // the first record and then every kOffsetCheckEvery records; pcapng, a
  // mismatch (e.g. the 24-octet records of "modified" pcap) or a record
  // libpcap cut to the snapshot length switch to ftell() for good.
  std::uint64_t offset_ = 0;
  bool counted_offsets_ = false;
};

}  // namespace ip4ref::replay
