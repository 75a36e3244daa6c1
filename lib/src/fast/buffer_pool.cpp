// buffer_pool.cpp: size-class free lists of datagram buffers.
#include "buffer_pool.h"

#include <algorithm>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace ip4ref::fast {
namespace {

constexpr std::align_val_t kAlignment{64};
constexpr std::align_val_t kSlabAlignment{BufferPool::kSlabBytes};

void free_buffer(std::uint8_t* p) {
  ::operator delete(p, kAlignment);
}

}  // namespace

BufferPool::BufferPool(std::array<std::size_t, kClasses> bytes) {
  for (std::size_t c = 0; c < kClasses; ++c) {
    shelves_[c].bytes = bytes[c];
    shelves_[c].free.reserve(kMinRetained);
  }
  shelves_[0].slabs = true;
}

// The next slab: s.next_slab_buffers buffers (doubling each time), or a
// 2 MiB huge-page slab once that many buffers would fill one.
void BufferPool::add_slab(Shelf& s) {
  const std::size_t per_huge_slab = kSlabBytes / s.bytes;
  std::uint8_t* chunk = nullptr;
  std::size_t n = 0;
  if (s.next_slab_buffers < per_huge_slab) {
    n = s.next_slab_buffers;
    s.next_slab_buffers *= 2;
    const std::size_t slab_bytes = n * s.bytes;
    chunk = static_cast<std::uint8_t*>(::operator new(slab_bytes, kAlignment));
    s.chunks.push_back(chunk);
  } else {
    n = per_huge_slab;
    chunk = static_cast<std::uint8_t*>(::operator new(kSlabBytes, kSlabAlignment));
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    (void)madvise(chunk, kSlabBytes, MADV_HUGEPAGE);  // a hint; 4 KiB pages otherwise
#endif
    s.huge_chunks.push_back(chunk);
  }
  // Handed out from the front of the slab first (LIFO list, pushed backwards).
  for (std::size_t i = n; i-- > 0;) {
    s.free.push_back(chunk + i * s.bytes);
  }
}

BufferPool::~BufferPool() {
  for (Shelf& s : shelves_) {
    if (s.slabs) {
      for (std::uint8_t* chunk : s.chunks) {
        free_buffer(chunk);
      }
      for (std::uint8_t* chunk : s.huge_chunks) {
        ::operator delete(chunk, kSlabAlignment);
      }
      continue;
    }
    for (std::uint8_t* p : s.free) {
      free_buffer(p);
    }
  }
}

std::uint8_t* BufferPool::acquire(std::size_t c) {
  Shelf& s = shelves_[c];
  ++s.in_use;
  s.peak = std::max(s.peak, s.in_use);
  if (++s.acquisitions == kEpoch) {
    s.previous_peak = s.peak;
    s.peak = s.in_use;
    s.acquisitions = 0;
  }
  if (s.free.empty() && s.slabs) {
    add_slab(s);
  }
  if (!s.free.empty()) {
    std::uint8_t* p = s.free.back();
    s.free.pop_back();
    return p;
  }
  return static_cast<std::uint8_t*>(::operator new(s.bytes, kAlignment));
}

void BufferPool::release(std::size_t c, std::uint8_t* buffer) {
  Shelf& s = shelves_[c];
  --s.in_use;
  s.free.push_back(buffer);
  if (s.slabs) {
    return;
  }
  // Buffers in use plus those kept never exceed the recent peak.
  const std::size_t keep = std::max({kMinRetained, s.peak, s.previous_peak}) - s.in_use;
  while (s.free.size() > keep) {
    free_buffer(s.free.back());
    s.free.pop_back();
  }
}

}  // namespace ip4ref::fast
