// capture_reader.cpp: classic pcap parsed in place, everything else through
// libpcap, with file names and byte offsets in every error.
#include "capture_reader.h"

#include <pcap/pcap.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>

namespace ip4ref::replay {
namespace {

// pcap file header: the link type at octet 20 (pcap_savefile.h).
constexpr std::uint64_t kPcapLinkTypeOffset = 20;
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

std::string unsupported_link_message(const std::string& path, pcap_t* p, int dlt) {
  const bool is_pcapng = pcap_major_version(p) != 2;  // pcapng reports 1.0
  const std::string where = is_pcapng ? "first interface description block"
                                      : "byte offset " + std::to_string(kPcapLinkTypeOffset);
  return path + ": " + where + ": unsupported link type " + std::to_string(dlt) + " (" +
         link_type_name(dlt) +
         "); supported: EN10MB, LINUX_SLL, LINUX_SLL2, RAW, IPV4, IPV6, NULL, LOOP";
}

// libpcap reads the input through a stdio stream whose octets come from the
// same CaptureBytes (so pipes, whose first octets were already read to look
// at the magic, work too). ftell() asks for the position: SEEK_CUR 0 only.
ssize_t cookie_read(void* cookie, char* out, std::size_t size) {
  auto* bytes = static_cast<CaptureBytes*>(cookie);
  const Bytes got = bytes->peek(std::min(size, CaptureBytes::kBufferSize));
  if (got.empty() && !bytes->read_error().empty()) {
    errno = EIO;
    return -1;
  }
  std::memcpy(out, got.data(), got.size());
  bytes->consume(got.size());
  return static_cast<ssize_t>(got.size());
}

int cookie_seek(void* cookie, off64_t* offset, int whence) {
  if (whence != SEEK_CUR || *offset != 0) {
    errno = ESPIPE;
    return -1;
  }
  *offset = static_cast<off64_t>(static_cast<CaptureBytes*>(cookie)->offset());
  return 0;
}

std::FILE* stream_over(CaptureBytes& bytes) {
  cookie_io_functions_t io{};
  io.read = cookie_read;
  io.seek = cookie_seek;
  return ::fopencookie(&bytes, "rb", io);
}

}  // namespace

void CaptureReader::PcapDeleter::operator()(pcap_t* p) const {
  pcap_close(p);
}

CaptureReader::CaptureReader(std::string path, std::unique_ptr<CaptureBytes> bytes)
    : path_(std::move(path)), bytes_(std::move(bytes)) {
  file_size_ = bytes_ ? bytes_->size() : 0;
}

CaptureReader::~CaptureReader() = default;

std::unique_ptr<CaptureReader> CaptureReader::open(const std::string& path, std::string& error,
                                                   ReaderChoice choice) {
  std::unique_ptr<CaptureBytes> bytes = path == "-" ? CaptureBytes::from_descriptor(STDIN_FILENO)
                                                    : CaptureBytes::open_file(path, error);
  if (!bytes) {
    return nullptr;
  }
  return start(std::unique_ptr<CaptureReader>(new CaptureReader(path, std::move(bytes))), choice,
               error);
}

std::unique_ptr<CaptureReader> CaptureReader::open_memory(Bytes data, const std::string& name,
                                                          std::string& error,
                                                          ReaderChoice choice) {
  return start(std::unique_ptr<CaptureReader>(
                   new CaptureReader(name, CaptureBytes::from_memory(data))),
               choice, error);
}

std::unique_ptr<CaptureReader> CaptureReader::open_stream(std::FILE* file, const std::string& name,
                                                          std::uint64_t size, std::string& error) {
  std::unique_ptr<CaptureReader> r(new CaptureReader(name, nullptr));
  r->file_size_ = size;
  if (!r->start_libpcap(file, error)) {
    return nullptr;
  }
  return r;
}

// Looks at the first 24 octets: a classic pcap file this tool reads itself,
// or libpcap's.
std::unique_ptr<CaptureReader> CaptureReader::start(std::unique_ptr<CaptureReader> r,
                                                    ReaderChoice choice, std::string& error) {
  const Bytes head = r->bytes_->peek(kSavefileHeaderLength);
  if (choice == ReaderChoice::kAuto && (r->savefile_ = classic_header(head))) {
    r->link_type_ = r->savefile_->dlt;
    r->bytes_->consume(kSavefileHeaderLength);
    r->use_fast_path(true);
    return r;
  }
  std::FILE* file = stream_over(*r->bytes_);
  if (file == nullptr) {
    error = r->path_ + ": cannot read: " + std::strerror(errno);
    return nullptr;
  }
  if (!r->start_libpcap(file, error)) {
    return nullptr;
  }
  return r;
}

bool CaptureReader::start_libpcap(std::FILE* file, std::string& error) {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  // Nanosecond precision: libpcap scales microsecond files up, so both
  // timestamp resolutions (and pcapng's if_tsresol) arrive as nanoseconds.
  pcap_t* p = pcap_fopen_offline_with_tstamp_precision(file, PCAP_TSTAMP_PRECISION_NANO, errbuf);
  if (p == nullptr) {
    std::fclose(file);
    error = path_ + ": byte offset 0: not a readable pcap or pcapng file: " + errbuf;
    return false;
  }
  handle_.reset(p);
  link_type_ = pcap_datalink(p);
  counted_offsets_ = pcap_major_version(p) == 2;  // pcapng reports 1
  offset_ = counted_offsets_ ? kSavefileHeaderLength : file_position();
  if (!link_type_supported(link_type_)) {
    error = unsupported_link_message(path_, p, link_type_);
    return false;
  }
  return true;
}

void CaptureReader::use_fast_path(bool on) {
  if (!on || !savefile_ || !error_.empty()) {
    fast_ = FastPath::kOff;
    return;
  }
  const bool big = savefile_->big_endian;
  const bool nano = savefile_->nanoseconds;
  fast_ = big ? (nano ? FastPath::kBigNano : FastPath::kBigMicro)
              : (nano ? FastPath::kLittleNano : FastPath::kLittleMicro);
  fast_captured_limit_ = std::min(savefile_->snapshot, kMaxSnaplen);
}

CaptureReader::Next CaptureReader::fail(const std::string& reason, std::uint64_t offset) {
  fast_ = FastPath::kOff;  // reading has stopped: next() goes to the path that says so
  error_ = path_ + ": packet " + std::to_string(packets_ + 1) + " at byte offset " +
           std::to_string(offset) + ": " + reason;
  return Next::kError;
}

// One record of a classic pcap file, parsed where it lies. Checks, in
// libpcap's order: a whole record header, a sane captured length, the
// captured octets all present.
CaptureReader::Next CaptureReader::next_savefile(CapturedPacket& out) {
  if (!error_.empty()) {
    return Next::kError;
  }
  const std::uint64_t offset = bytes_->offset();
  const Bytes head = bytes_->peek(kRecordHeaderLength);
  if (head.size() < kRecordHeaderLength) {
    if (!bytes_->read_error().empty()) {
      return fail("error reading dump file: " + bytes_->read_error(), offset);
    }
    return head.empty() ? Next::kEnd : fail(record_header_truncated_error(head.size()), offset);
  }
  const RecordHeader r = parse_record_header(head, *savefile_);
  if (r.captured > kMaxSnaplen) {
    return fail(record_length_error(r, *savefile_), offset);
  }
  const std::size_t length = kRecordHeaderLength + r.captured;
  const Bytes record = bytes_->peek(length);
  if (record.size() < length) {
    if (!bytes_->read_error().empty()) {
      return fail("error reading dump file: " + bytes_->read_error(), offset);
    }
    return fail(record_truncated_error(r, *savefile_, record.size() - kRecordHeaderLength),
                offset);
  }
  bytes_->consume(length);
  // libpcap hands out at most the snapshot length and skips the rest.
  set_record(out, offset, r, *savefile_,
             record.subspan(kRecordHeaderLength, std::min(r.captured, savefile_->snapshot)));
  return Next::kPacket;
}

std::uint64_t CaptureReader::file_position() const {
  const long pos = std::ftell(pcap_file(handle_.get()));
  return pos < 0 ? 0 : static_cast<std::uint64_t>(pos);
}

void CaptureReader::advance_offset(std::uint32_t caplen) {
  const bool check = packets_ == 1 || packets_ % kOffsetCheckEvery == 0 ||
                     caplen >= static_cast<std::uint32_t>(pcap_snapshot(handle_.get()));
  if (!counted_offsets_) {
    offset_ = file_position();
    return;
  }
  offset_ += kRecordHeaderLength + caplen;
  if (check && offset_ != file_position()) {
    counted_offsets_ = false;
    offset_ = file_position();
  }
}

CaptureReader::Next CaptureReader::next_libpcap(CapturedPacket& out) {
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
    return fail(pcap_geterr(handle_.get()), offset);
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
