// flow_table.h: the fast engine's index from the exact reassembly key to a
// datagram slot: open addressing, linear probing, backward-shift deletion (no
// tombstones, so probe lengths do not degrade under churn).
//
// RFC 791 3.2: fragments belong together when source, destination, protocol
// and identification all match. The table stores and compares all 88 bits of
// the key, so two keys never merge whatever their hashes. The hash is keyed
// with a per-table seed so that an attacker who picks addresses and
// identifications cannot precompute colliding keys for every instance.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "ip4ref/events.h"

namespace ip4ref::fast {

class FlowTable {
 public:
  static constexpr std::uint32_t kNone = 0xffffffff;

  FlowTable();

  // The value stored for `key`, or kNone.
  // The fragments of one datagram usually arrive together, so the slot of
  // the last key found or inserted is tried first, before hashing. Its key
  // is compared in full, so a slot that has since changed costs only that
  // comparison.
  std::uint32_t find(const FragmentKey& key) const {
    const Packed k = pack(key);
    if (last_holds(k)) {
      return entries_[last_ & mask_].value;
    }
    for (std::size_t i = home(k);; i = (i + 1) & mask_) {
      const Entry& e = entries_[i];
      if (e.value == kNone) {
        return kNone;
      }
      if (e.key.addresses == k.addresses && e.key.rest == k.rest) {
        last_ = i;
        return e.value;
      }
    }
  }

  // Precondition: `key` is absent and value != kNone. May grow the table.
  void insert(const FragmentKey& key, std::uint32_t value);
  // Precondition: `key` is present.
  void erase(const FragmentKey& key);
  std::size_t size() const { return size_; }

 private:
  struct Packed {
    std::uint64_t addresses = 0;  // source << 32 | destination
    std::uint32_t rest = 0;       // protocol << 16 | identification
  };
  struct Entry {
    Packed key;
    std::uint32_t value = kNone;
  };

  static Packed pack(const FragmentKey& k) {
    return Packed{(std::uint64_t{k.source} << 32) | k.destination,
                  (std::uint32_t{k.protocol} << 16) | k.identification};
  }
  std::size_t home(const Packed& k) const {
    std::uint64_t x = (k.addresses ^ seed_) * 0x9e3779b97f4a7c15ull;
    x ^= (std::uint64_t{k.rest} + seed_) * 0xc2b2ae3d27d4eb4full;
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ull;
    x ^= x >> 32;
    return static_cast<std::size_t>(x) & mask_;
  }
  // Whether the slot of the last key found or inserted holds `k`.
  bool last_holds(const Packed& k) const {
    const Entry& last = entries_[last_ & mask_];
    return last.value != kNone && last.key.addresses == k.addresses && last.key.rest == k.rest;
  }
  std::size_t place(const Entry& e);  // returns the slot
  std::size_t position(const Packed& k) const;
  void grow();

  std::vector<Entry> entries_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
  std::uint64_t seed_ = 0;
  mutable std::size_t last_ = 0;  // a hint only (find()), masked before use
};

}  // namespace ip4ref::fast
