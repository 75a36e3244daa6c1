// capture_reader.cpp: libpcap's offline reader with file names and byte
// offsets in every error. The FILE is opened here (not by libpcap) so that
// directories and unreadable files are named precisely, and so that ftell()
// gives the offset of each record.
#include "capture_reader.h"

#include <pcap/pcap.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>

namespace ip4ref::replay {
namespace {

// pcap file header: magic, version (2+2), thiszone, sigfigs, snaplen, then
// the link type at octet 20 (https://www.tcpdump.org/manpages/pcap-savefile.5.html).
constexpr std::uint64_t kPcapLinkTypeOffset = 20;
constexpr std::uint64_t kPcapFileHeader = 24;
constexpr std::uint64_t kPcapRecordHeader = 16;  // ts_sec, ts_frac, caplen, len
constexpr std::uint64_t kOffsetCheckEvery = 4096;

// Seconds + nanoseconds to Instant, saturating instead of overflowing
// (pcapng timestamps are 64-bit and may be anything).
Instant to_instant(std::int64_t seconds, std::int64_t nanos) {
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  constexpr std::int64_t kNsPerSecond = 1'000'000'000;
  if (seconds > kMax / kNsPerSecond - 1) {
    return Instant::from_ns(kMax);
  }
  if (seconds < 0) {
    return Instant::from_ns(0);  // before the epoch: clamp; the clock never goes back anyway
  }
  return Instant::from_ns(seconds * kNsPerSecond + nanos);
}

// Checks what libpcap would report vaguely ("error reading dump file: Is a
// directory") and returns the open FILE, or nullptr with `error` set.
std::FILE* open_file(const std::string& path, std::uint64_t& size, std::string& error) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    error = path + ": cannot open: " + std::strerror(errno);
    return nullptr;
  }
  if (S_ISDIR(st.st_mode)) {
    error = path + ": is a directory, not a capture file";
    return nullptr;
  }
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    error = path + ": cannot open: " + std::strerror(errno);
    return nullptr;
  }
  size = S_ISREG(st.st_mode) ? static_cast<std::uint64_t>(st.st_size) : 0;
  return f;
}

std::string unsupported_link_message(const std::string& path, pcap_t* p, int dlt) {
  const bool is_pcapng = pcap_major_version(p) != 2;  // pcapng reports 1.0
  const std::string where = is_pcapng ? "first interface description block"
                                      : "byte offset " + std::to_string(kPcapLinkTypeOffset);
  return path + ": " + where + ": unsupported link type " + std::to_string(dlt) + " (" +
         link_type_name(dlt) +
         "); supported: EN10MB, LINUX_SLL, LINUX_SLL2, RAW, IPV4, IPV6, NULL, LOOP";
}

}  // namespace

void CaptureReader::PcapDeleter::operator()(pcap_t* p) const {
  pcap_close(p);
}

CaptureReader::CaptureReader(std::string path, pcap_t* handle, std::uint64_t file_size)
    : path_(std::move(path)), handle_(handle), file_size_(file_size) {
  link_type_ = pcap_datalink(handle);
  counted_offsets_ = pcap_major_version(handle) == 2;  // pcapng reports 1
  offset_ = counted_offsets_ ? kPcapFileHeader : file_position();
}

CaptureReader::~CaptureReader() = default;

std::unique_ptr<CaptureReader> CaptureReader::open(const std::string& path, std::string& error) {
  std::uint64_t size = 0;
  std::FILE* file = open_file(path, size, error);
  if (file == nullptr) {
    return nullptr;
  }
  return open_stream(file, path, size, error);
}

std::unique_ptr<CaptureReader> CaptureReader::open_stream(std::FILE* file, const std::string& path,
                                                          std::uint64_t size, std::string& error) {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  // Nanosecond precision: libpcap scales microsecond files up, so both
  // timestamp resolutions (and pcapng's if_tsresol) arrive as nanoseconds.
  pcap_t* p = pcap_fopen_offline_with_tstamp_precision(file, PCAP_TSTAMP_PRECISION_NANO, errbuf);
  if (p == nullptr) {
    std::fclose(file);
    error = path + ": byte offset 0: not a readable pcap or pcapng file: " + errbuf;
    return nullptr;
  }
  std::unique_ptr<CaptureReader> reader(new CaptureReader(path, p, size));
  if (!link_type_supported(reader->link_type_)) {
    error = unsupported_link_message(path, p, reader->link_type_);
    return nullptr;
  }
  return reader;
}

std::uint64_t CaptureReader::file_position() const {
  const long pos = std::ftell(pcap_file(handle_.get()));
  return pos < 0 ? 0 : static_cast<std::uint64_t>(pos);
}

std::uint64_t CaptureReader::position() const {
  return offset_;
}

void CaptureReader::advance_offset(std::uint32_t caplen) {
  const bool check = packets_ == 1 || packets_ % kOffsetCheckEvery == 0 ||
                     caplen >= static_cast<std::uint32_t>(pcap_snapshot(handle_.get()));
  if (!counted_offsets_) {
    offset_ = file_position();
    return;
  }
  offset_ += kPcapRecordHeader + caplen;
  if (check && offset_ != file_position()) {
    counted_offsets_ = false;
    offset_ = file_position();
  }
}

CaptureReader::Next CaptureReader::next(CapturedPacket& out) {
  if (!error_.empty()) {
    return Next::kError;
  }
  const std::uint64_t offset = offset_;
  pcap_pkthdr* header = nullptr;
  const std::uint8_t* data = nullptr;
  const int rc = pcap_next_ex(handle_.get(), &header, &data);
  if (rc == PCAP_ERROR_BREAK) {
    return Next::kEnd;
  }
  if (rc != 1) {
    error_ = path_ + ": packet " + std::to_string(packets_ + 1) + " at byte offset " +
             std::to_string(offset) + ": " + pcap_geterr(handle_.get());
    return Next::kError;
  }
  ++packets_;
  advance_offset(header->caplen);
  out.number = packets_;
  out.file_offset = offset;
  out.timestamp = to_instant(header->ts.tv_sec, header->ts.tv_usec);
  out.wire_length = header->len;
  out.frame = Bytes(data, header->caplen);
  out.link = decode_link(link_type_, out.frame);
  return Next::kPacket;
}

}  // namespace ip4ref::replay
