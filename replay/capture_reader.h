// capture_reader.h: streams the packets of a capture file, one at a time,
// with each frame's link-layer header decoded (link_decoder.h).
//
// Two readers behind one interface:
//   - classic pcap (micro- or nanosecond timestamps, either byte order,
//     version 2.4, the link types link_decoder.h reads) is parsed in place
//     by this tool (pcap_savefile.h) over a mapped file, large read()s or
//     memory (capture_bytes.h): no copy and no system call per record;
//   - everything else (pcapng, "modified" pcap, old versions, other link
//     types, files that are no capture at all) goes to libpcap, which reads
//     the same octets through a stdio cookie stream, and names what is wrong.
// Both return the same records and the same errors for the same bytes
// (checked on every input by the pcap_reader fuzz target, fuzz/pcap_reader.cpp).
//
// Memory stays bounded (one 4 MiB window of a mapped file, a 1 MiB read
// buffer, or libpcap's record buffer) whatever the file's size. Every failure
// is a one-line message naming the file and the byte offset (or the packet
// number) where reading stopped.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "capture_bytes.h"
#include "ip4ref/bytes.h"
#include "ip4ref/time.h"
#include "link_decoder.h"
#include "pcap_savefile.h"

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

// Which reader handles a classic pcap file. Anything else is always libpcap's.
enum class ReaderChoice {
  kAuto,     // this tool's savefile reader for classic pcap
  kLibpcap,  // libpcap for everything (for comparisons: --reader libpcap)
};

class CaptureReader {
 public:
  enum class Next { kPacket, kEnd, kError };

  // Opens `path` ("-" is standard input) for reading. On failure returns
  // nullptr and sets `error` to "PATH: ..." (missing, unreadable, a
  // directory, not a capture, truncated file header, unsupported link type).
  static std::unique_ptr<CaptureReader> open(const std::string& path, std::string& error,
                                             ReaderChoice choice = ReaderChoice::kAuto);

  // The same over `data` (which must outlive the reader); `name` stands for
  // the file in messages. For fuzzing and tests.
  static std::unique_ptr<CaptureReader> open_memory(Bytes data, const std::string& name,
                                                    std::string& error,
                                                    ReaderChoice choice = ReaderChoice::kAuto);

  // libpcap over an open stream, which the reader then owns (closed in every
  // case); `size` is for progress only (0 = unknown).
  static std::unique_ptr<CaptureReader> open_stream(std::FILE* file, const std::string& name,
                                                    std::uint64_t size, std::string& error);

  ~CaptureReader();
  CaptureReader(const CaptureReader&) = delete;
  CaptureReader& operator=(const CaptureReader&) = delete;

  // Reads the next record into `out`. kError sets error() to
  // "PATH: packet N at byte offset M: <reason>"; reading then stops.
  // Inline: the common record of a classic pcap (header and data already in
  // the window, length within the snapshot) is read by next_fast(), whose
  // byte order and precision were decided once at open; anything else goes
  // to the general path, next_savefile() (or libpcap's). Always inlined:
  // left to itself the compiler kept it, next_fast() and decode_link() as
  // three calls per record (callgrind: 13 instructions per record of calls,
  // saved registers and results passed through memory).
  [[gnu::always_inline]] Next next(CapturedPacket& out) {
    switch (fast_) {
      case FastPath::kLittleMicro:
        return next_fast<false, false>(out);
      case FastPath::kLittleNano:
        return next_fast<false, true>(out);
      case FastPath::kBigMicro:
        return next_fast<true, false>(out);
      case FastPath::kBigNano:
        return next_fast<true, true>(out);
      case FastPath::kOff:
        break;
    }
    return savefile_ ? next_savefile(out) : next_libpcap(out);
  }

  // Reads records into `out` and calls `visit(out)` after each, until
  // `visit` returns false (then kPacket), the capture ends (kEnd) or a
  // record is bad (kError, as next()). The same records as next() in a
  // loop, for loops that run once per record: the fast path's byte order
  // and precision are chosen once for the whole loop, and a record read by
  // the fast path reaches `visit` in registers rather than through `out`.
  template <class Visit>
  Next for_each(CapturedPacket& out, Visit&& visit);

  // For tests of the fast path: false sends every record through the
  // general path (next_savefile), which must yield the same records.
  void use_fast_path(bool on);

  const std::string& error() const { return error_; }
  const std::string& path() const { return path_; }
  int link_type() const { return link_type_; }
  std::uint64_t file_size() const { return file_size_; }
  std::uint64_t position() const { return savefile_ ? bytes_->offset() : offset_; }
  std::uint64_t packets() const { return packets_; }  // records read so far
  bool uses_libpcap() const { return !savefile_.has_value(); }

