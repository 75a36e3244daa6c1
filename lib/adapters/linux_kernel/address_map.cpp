// address_map.cpp: injective maps onto the namespace's test addresses.
#include "address_map.h"

#include "ip4ref/bytes.h"
#include "ip4ref/checksum.h"
#include "ip4ref/ipv4_header.h"

namespace ip4ref::linux_kernel {
namespace {

constexpr std::uint32_t kFirstSource = 0xc0000202u;      // 192.0.2.2
constexpr std::uint32_t kLastSource = 0xc00002fdu;       // 192.0.2.253
constexpr std::uint32_t kFirstExtraLocal = 0xc6336401u;  // 198.51.100.1
constexpr std::uint32_t kLastExtraLocal = 0xc63364feu;   // 198.51.100.254

}  // namespace

void rewrite_address(std::span<std::uint8_t> header, std::size_t at, std::uint32_t value) {
  std::uint16_t sum = load_be16(header, ipv4_field::kChecksum);
  for (std::size_t half = 0; half < 4; half += 2) {
    const std::uint16_t old_word = load_be16(header, at + half);
    const auto new_word = static_cast<std::uint16_t>(value >> (half == 0 ? 16 : 0));
    sum = checksum_update16(sum, old_word, new_word);
  }
  store_be32(header, at, value);
  store_be16(header, ipv4_field::kChecksum, sum);
}

std::optional<std::uint32_t> AddressMap::source_slot(std::uint32_t original) {
  if (auto it = source_out_.find(original); it != source_out_.end()) {
    return it->second;
  }
  const std::uint32_t slot = kFirstSource + static_cast<std::uint32_t>(source_out_.size());
  if (slot > kLastSource) {
    return std::nullopt;
  }
  source_out_.emplace(original, slot);
  source_back_.emplace(slot, original);
  return slot;
}

std::optional<std::uint32_t> AddressMap::destination_slot(std::uint32_t original) {
  if (auto it = destination_out_.find(original); it != destination_out_.end()) {
    return it->second;
  }
  const std::size_t n = destination_out_.size();
  const std::uint32_t slot =
      n == 0 ? kKernelAddress : kFirstExtraLocal + static_cast<std::uint32_t>(n - 1);
  if (n > 0 && slot > kLastExtraLocal) {
    return std::nullopt;
  }
  destination_out_.emplace(original, slot);
  destination_back_.emplace(slot, original);
  return slot;
}

bool AddressMap::to_namespace(std::span<std::uint8_t> packet) {
  const std::uint32_t source = load_be32(packet, ipv4_field::kSource);
  const std::uint32_t destination = load_be32(packet, ipv4_field::kDestination);
  const auto s = source_slot(source);
  const auto d = destination_slot(destination);
  if (!s || !d) {
    return false;
  }
  rewrite_address(packet, ipv4_field::kSource, *s);
  rewrite_address(packet, ipv4_field::kDestination, *d);
  return true;
}

bool AddressMap::from_namespace(std::span<std::uint8_t> packet) const {
  const auto s = source_back_.find(load_be32(packet, ipv4_field::kSource));
  const auto d = destination_back_.find(load_be32(packet, ipv4_field::kDestination));
  if (s == source_back_.end() || d == destination_back_.end()) {
    return false;
  }
  rewrite_address(packet, ipv4_field::kSource, s->second);
  rewrite_address(packet, ipv4_field::kDestination, d->second);
  return true;
}

}  // namespace ip4ref::linux_kernel
