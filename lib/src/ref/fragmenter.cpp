// fragmenter.cpp: RFC 791 3.2 fragmentation of one IPv4 packet to a link MTU.
//
// The reference fragmenter follows the "example fragmentation procedure" of
// RFC 791 3.2 step by step, written as a loop instead of its recursion:
//
//     (1)  Copy the original internet header;
//     (2)  OIHL <- IHL; OTL <- TL; OFO <- FO; OMF <- MF;
//     (3)  NFB <- (MTU-IHL*4)/8;
//     (4)  Attach the first NFB*8 data octets;
//     (5)  Correct the header: MF <- 1; TL <- (IHL*4)+(NFB*8); Recompute Checksum;
//     ...
//     (8)  Selectively copy the internet header (some options are not copied,
//          see option definitions);
//     (9)  Append the remaining data;
//     (10) Correct the header: IHL <- (((OIHL*4)-(length of options not
//          copied))+3)/4; TL <- OTL - NFB*8 - (OIHL-IHL)*4);
//          FO <- OFO + NFB; MF <- OMF; Recompute Checksum;
//     (11) Submit this fragment to the fragmentation test; DONE.
//
// Because step (11) feeds the rest back into the fragmentation test, every
// piece after the first is built from the "selectively copied" header, which
// may be shorter than the first one and so carry more data.
//
// Choices where RFC 791 is silent (also documented in fragmenter.h):
// - The input's header checksum is not verified. The fragmenter runs on the
//   send side: the output manager builds the header itself, and the input
//   manager has already verified the checksum of anything it forwards. Every
//   fragment gets a fresh checksum from Ipv4Header::emit.
// - The first piece carries the input's options as parsed (octets after an
//   EOL are padding and are not reproduced, RFC 791: "The padding is zero").
// - The reserved flag is copied like the other header fields.
// - A packet that fits is returned as its [0, total length) octets: link
//   padding after the datagram is not part of it.
#include "ip4ref/fragmenter.h"

#include <algorithm>
#include <cassert>
#include <utility>

