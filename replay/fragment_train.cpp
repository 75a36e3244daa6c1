// fragment_train.cpp: fragment trains (see fragment_train.h for the kinds).
#include "fragment_train.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "ip4ref/fragmenter.h"
#include "ip4ref/ipv4_header.h"

namespace ip4ref::replay {
namespace {

using Packet = std::vector<std::uint8_t>;
constexpr std::size_t kBlock = 8;  // RFC 791: fragment offsets count 8-octet blocks

// The datagram being cut: its header, its data, and where it sits in the
// original datagram (a fragment can be re-fragmented: RFC 791 3.2).
struct Datagram {
  Ipv4Header header;
  Bytes payload;
  std::size_t base = 0;    // the input's fragment offset, octets
  bool last_more = false;  // the input's MF: the last piece keeps it
};

// How a piece's data octets are made.
struct Fill {
  enum Kind { kGenuine, kComplement, kLetter } kind = kGenuine;
  std::uint8_t letter = 0;
};

// Novak 2005, the standard pattern: (offset, length) in octets over 192 data
// octets, nine originals then eight overlapping pieces; the last has MF = 0.
struct NovakPiece {
  std::size_t offset;
  std::size_t length;
};
constexpr std::array<NovakPiece, 17> kNovak = {{
    {0, 24},
    {32, 16},
    {48, 24},
    {80, 8},
    {104, 16},
    {120, 24},
    {144, 16},
    {160, 16},
    {176, 8},
    {8, 32},
    {48, 24},
    {72, 24},
    {96, 24},
    {128, 8},
    {152, 8},
    {160, 8},
    {176, 16},
}};
constexpr std::size_t kNovakLength = 192;

std::size_t round_up(std::size_t n) {
  return (n + kBlock - 1) / kBlock * kBlock;
}

// One fragment carrying data [begin, end) of `d`. RFC 791 3.2: options with
// the copied flag go into every fragment, the others only into the first.
Packet piece(const Datagram& d, std::size_t begin, std::size_t end, bool more, Fill fill) {
  Ipv4Header h = d.header;
  if (begin != 0) {
    std::erase_if(h.options, [](const Ipv4Option& o) { return !o.copied(); });
  }
  h.fragment_offset = static_cast<std::uint16_t>(d.base + begin);
  h.more_fragments = more;
  const std::size_t header_length = h.size().value();
  h.total_length = static_cast<std::uint16_t>(header_length + end - begin);
  Packet out(header_length + end - begin);
  (void)h.emit(out);
  for (std::size_t i = begin; i < end; ++i) {
    const std::uint8_t b = d.payload[i];
    out[header_length + i - begin] = fill.kind == Fill::kGenuine ? b
                                     : fill.kind == Fill::kComplement
                                         ? static_cast<std::uint8_t>(~b)
                                         : fill.letter;
  }
  return out;
}

// Data range of a piece, relative to d.payload.
struct Range {
  std::size_t begin;
  std::size_t end;
};
Range range_of(const Datagram& d, const Packet& p) {
  const Ipv4View v = *Ipv4View::parse(p);
  const std::size_t begin = v.fragment_offset() - d.base;
  return Range{begin, begin + v.payload().size()};
}

// RFC 791 fragmentation of data [begin, end) (the whole datagram when 0..len).
std::optional<std::vector<Packet>> genuine(const Datagram& d, std::size_t begin, std::size_t mtu,
                                           Reason& error) {
  const Packet rest = piece(d, begin, d.payload.size(), d.last_more, Fill{});
  FragmentResult r = fragment(rest, mtu);
  if (!r.ok()) {
    error = r.error;
    return std::nullopt;
  }
  return std::move(r.fragments);
}

std::optional<std::vector<Packet>> novak(const Datagram& d, std::size_t mtu, Reason& error) {
  std::vector<Packet> out;
  const bool more_after = d.payload.size() > kNovakLength || d.last_more;
  for (std::size_t k = 0; k < kNovak.size(); ++k) {
    const bool last = k + 1 == kNovak.size();
    const Fill letter{Fill::kLetter, static_cast<std::uint8_t>('A' + k)};
    out.push_back(piece(d, kNovak[k].offset, kNovak[k].offset + kNovak[k].length,
                        !last || more_after, letter));
  }
  if (d.payload.size() > kNovakLength) {
    auto rest = genuine(d, kNovakLength, mtu, error);
    if (!rest) {
      return std::nullopt;
    }
    out.insert(out.end(), rest->begin(), rest->end());
  }
  return out;
}

// The decoy's range for `kind` over the genuine train, and the index of T.
struct Decoy {
  Range range;
  std::size_t after;
};
std::optional<Decoy> first_long_enough(const Datagram& d, const std::vector<Packet>& train,
                                       std::size_t min_length, std::size_t trim_begin,
                                       std::size_t trim_end) {
  for (std::size_t i = 0; i < train.size(); ++i) {
    const Range r = range_of(d, train[i]);
    if (r.end - r.begin >= min_length) {
      return Decoy{Range{r.begin + trim_begin, r.end - trim_end}, i};
    }
  }
  return std::nullopt;
}

std::optional<Decoy> decoy_for(OverlapKind kind, const Datagram& d, const std::vector<Packet>& t) {
  switch (kind) {
    case OverlapKind::kContained:
      return first_long_enough(d, t, 3 * kBlock, kBlock, kBlock);
    case OverlapKind::kSameStart:
      return first_long_enough(d, t, 2 * kBlock, 0, kBlock);
    case OverlapKind::kSameEnd:
      return first_long_enough(d, t, 2 * kBlock, kBlock, 0);
    case OverlapKind::kExact:
      return first_long_enough(d, t, 1, 0, 0);
    default:
      break;
  }
  if (t.size() < 2) {
    return std::nullopt;
  }
  const Range first = range_of(d, t[0]);
  const Range second = range_of(d, t[1]);
  if (kind == OverlapKind::kPartialHead && second.end - second.begin >= kBlock) {
    const std::size_t h = round_up((second.end - second.begin) / 2);
    return Decoy{Range{second.begin - kBlock, second.begin + h}, 1};
  }
  if (kind == OverlapKind::kPartialTail && first.end - first.begin >= 2 * kBlock &&
      second.end - second.begin >= kBlock) {
    const std::size_t h = round_up((first.end - first.begin) / 2);
    return Decoy{Range{first.end - h, first.end + kBlock}, 1};
  }
  return std::nullopt;
}

bool add_decoy(OverlapKind kind, const Datagram& d, std::vector<Packet>& train) {
  const auto decoy = decoy_for(kind, d, train);
  if (!decoy) {
    return false;
  }
  const bool at_end = decoy->range.end == d.payload.size();
  const bool more = !at_end || d.last_more;
  train.insert(train.begin() + static_cast<std::ptrdiff_t>(decoy->after + 1),
               piece(d, decoy->range.begin, decoy->range.end, more, Fill{Fill::kComplement, 0}));
  return true;
}

// The input with DF cleared (--ignore-df), checksum recomputed.
Packet without_df(const Ipv4View& v, Ipv4Header h) {
  h.dont_fragment = false;
  Packet out(v.bytes().size());
  (void)h.emit(out);
  std::memcpy(out.data() + v.header_length(), v.payload().data(), v.payload().size());
  return out;
}

Train unchanged(TrainOutcome why, Bytes packet) {
  Train t;
  t.outcome = why;
  t.packets.emplace_back(packet.begin(), packet.end());
  return t;
}

// --tiny: the first fragment carries one 8-octet block, the rest is cut at
// the MTU (RFC 1858 3.1: a first fragment too small to hold the transport
// header).
std::optional<std::vector<Packet>> tiny(const Datagram& d, std::size_t mtu, Reason& error) {
  auto rest = genuine(d, kBlock, mtu, error);
  if (rest) {
    rest->insert(rest->begin(), piece(d, 0, kBlock, true, Fill{}));
  }
  return rest;
}

// The train before duplicates and ordering; sets t.error / overlap fields.
std::optional<std::vector<Packet>> cut(const Datagram& d, const TrainOptions& o, Train& t) {
  std::optional<std::vector<Packet>> train;
  if (o.overlap == OverlapKind::kNovak && d.payload.size() >= kNovakLength) {
    train = novak(d, o.mtu, t.error);
    t.overlap_applied = train.has_value();
    t.decoys = train ? 8 : 0;  // the eight overlapping pieces J..Q
    return train;
  }
  train =
      o.tiny && d.payload.size() > kBlock ? tiny(d, o.mtu, t.error) : genuine(d, 0, o.mtu, t.error);
  if (!train || train->size() < 2) {
    return train;
  }
  if (o.overlap != OverlapKind::kNone && o.overlap != OverlapKind::kNovak) {
    t.overlap_applied = add_decoy(o.overlap, d, *train);
    t.decoys = t.overlap_applied ? 1 : 0;
  }
  return train;
}

}  // namespace

std::optional<TrainOrder> train_order_from_string(const std::string& s) {
  static const std::pair<const char*, TrainOrder> kNames[] = {{"inorder", TrainOrder::kInOrder},
                                                              {"reverse", TrainOrder::kReverse},
                                                              {"random", TrainOrder::kRandom}};
  for (const auto& [name, order] : kNames) {
    if (s == name) {
      return order;
    }
  }
  return std::nullopt;
}

const char* overlap_kind_names() {
  return "contained, same-start, same-end, exact, partial-head, partial-tail, novak";
}

std::optional<OverlapKind> overlap_kind_from_string(const std::string& s) {
  static const std::pair<const char*, OverlapKind> kNames[] = {
      {"none", OverlapKind::kNone},
      {"contained", OverlapKind::kContained},
      {"same-start", OverlapKind::kSameStart},
      {"same-end", OverlapKind::kSameEnd},
      {"exact", OverlapKind::kExact},
      {"partial-head", OverlapKind::kPartialHead},
      {"partial-tail", OverlapKind::kPartialTail},
      {"novak", OverlapKind::kNovak}};
  for (const auto& [name, kind] : kNames) {
    if (s == name) {
      return kind;
    }
  }
  return std::nullopt;
}

double TrainMaker::uniform() {
  return static_cast<double>(rng_() >> 11) * 0x1.0p-53;  // 53 random bits
}

void TrainMaker::add_duplicates(Train& t) {
  if (options_.duplicate <= 0) {
    return;
  }
  std::vector<Packet> out;
  for (Packet& p : t.packets) {
    const bool twice = uniform() < options_.duplicate;
    out.push_back(std::move(p));
    if (twice) {
      out.push_back(out.back());
      ++t.duplicates;
    }
  }
  t.packets = std::move(out);
}

void TrainMaker::apply_order(Train& t) {
  auto& p = t.packets;
  if (options_.order == TrainOrder::kReverse) {
    std::reverse(p.begin(), p.end());
  } else if (options_.order == TrainOrder::kRandom) {
    // Fisher-Yates with our own draws: std::shuffle's output is not
    // specified, and a seed must give the same train everywhere.
    for (std::size_t i = p.size(); i > 1; --i) {
      std::swap(p[i - 1], p[rng_() % i]);
    }
  }
}

Train TrainMaker::make(Bytes packet) {
  const auto view = Ipv4View::parse(packet);
  const auto header =
      view ? Ipv4Header::parse(*view) : Result<Ipv4Header>(Fail{Reason::kTruncated});
  if (!view || !header) {
    return unchanged(TrainOutcome::kMalformed, packet);
  }
  const bool wanted = view->total_length() > options_.mtu || options_.tiny ||
                      options_.overlap != OverlapKind::kNone;
  if (!wanted) {
    return unchanged(TrainOutcome::kUnchanged, view->bytes());
  }
  if (view->dont_fragment() && !options_.ignore_df) {
    return unchanged(TrainOutcome::kDontFragment, view->bytes());
  }
  const Packet input = view->dont_fragment() ? without_df(*view, *header)
                                             : Packet(view->bytes().begin(), view->bytes().end());
  const Ipv4View v = *Ipv4View::parse(input);
  Datagram d{*header, v.payload(), v.fragment_offset(), v.more_fragments()};
  d.header.dont_fragment = false;
  Train t;
  auto train = cut(d, options_, t);
  if (!train) {
    Train failed = unchanged(TrainOutcome::kError, view->bytes());
    failed.error = t.error;
    return failed;
  }
  if (train->size() < 2) {
    return unchanged(TrainOutcome::kUnchanged, view->bytes());
  }
  t.outcome = TrainOutcome::kFragmented;
  t.packets = std::move(*train);
  add_duplicates(t);
  apply_order(t);
  return t;
}

}  // namespace ip4ref::replay
