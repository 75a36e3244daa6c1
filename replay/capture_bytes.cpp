// capture_bytes.cpp: mapped, read() or in-memory capture octets (capture_bytes.h).
#include "capture_bytes.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace ip4ref::replay {
namespace {

std::size_t page_floor(std::size_t n) {
  static const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return n - n % page;
}

// Maps the window's pages in one call rather than one fault per 64 KiB
// (MADV_POPULATE_READ, Linux 5.14); older kernels: start read-ahead only.
void populate(std::uint8_t* at, std::size_t length) {
#ifdef MADV_POPULATE_READ
  if (::madvise(at, length, MADV_POPULATE_READ) == 0) {
    return;
  }
#endif
  ::madvise(at, length, MADV_WILLNEED);
}

}  // namespace

std::unique_ptr<CaptureBytes> CaptureBytes::open_file(const std::string& path,
                                                      std::string& error) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = path + ": cannot open: " + std::strerror(errno);
    return nullptr;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
    error = S_ISDIR(st.st_mode) ? path + ": is a directory, not a capture file"
                                : path + ": cannot open: " + std::strerror(errno);
    ::close(fd);
    return nullptr;
  }
  std::unique_ptr<CaptureBytes> b(new CaptureBytes());
  b->fd_ = fd;
  b->owns_fd_ = true;
  if (!S_ISREG(st.st_mode) || st.st_size <= 0) {
    b->buffer_.resize(kBufferSize);
    b->cur_ = b->end_ = b->buffer_.data();
    return b;
  }
  b->size_ = static_cast<std::uint64_t>(st.st_size);
  b->map_length_ = static_cast<std::size_t>(st.st_size);
  void* m = ::mmap(nullptr, b->map_length_, PROT_READ, MAP_PRIVATE, fd, 0);
  if (m == MAP_FAILED) {  // a file system without mmap: read() it instead
    b->map_length_ = 0;
    b->buffer_.resize(kBufferSize);
    b->cur_ = b->end_ = b->buffer_.data();
    return b;
  }
  b->map_ = static_cast<std::uint8_t*>(m);
  ::madvise(b->map_, b->map_length_, MADV_SEQUENTIAL);
  b->cur_ = b->map_;
  b->end_ = b->map_ + std::min(b->map_length_, kReleaseEvery);
  populate(b->map_, static_cast<std::size_t>(b->end_ - b->map_));
  return b;
}

std::unique_ptr<CaptureBytes> CaptureBytes::from_descriptor(int fd) {
  std::unique_ptr<CaptureBytes> b(new CaptureBytes());
  b->fd_ = fd;
  b->buffer_.resize(kBufferSize);
  b->cur_ = b->end_ = b->buffer_.data();
  return b;
}

std::unique_ptr<CaptureBytes> CaptureBytes::from_memory(Bytes data) {
  std::unique_ptr<CaptureBytes> b(new CaptureBytes());
  b->memory_ = data;
  b->size_ = data.size();
  b->cur_ = data.data();
  b->end_ = data.data() + data.size();
  b->eof_ = true;
  return b;
}

CaptureBytes::~CaptureBytes() {
  if (map_ != nullptr) {
    ::munmap(map_, map_length_);
  }
  if (owns_fd_) {
    ::close(fd_);
  }
}

Bytes CaptureBytes::refill(std::size_t n) {
  if (map_ != nullptr) {
    return refill_mapped(n);
  }
  if (!buffer_.empty()) {
    return refill_read(n);
  }
  return Bytes(cur_, end_);  // memory: all there is
}

// Gives back the pages before the current one, then opens the next window.
Bytes CaptureBytes::refill_mapped(std::size_t n) {
  const std::size_t at = static_cast<std::size_t>(cur_ - map_);
  const std::size_t release_to = page_floor(at);
  if (release_to > released_) {
    ::madvise(map_ + released_, release_to - released_, MADV_DONTNEED);
    released_ = release_to;
  }
  const std::size_t window = std::max(n, kReleaseEvery);
  const std::size_t new_end = std::min(map_length_, at + window);
  end_ = map_ + new_end;
  populate(map_ + release_to, new_end - release_to);
  return Bytes(cur_, std::min(n, new_end - at));
}

// Moves what is left to the front of the buffer and reads until n octets are
// there or the input ends. n never exceeds the buffer (largest record: 16 +
// kMaxSnaplen octets).
Bytes CaptureBytes::refill_read(std::size_t n) {
  std::size_t have = static_cast<std::size_t>(end_ - cur_);
  std::memmove(buffer_.data(), cur_, have);
  cur_ = buffer_.data();
  while (have < n && !eof_) {
    const ssize_t got = ::read(fd_, buffer_.data() + have, buffer_.size() - have);
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got < 0) {
      read_error_ = std::strerror(errno);
      eof_ = true;
      break;
    }
    eof_ = got == 0;
    have += static_cast<std::size_t>(got);
  }
  end_ = cur_ + have;
  return Bytes(cur_, std::min(n, have));
}

}  // namespace ip4ref::replay
