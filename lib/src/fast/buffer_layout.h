// buffer_layout.h: where things live inside one datagram buffer of the fast
// engine. One allocation per datagram holds everything the datagram needs:
//
//   [0, 64)            headroom: the reassembled header is written here,
//                      right before the data, so delivery copies nothing
//   [64, 64 + C)       the data octets, C = the class's capacity
//   have               bit table, one bit per 8-octet block held
//   aux                bit table of fragment starts (linux: runs; reject:
//                      held fragments; bsd / linux-legacy: trimmed fragments;
//                      windows / solaris: blocks where a held fragment begins)
//   windows / solaris only (ownership):
//   owner              uint16 per block: the held fragment that owns it
//   min_end            uint16 per block: least end of the fragments beginning there
//   head               uint16 per block: list of the fragments beginning there
//   records            HeldRecord per block: the held fragments themselves
//
// Only the bit tables are cleared when a buffer is handed out; the ownership
// arrays are read only where a bit says they are valid.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>

#include "block_bitmap.h"

namespace ip4ref::fast {

inline constexpr std::size_t kHeadroom = 64;  // >= 60, the longest IPv4 header
inline constexpr std::uint16_t kNoRecord = 0xffff;

// A fragment held under windows / solaris: its arrived end (octets) and the
// next record of the list of fragments that begin at the same block.
struct HeldRecord {
  std::uint16_t end = 0;
  std::uint16_t next = kNoRecord;
};

struct BufferLayout {
  std::uint32_t capacity = 0;  // data octets
  std::uint32_t blocks = 0;    // capacity / 8
  std::uint32_t words = 0;     // 64-bit words per bit table
  std::size_t have = 0;        // byte offsets from the buffer start
  std::size_t aux = 0;
  std::size_t owner = 0;
  std::size_t min_end = 0;
  std::size_t head = 0;
  std::size_t records = 0;
  std::size_t bytes = 0;  // whole buffer

  // `capacity` must be a multiple of 512 (whole words of blocks).
  static constexpr BufferLayout make(std::uint32_t capacity, bool ownership) {
    BufferLayout l;
    l.capacity = capacity;
    l.blocks = capacity / static_cast<std::uint32_t>(kBlock);
    l.words = l.blocks / static_cast<std::uint32_t>(kWordBits);
    l.have = kHeadroom + capacity;
    l.aux = l.have + l.words * sizeof(std::uint64_t);
    l.owner = l.aux + l.words * sizeof(std::uint64_t);
    l.min_end = l.owner;
    l.head = l.owner;
    l.records = l.owner;
    l.bytes = l.owner;
    if (ownership) {
      l.min_end = l.owner + l.blocks * sizeof(std::uint16_t);
      l.head = l.min_end + l.blocks * sizeof(std::uint16_t);
      l.records = l.head + l.blocks * sizeof(std::uint16_t);
      l.bytes = l.records + l.blocks * sizeof(HeldRecord);
    }
    l.bytes = (l.bytes + 63) / 64 * 64;
    return l;
  }
};

// Typed pointers into one buffer. Only the data and the two bit tables are
// stored (every policy uses them on every fragment); the windows / solaris
// arrays follow aux in make()'s order and are computed from it when asked for,
// so other policies do not build four pointers per fragment.
struct BufferView {
  std::uint8_t* data = nullptr;
  std::uint64_t* have = nullptr;
  std::uint64_t* aux = nullptr;
  std::uint32_t blocks = 0;

  std::uint16_t* owner() const {
    return reinterpret_cast<std::uint16_t*>(aux + blocks / kWordBits);
  }
  std::uint16_t* min_end() const { return owner() + blocks; }
  std::uint16_t* head() const { return min_end() + blocks; }
  HeldRecord* records() const { return reinterpret_cast<HeldRecord*>(head() + blocks); }

  // Buffers are 64-octet aligned and every offset is a multiple of 8, so the
  // casts below point at suitably aligned storage that only this engine uses.
  static BufferView of(std::uint8_t* base, const BufferLayout& l) {
    const BufferView v{base + kHeadroom, reinterpret_cast<std::uint64_t*>(base + l.have),
                       reinterpret_cast<std::uint64_t*>(base + l.aux), l.blocks};
    // A layout without the ownership area has them all at l.owner.
    assert(l.min_end == l.owner || (reinterpret_cast<std::uint8_t*>(v.owner()) == base + l.owner &&
                            reinterpret_cast<std::uint8_t*>(v.min_end()) == base + l.min_end &&
                            reinterpret_cast<std::uint8_t*>(v.head()) == base + l.head &&
                            reinterpret_cast<std::uint8_t*>(v.records()) == base + l.records));
    return v;
  }
};

}  // namespace ip4ref::fast