 private:
  struct PcapDeleter {
    void operator()(::pcap* p) const;
  };
  CaptureReader(std::string path, std::unique_ptr<CaptureBytes> bytes);
  static std::unique_ptr<CaptureReader> start(std::unique_ptr<CaptureReader> r,
                                              ReaderChoice choice, std::string& error);
  bool start_libpcap(std::FILE* file, std::string& error);
  // Classic pcap, by byte order and timestamp precision; kOff: libpcap, an
  // error has stopped reading, or use_fast_path(false).
  enum class FastPath : std::uint8_t { kOff, kLittleMicro, kLittleNano, kBigMicro, kBigNano };
  // kDlt: the link type when the caller knows it at compile time, so that
  // decode_link() needs no switch; kAnyLink: link_type_, per record.
  static constexpr int kAnyLink = -1;
  template <bool kBigEndian, bool kNanoseconds, int kDlt = kAnyLink>
  [[gnu::always_inline]] bool read_fast(CapturedPacket& out);
  template <bool kBigEndian, bool kNanoseconds>
  [[gnu::always_inline]] Next next_fast(CapturedPacket& out) {
    return read_fast<kBigEndian, kNanoseconds>(out) ? Next::kPacket : next_savefile(out);
  }
  template <bool kBigEndian, bool kNanoseconds, class Visit>
  Next for_each_link(CapturedPacket& out, Visit& visit);
  template <bool kBigEndian, bool kNanoseconds, int kDlt, class Visit>
  Next for_each_fast(CapturedPacket& out, Visit& visit);
  // The fields of a record that both paths hand out the same way (`frame`:
  // the octets handed out, at most the snapshot); counts the record.
  template <int kDlt = kAnyLink>
  [[gnu::always_inline]] void set_record(CapturedPacket& out, std::uint64_t offset,
                                         const RecordHeader& r, const SavefileHeader& file,
                                         Bytes frame) {
    out.number = ++packets_;
    out.file_offset = offset;
    out.timestamp = Instant::from_ns(record_time_ns(r, file));
    out.wire_length = r.wire;
    out.frame = frame;
    out.link = decode_link(kDlt == kAnyLink ? link_type_ : kDlt, frame);
  }
  Next next_savefile(CapturedPacket& out);
  Next next_libpcap(CapturedPacket& out);
  Next fail(const std::string& reason, std::uint64_t offset);
  std::uint64_t file_position() const;  // ftell: a system call in glibc
  void advance_offset(std::uint32_t caplen);

  std::string path_;
  std::unique_ptr<CaptureBytes> bytes_;      // null only for open_stream()
  std::optional<SavefileHeader> savefile_;   // set: this tool parses the records
  FastPath fast_ = FastPath::kOff;
  // next_fast() takes records of at most this many captured octets (the
  // snapshot length, at most kMaxSnaplen): handed out whole, as libpcap does.
  std::uint32_t fast_captured_limit_ = 0;
  std::unique_ptr<::pcap, PcapDeleter> handle_;  // set: libpcap parses them
  std::uint64_t file_size_ = 0;
  std::uint64_t packets_ = 0;
  int link_type_ = 0;
  std::string error_;
  // libpcap: offset of the next record. For pcap files it is counted (record
  // header + caplen) rather than asked of the FILE, and checked against
  // ftell() after the first record and then every kOffsetCheckEvery records;
  // pcapng, a mismatch (e.g. the 24-octet records of "modified" pcap) or a
  // record libpcap cut to the snapshot length switch to ftell() for good.
  std::uint64_t offset_ = 0;
  bool counted_offsets_ = false;
};

// One record of a classic pcap whose header and captured octets are all in
// the window already and whose captured length is within the snapshot: the
// same fields, in the same way, as next_savefile() (which handles every other
// case, and every error) computes them for such a record. False: nothing
// read, the record is the general path's.
template <bool kBigEndian, bool kNanoseconds, int kDlt>
[[gnu::always_inline]] inline bool CaptureReader::read_fast(CapturedPacket& out) {
  constexpr SavefileHeader kFile{kBigEndian, kNanoseconds, 0, 0};
  const Bytes have = bytes_->buffered();
  if (have.size() < kRecordHeaderLength) [[unlikely]] {
    return false;
  }
  const RecordHeader r = parse_record_header(have, kFile);
  if (r.captured > fast_captured_limit_ || have.size() - kRecordHeaderLength < r.captured)
      [[unlikely]] {
    return false;
  }
  set_record<kDlt>(out, bytes_->offset(), r, kFile, have.subspan(kRecordHeaderLength, r.captured));
  bytes_->consume(kRecordHeaderLength + r.captured);
  return true;
}

template <bool kBigEndian, bool kNanoseconds, int kDlt, class Visit>
CaptureReader::Next CaptureReader::for_each_fast(CapturedPacket& out, Visit& visit) {
  for (;;) {
    if (!read_fast<kBigEndian, kNanoseconds, kDlt>(out)) [[unlikely]] {
      const Next status = next_savefile(out);
      if (status != Next::kPacket) {
        return status;
      }
    }
    if (!visit(static_cast<const CapturedPacket&>(out))) {
      return Next::kPacket;
    }
  }
}

// Raw IP link types (what ip4ref writes, tcpdump on a TUN device) get a loop
// of their own: their link decoding is then a test or two, not a switch.
template <bool kBigEndian, bool kNanoseconds, class Visit>
CaptureReader::Next CaptureReader::for_each_link(CapturedPacket& out, Visit& visit) {
  switch (link_type_) {
    case DLT_IPV4:
      return for_each_fast<kBigEndian, kNanoseconds, DLT_IPV4>(out, visit);
    case DLT_RAW:
      return for_each_fast<kBigEndian, kNanoseconds, DLT_RAW>(out, visit);
    default:
      return for_each_fast<kBigEndian, kNanoseconds, kAnyLink>(out, visit);
  }
}

template <class Visit>
CaptureReader::Next CaptureReader::for_each(CapturedPacket& out, Visit&& visit) {
  switch (fast_) {
    case FastPath::kLittleMicro:
      return for_each_link<false, false>(out, visit);
    case FastPath::kLittleNano:
      return for_each_link<false, true>(out, visit);
    case FastPath::kBigMicro:
      return for_each_link<true, false>(out, visit);
    case FastPath::kBigNano:
      return for_each_link<true, true>(out, visit);
    case FastPath::kOff:
      break;
  }
  Next status;
  while ((status = next(out)) == Next::kPacket) {
    if (!visit(static_cast<const CapturedPacket&>(out))) {
      break;
    }
  }
  return status;
}

}  // namespace ip4ref::replay
