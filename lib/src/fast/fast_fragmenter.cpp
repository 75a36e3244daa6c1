// fast_fragmenter.cpp: RFC 791 3.2 fragmentation from header templates.
//
// The reference (lib/src/ref/fragmenter.cpp) parses the header into an
// Ipv4Header, re-emits it per piece and recomputes each checksum. The octets
// it emits are fully determined by the input: the first piece's header is
// the input's fixed header plus its options area up to and including an EOL
// (or all of it), zero-padded to 4 octets; every later piece's header carries
// only the options with the copied flag, in order, zero-padded. Only total
// length, flags / offset and the checksum vary between pieces.
#include "ip4ref/fast_fragmenter.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "checksum_kernel.h"
#include "ip4ref/ipv4_header.h"

namespace ip4ref::fast {
namespace {

constexpr std::size_t kFragmentBlock = 8;
constexpr std::size_t kMaxFragmentOffset = std::size_t{kFragmentOffsetMask} * kFragmentBlock;
constexpr std::size_t kQuoteDataOctets = 8;

FragmentResult fail(Reason reason, bool counted, FragmenterStats* stats) {
  if (counted && stats != nullptr) {
    ++stats->frag_fails;
  }
  FragmentResult result;
  result.error = reason;
  return result;
}

// One piece header as bytes, with total length, flags / offset and checksum
// zero, and the one's complement sum of the rest.
struct Template {
  std::array<std::uint8_t, kIpv4MaxHeader> bytes{};
  std::size_t length = 0;
  std::uint16_t partial_sum = 0;

  void finish(const std::uint8_t* fixed) {
    length = (length + 3) / 4 * 4;  // RFC 791 "Padding": zeros to 32 bits
    std::memcpy(bytes.data(), fixed, kIpv4MinHeader);
    bytes[0] = static_cast<std::uint8_t>(0x40 | (length / 4));
    std::memset(bytes.data() + ipv4_field::kTotalLength, 0, 2);
    std::memset(bytes.data() + ipv4_field::kFlagsFragment, 0, 2);
    std::memset(bytes.data() + ipv4_field::kChecksum, 0, 2);
    partial_sum = sum16(bytes.data(), length, 0);
  }
};

// Walks the options area as ip4ref::parse_options does. On success fills the
// first piece's options (up to and including EOL) and the copied ones.
bool build_templates(const Ipv4View& view, Template& first, Template& later) {
  const Bytes area = view.options();
  first.length = kIpv4MinHeader;
  later.length = kIpv4MinHeader;
  std::size_t at = 0;
  while (at < area.size()) {
    const std::uint8_t type = area[at];
    if (type == Ipv4Option::kEndOfList) {
      first.bytes[first.length++] = type;
      break;
    }
    std::size_t length = 1;
    if (type != Ipv4Option::kNoOperation) {
      if (at + 1 >= area.size()) {
        return false;
      }
      length = area[at + 1];
      if (length < 2 || length > area.size() - at) {
        return false;
      }
    }
    std::memcpy(first.bytes.data() + first.length, area.data() + at, length);
    first.length += length;
    // RFC 791 3.1: "The copied flag indicates that this option is copied
    // into all fragments on fragmentation." (EOL and NOP have it clear.)
    if ((type & 0x80) != 0) {
      std::memcpy(later.bytes.data() + later.length, area.data() + at, length);
      later.length += length;
    }
    at += length;
  }
  first.finish(view.bytes().data());
  later.finish(view.bytes().data());
  return true;
}

std::vector<std::uint8_t> make_piece(const Template& t, const std::uint8_t* data, std::size_t take,
                                     std::uint16_t flags_offset) {
  std::vector<std::uint8_t> out(t.length + take);
  std::uint8_t* p = out.data();
  std::memcpy(p, t.bytes.data(), t.length);
  const auto total = static_cast<std::uint16_t>(t.length + take);
  const MutableBytes h{p, t.length};
  store_be16(h, ipv4_field::kTotalLength, total);
  store_be16(h, ipv4_field::kFlagsFragment, flags_offset);
  // The template's sum plus the two words that vary; never +0 (version 4).
  const std::uint16_t sum = fold16(std::uint64_t{t.partial_sum} + total + flags_offset);
  store_be16(h, ipv4_field::kChecksum, static_cast<std::uint16_t>(~sum));
  if (take != 0) {
    std::memcpy(p + t.length, data, take);
  }
  return out;
}

FragmentResult fragmentation_needed(const Ipv4View& view, std::size_t mtu, FragmenterStats* stats) {
  FragmentResult result = fail(Reason::kFragmentationNeeded, true, stats);
  result.icmp.next_hop_mtu = static_cast<std::uint16_t>(mtu);
  const std::size_t quoted = std::min(view.total_length(), view.header_length() + kQuoteDataOctets);
  result.icmp.quote.assign(view.bytes().begin(),
                           view.bytes().begin() + static_cast<std::ptrdiff_t>(quoted));
  return result;
}

}  // namespace

FragmentResult fragment(Bytes packet, std::size_t mtu, FragmenterStats* stats) {
  if (mtu < kIpv4MinMtu) {
    return fail(Reason::kMtuTooSmall, true, stats);
  }
  const Result<Ipv4View> view = Ipv4View::parse(packet);
  if (!view) {
    return fail(view.error(), false, stats);
  }
  Template first;
  Template later;
  if (!build_templates(*view, first, later)) {
    return fail(Reason::kBadOptions, false, stats);
  }
  FragmentResult result;
  if (view->total_length() <= mtu) {
    result.fragments.emplace_back(view->bytes().begin(), view->bytes().end());
    return result;
  }
  if (view->dont_fragment()) {
    return fragmentation_needed(*view, mtu, stats);
  }
  const Bytes data = view->payload();
  const std::size_t base = view->fragment_offset();
  const auto keep = static_cast<std::uint16_t>(view->flags_fragment_raw() & kFlagReserved);
  const std::size_t later_room = (mtu - later.length) / kFragmentBlock * kFragmentBlock;
  result.fragments.reserve(1 +
                           (data.size() + later_room - 1) / std::max<std::size_t>(later_room, 1));
  std::size_t done = 0;
  while (true) {
    const Template& t = result.fragments.empty() ? first : later;
    if (t.length + kFragmentBlock > mtu) {
      return fail(Reason::kMtuTooSmall, true, stats);  // unreachable with mtu >= 68
    }
    const std::size_t left = data.size() - done;
    const bool last = left <= mtu - t.length;
    const std::size_t take = last ? left : (mtu - t.length) / kFragmentBlock * kFragmentBlock;
    const std::size_t offset = base + done;
    if (offset > kMaxFragmentOffset) {
      return fail(Reason::kDatagramTooLarge, true, stats);
    }
    const bool more = last ? view->more_fragments() : true;
    const auto flags_offset =
        static_cast<std::uint16_t>(keep | (more ? kFlagMf : 0) | (offset / kFragmentBlock));
    result.fragments.push_back(make_piece(t, data.data() + done, take, flags_offset));
    done += take;
    if (last) {
      break;
    }
  }
  if (stats != nullptr) {
    ++stats->frag_oks;
    stats->frag_creates += result.fragments.size();
  }
  return result;
}

}  // namespace ip4ref::fast
