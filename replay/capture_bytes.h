// capture_bytes.h: the octets of a capture file, handed out as contiguous
// spans so records can be parsed in place (no copy per record), from one of:
//
//   - a regular file: mapped (mmap) once; pages already consumed are given
//     back (madvise MADV_DONTNEED) every kReleaseEvery octets, so the resident
//     memory stays bounded whatever the file's size;
//   - anything else (a pipe, stdin, a character device): read() into a 1 MiB
//     buffer, refilled as records are consumed;
//   - memory the caller owns (fuzzing, tests).
//
// peek(n) is the hot path: a comparison and a span when n octets are
// already there. Offsets are counted from the start of the file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ip4ref/bytes.h"

namespace ip4ref::replay {

class CaptureBytes {
 public:
  // Opens `path` (mapped if it is a regular file, else read). On failure
  // returns nullptr and sets `error` ("PATH: cannot open: ...", "PATH: is a
  // directory, not a capture file").
  static std::unique_ptr<CaptureBytes> open_file(const std::string& path, std::string& error);
  // Reads from an open descriptor (stdin), which stays the caller's.
  static std::unique_ptr<CaptureBytes> from_descriptor(int fd);
  // Over `data`, which must outlive the object.
  static std::unique_ptr<CaptureBytes> from_memory(Bytes data);

  ~CaptureBytes();
  CaptureBytes(const CaptureBytes&) = delete;
  CaptureBytes& operator=(const CaptureBytes&) = delete;

  // The next n octets (not consumed), or fewer only when the input ends
  // first (or a read fails: see read_error()). Valid until the next peek().
  Bytes peek(std::size_t n) {
    if (static_cast<std::size_t>(end_ - cur_) >= n) {
      return Bytes(cur_, n);
    }
    return refill(n);
  }
  // Precondition: n <= the size of the last peek().
  void consume(std::size_t n) {
    cur_ += n;
    offset_ += n;
  }
  std::uint64_t offset() const { return offset_; }  // octets consumed so far
  std::uint64_t size() const { return size_; }      // 0 when not known (a pipe)
  bool mapped() const { return map_ != nullptr; }
  const std::string& read_error() const { return read_error_; }  // strerror of a failed read

  // For handing the input to libpcap instead: the descriptor (-1 for memory)
  // and the octets buffered but not yet consumed.
  int descriptor() const { return fd_; }
  Bytes buffered() const { return Bytes(cur_, end_); }
  Bytes memory() const { return memory_; }  // from_memory() input, else empty

  static constexpr std::size_t kReleaseEvery = std::size_t{4} << 20;  // 4 MiB
  static constexpr std::size_t kBufferSize = std::size_t{1} << 20;    // > largest record

 private:
  CaptureBytes() = default;
  Bytes refill(std::size_t n);
  Bytes refill_mapped(std::size_t n);
  Bytes refill_read(std::size_t n);

  const std::uint8_t* cur_ = nullptr;
  const std::uint8_t* end_ = nullptr;  // end of what peek() may hand out without refill()
  std::uint64_t offset_ = 0;
  std::uint64_t size_ = 0;
  int fd_ = -1;
  bool owns_fd_ = false;
  bool eof_ = false;
  std::string read_error_;
  // mapped file
  std::uint8_t* map_ = nullptr;
  std::size_t map_length_ = 0;
  std::size_t released_ = 0;  // [0, released_) of the mapping has been given back
  // read() buffer
  std::vector<std::uint8_t> buffer_;
  // caller's memory
  Bytes memory_;
};

}  // namespace ip4ref::replay