namespace ip4ref {
namespace {

// RFC 791 3.1: "The fragment offset is measured in units of 8 octets (64 bits)."
constexpr std::size_t kFragmentBlock = 8;
// The largest offset the 13-bit field can carry, in octets (8191 * 8 = 65528).
constexpr std::size_t kMaxFragmentOffset = std::size_t{kFragmentOffsetMask} * kFragmentBlock;
// RFC 792 / RFC 1191: the ICMP error quotes "the internet header plus the
// first 64 bits of the original datagram's data".
constexpr std::size_t kQuoteDataOctets = 8;

using Fragments = std::vector<std::vector<std::uint8_t>>;

// A failed fragmentation. `counted` says whether it is a fragmentation
// failure in the sense of RFC 4293 ipSystemStatsOutFragFails ("discarded
// because they needed to be fragmented but could not be"); a malformed packet
// is not, it never reached the fragmentation test.
FragmentResult fail(Reason reason, bool counted, FragmenterStats* stats) {
  if (counted && stats != nullptr) {
    ++stats->frag_fails;
  }
  FragmentResult result;
  result.error = reason;
  return result;
}

// RFC 791 3.2: "If the Don't Fragment flag (DF) bit is set, then internet
// fragmentation of this datagram is NOT permitted, although it may be
// discarded." RFC 1191 4: the ICMP error carries the next-hop MTU.
FragmentResult fragmentation_needed(const Ipv4View& view, std::size_t mtu, FragmenterStats* stats) {
  FragmentResult result = fail(Reason::kFragmentationNeeded, true, stats);
  // mtu < total length <= 65535 here, so it fits in 16 bits.
  result.icmp.next_hop_mtu = static_cast<std::uint16_t>(mtu);
  const std::size_t quoted = std::min(view.total_length(), view.header_length() + kQuoteDataOctets);
  const Bytes quote = view.bytes().first(quoted);
  result.icmp.quote.assign(quote.begin(), quote.end());
  return result;
}

// RFC 791 3.1 "Options": "The copied flag indicates that this option is
// copied into all fragments on fragmentation." EOL (type 0) and NOP (type 1)
// have the flag clear, so they stay with the first fragment; emit() re-pads
// the shorter list with zeros to a multiple of 4 octets.
std::vector<Ipv4Option> copied_options(const std::vector<Ipv4Option>& options) {
  std::vector<Ipv4Option> copied;
  for (const Ipv4Option& option : options) {
    if (option.copied()) {
      copied.push_back(option);
    }
  }
  return copied;
}

// The header of one piece and its length in octets (computed once, so the
// per-fragment work is only the header emit and the data copy).
struct PieceHeader {
  Ipv4Header header;
  std::size_t length = 0;
};

Result<PieceHeader> make_piece_header(Ipv4Header header) {
  const Result<std::size_t> length = header.size();
  if (!length) {
    return Fail{length.error()};
  }
  PieceHeader piece;
  piece.length = *length;
  piece.header = std::move(header);
  return piece;
}

// One fragment: `piece` with the given offset (octets from the start of the
// original datagram) and MF flag, a fresh checksum, then `data`.
Result<std::vector<std::uint8_t>> make_fragment(PieceHeader& piece, Bytes data, std::size_t offset,
                                                bool more) {
  // Callers keep offset <= kMaxFragmentOffset and length <= the input's.
  piece.header.fragment_offset = static_cast<std::uint16_t>(offset);
  piece.header.more_fragments = more;
  piece.header.total_length = static_cast<std::uint16_t>(piece.length + data.size());
  std::vector<std::uint8_t> out(piece.length + data.size());
  const Result<std::size_t> written = piece.header.emit(out);
  if (!written) {
    return Fail{written.error()};
  }
  assert(*written == piece.length);
  std::ranges::copy(data, out.begin() + static_cast<std::ptrdiff_t>(piece.length));
  return out;
}

// Splits the input's payload into pieces. `first` heads the first piece
// (steps 1-5), `later` every other one (steps 8-10). Linear in the payload.
Result<Fragments> split(const Ipv4View& view, PieceHeader& first, PieceHeader& later,
                        std::size_t mtu) {
  const Bytes data = view.payload();
  // Step (10): "FO <- OFO + NFB": offsets stay relative to the original datagram.
  const std::size_t base = view.fragment_offset();
  Fragments out;
  std::size_t done = 0;
  while (true) {
    PieceHeader& piece = out.empty() ? first : later;
    if (piece.length + kFragmentBlock > mtu) {
      // RFC 791 3.2: "the minimum fragment is 8 octets". Unreachable with
      // mtu >= 68 and a header <= 60 octets; kept so no input can loop.
      return Fail{Reason::kMtuTooSmall};
    }
    const std::size_t left = data.size() - done;
    // The fragmentation test: "IF TL =< MTU THEN Submit this datagram".
    const bool last = left <= mtu - piece.length;
    // Step (3): "NFB <- (MTU-IHL*4)/8"; step (4): "Attach the first NFB*8 data octets".
    const std::size_t take = last ? left : (mtu - piece.length) / kFragmentBlock * kFragmentBlock;
    const std::size_t offset = base + done;
    if (offset > kMaxFragmentOffset) {
      return Fail{Reason::kDatagramTooLarge};
    }
    // Step (5): "MF <- 1"; step (10): "MF <- OMF" for the piece that ends it.
    const bool more = last ? view.more_fragments() : true;
    Result<std::vector<std::uint8_t>> fragment =
        make_fragment(piece, data.subspan(done, take), offset, more);
    if (!fragment) {
      return Fail{fragment.error()};
    }
    out.push_back(std::move(*fragment));
    done += take;
    if (last) {
      return out;
    }
  }
}

// Builds both piece headers from the parsed input header and splits.
Result<Fragments> fragment_parsed(const Ipv4View& view, const Ipv4Header& header, std::size_t mtu) {
  // Step (1): "Copy the original internet header" (identification, TOS, TTL,
  // protocol, addresses, flags all carried over).
  Result<PieceHeader> first = make_piece_header(header);
  if (!first) {
    return Fail{first.error()};
  }
  // Step (8): "Selectively copy the internet header".
  Ipv4Header selective = header;
  selective.options = copied_options(header.options);
  Result<PieceHeader> later = make_piece_header(std::move(selective));
  if (!later) {
    return Fail{later.error()};
  }
  return split(view, *first, *later, mtu);
}

}  // namespace

FragmentResult fragment(Bytes packet, std::size_t mtu, FragmenterStats* stats) {
  // RFC 791 3.2: "Every internet module must be able to forward a datagram of
  // 68 octets without further fragmentation."
  if (mtu < kIpv4MinMtu) {
    return fail(Reason::kMtuTooSmall, true, stats);
  }
  const Result<Ipv4View> view = Ipv4View::parse(packet);
  if (!view) {
    return fail(view.error(), false, stats);
  }
  const Result<Ipv4Header> header = Ipv4Header::parse(*view);
  if (!header) {
    return fail(header.error(), false, stats);
  }
  FragmentResult result;
  // RFC 791 3.2: "IF TL =< MTU THEN Submit this datagram to the next step".
  if (view->total_length() <= mtu) {
    result.fragments.emplace_back(view->bytes().begin(), view->bytes().end());
    return result;
  }
  // RFC 791 3.2: "ELSE IF DF = 1 THEN discard the datagram".
  if (view->dont_fragment()) {
    return fragmentation_needed(*view, mtu, stats);
  }
  Result<Fragments> fragments = fragment_parsed(*view, *header, mtu);
  if (!fragments) {
    return fail(fragments.error(), true, stats);
  }
  result.fragments = std::move(*fragments);
  if (stats != nullptr) {
    ++stats->frag_oks;
    stats->frag_creates += result.fragments.size();
  }
  return result;
}

}  // namespace ip4ref
