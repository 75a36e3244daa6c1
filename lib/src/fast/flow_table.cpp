// flow_table.cpp: open addressing with backward-shift deletion.
#include "flow_table.h"

#include <atomic>

namespace ip4ref::fast {
namespace {

constexpr std::size_t kInitialEntries = 64;

// SplitMix64 (Steele, Lea, Flood 2014): spreads a counter and an address
// into a seed; events never depend on it, only probe sequences do.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

std::atomic<std::uint64_t> g_tables{0};

}  // namespace

FlowTable::FlowTable() : entries_(kInitialEntries), mask_(kInitialEntries - 1) {
  seed_ = mix(g_tables.fetch_add(1, std::memory_order_relaxed) ^
              static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(this)));
}

std::size_t FlowTable::place(const Entry& e) {
  std::size_t i = home(e.key);
  while (entries_[i].value != kNone) {
    i = (i + 1) & mask_;
  }
  entries_[i] = e;
  return i;
}

void FlowTable::insert(const FragmentKey& key, std::uint32_t value) {
  // Load factor <= 1/2 keeps linear probes short.
  if ((size_ + 1) * 2 > entries_.size()) {
    grow();
  }
  last_ = place(Entry{pack(key), value});
  ++size_;
}

std::size_t FlowTable::position(const Packed& k) const {
  std::size_t i = home(k);
  while (entries_[i].key.addresses != k.addresses || entries_[i].key.rest != k.rest ||
         entries_[i].value == kNone) {
    i = (i + 1) & mask_;
  }
  return i;
}

void FlowTable::grow() {
  std::vector<Entry> old(entries_.size() * 2);
  old.swap(entries_);
  mask_ = entries_.size() - 1;
  for (const Entry& e : old) {
    if (e.value != kNone) {
      place(e);
    }
  }
}

void FlowTable::erase(const FragmentKey& key) {
  // A datagram is usually removed right after the fragment that completed
  // it was found: its slot is then last_, and no hash is needed.
  const Packed k = pack(key);
  std::size_t i = last_holds(k) ? last_ & mask_ : position(k);
  // Backward shift (Knuth 6.4 algorithm R): move later members of the probe
  // run into the hole when their home is not cyclically inside (i, j].
  for (std::size_t j = (i + 1) & mask_; entries_[j].value != kNone; j = (j + 1) & mask_) {
    const std::size_t h = home(entries_[j].key);
    if (((j - h) & mask_) >= ((j - i) & mask_)) {
      entries_[i] = entries_[j];
      i = j;
    }
  }
  entries_[i] = Entry{};
  --size_;
}

}  // namespace ip4ref::fast
