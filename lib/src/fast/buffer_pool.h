// buffer_pool.h: the fast engine's datagram buffers, in two size classes,
// recycled through free lists so that steady-state traffic allocates nothing.
//
// A buffer is taken from its class's free list, or allocated when the list is
// empty (the number of datagrams in progress grew).
//
// Class 0 (small buffers, the many-flows case) is carved from slabs. The
// first slab holds kFirstSlabBuffers buffers and each next one twice as many,
// up to 2 MiB slabs, which are asked to be backed by transparent huge pages
// where the system offers them (Linux madvise(MADV_HUGEPAGE)): with thousands
// of datagrams in progress every fragment lands in a different buffer, and one
// TLB entry per 2 MiB instead of per 4 KiB keeps address translation off the
// critical path. Starting small keeps an engine that only ever holds a few
// datagrams (a fuzz input, a unit test, a short capture) from paying for
// 2 MiB it never touches; the doubling costs a handful of extra allocations
// on the way to the first full slab. Slab buffers always return to the free
// list; slabs are freed with the pool.
//
// Classes 1 and 2 (large buffers; 2 only for the linux policy's fragments
// that end past 65535, which the kernel queues) are single allocations. A released buffer goes
// back on the list. The list keeps as many buffers as were in use at the peak
// of the current or the previous epoch (kEpoch acquisitions each), at least
// kMinRetained: bursty traffic that returns to the same concurrency finds its
// buffers waiting, while a flood that has passed stops pinning its peak
// memory two epochs later.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ip4ref::fast {

class BufferPool {
 public:
  static constexpr std::size_t kClasses = 3;
  static constexpr std::size_t kMinRetained = 64;
  static constexpr std::size_t kEpoch = 1u << 16;
  static constexpr std::size_t kSlabBytes = std::size_t{2} << 20;
  static constexpr std::size_t kFirstSlabBuffers = 2;

  // bytes[c]: the size of one buffer of class c.
  explicit BufferPool(std::array<std::size_t, kClasses> bytes);
  ~BufferPool();
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;

  // A buffer of class c, 64-octet aligned, contents unspecified.
  std::uint8_t* acquire(std::size_t c);
  void release(std::size_t c, std::uint8_t* buffer);

 private:
  struct Shelf {
    std::size_t bytes = 0;
    std::size_t in_use = 0;
    std::size_t peak = 0;           // most in use during this epoch
    std::size_t previous_peak = 0;  // ... and during the previous one
    std::size_t acquisitions = 0;   // in this epoch
    std::vector<std::uint8_t*> free;
    bool slabs = false;                      // carved from slabs, never freed singly
    std::vector<std::uint8_t*> chunks;       // the slabs below 2 MiB, in order
    std::vector<std::uint8_t*> huge_chunks;  // the 2 MiB (2 MiB-aligned) slabs
    std::size_t next_slab_buffers = kFirstSlabBuffers;
  };
  void add_slab(Shelf& s);
  std::array<Shelf, kClasses> shelves_;
};

}  // namespace ip4ref::fast
