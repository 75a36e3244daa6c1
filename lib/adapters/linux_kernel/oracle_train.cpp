// oracle_train.cpp: building and generating fragment trains.
#include "oracle_train.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "ip4ref/ipv4_header.h"

namespace ip4ref::oracle {
namespace {

constexpr std::uint32_t kMaxOffset = 65528;  // the 13-bit field, in octets
constexpr std::uint32_t kBlock = 8;

std::uint32_t round_up8(std::uint32_t n) {
  return (n + kBlock - 1) / kBlock * kBlock;
}

std::vector<Ipv4Option> options_for(OptionKind k) {
  switch (k) {
    case OptionKind::kNone:
    case OptionKind::kCount:
      return {};
    case OptionKind::kNop:
      return {Ipv4Option{1, {}}, Ipv4Option{1, {}}, Ipv4Option{1, {}}, Ipv4Option{1, {}}};
    case OptionKind::kRecordRoute:  // pointer 4: the first slot is free
      return {Ipv4Option{7, {4, 0, 0, 0, 0}}};
    case OptionKind::kTimestamp:  // pointer 5, overflow 0, flag 0 (timestamps only)
      return {Ipv4Option{68, {5, 0, 0, 0, 0, 0, 0, 0, 0, 0}}};
    case OptionKind::kLooseRoute:  // pointer 4, next hop 192.0.2.1
      return {Ipv4Option{131, {4, 192, 0, 2, 1}}};
    case OptionKind::kRouterAlert:
      return {Ipv4Option{148, {0, 0}}};
    case OptionKind::kExperimental:
      return {Ipv4Option{158, {0xab, 0xcd}}};
  }
  return {};
}

// ---- generation ---------------------------------------------------------------

std::uint32_t pick_length(Rng& rng) {
  const std::uint64_t r = rng.below(100);
  if (r < 10) {
    return static_cast<std::uint32_t>(1 + rng.below(16));
  }
  if (r < 55) {
    return static_cast<std::uint32_t>(17 + rng.below(496));
  }
  if (r < 85) {
    return static_cast<std::uint32_t>(513 + rng.below(3488));
  }
  if (r < 97) {
    return static_cast<std::uint32_t>(4001 + rng.below(16000));
  }
  return static_cast<std::uint32_t>(60000 + rng.below(5516));  // up to 65515
}

// Cuts [0, length) into k clean fragments (multiples of 8 but the last).
std::vector<FragmentRecipe> cut(Rng& rng, std::uint8_t flow, std::uint32_t length) {
  const std::uint32_t blocks = (length + kBlock - 1) / kBlock;
  std::uint32_t k = static_cast<std::uint32_t>(2 + rng.below(7));
  if (rng.percent(5)) {
    k = 1;  // sometimes not fragmented at all
  }
  k = std::max<std::uint32_t>(1, std::min(k, blocks));
  const std::uint32_t chunk = round_up8((length + k - 1) / k);
  std::vector<FragmentRecipe> out;
  for (std::uint32_t at = 0; at < length; at += chunk) {
    FragmentRecipe f;
    f.flow = flow;
    f.offset = at;
    f.length = std::min(chunk, length - at);
    f.more = at + chunk < length;
    f.fill = static_cast<std::uint8_t>(rng.below(256));
    out.push_back(f);
  }
  return out;
}

FragmentRecipe random_piece(Rng& rng, const std::vector<FragmentRecipe>& pieces) {
  return pieces[rng.below(pieces.size())];
}

std::uint32_t random_offset(Rng& rng, std::uint32_t length) {
  return static_cast<std::uint32_t>(kBlock * rng.below(length / kBlock + 1));
}

// One mutation of a flow's fragment list (see the cases).
void mutate(Rng& rng, std::vector<FragmentRecipe>& pieces, std::uint32_t length) {
  FragmentRecipe f = random_piece(rng, pieces);
  switch (rng.below(11)) {
    case 0:  // exact duplicate
      break;
    case 1:  // same range, different octets
      f.fill = static_cast<std::uint8_t>(f.fill + 1 + rng.below(255));
      break;
    case 2: {  // an arbitrary overlapping range
      f.offset = random_offset(rng, length);
      const std::uint32_t room = length > f.offset ? length - f.offset : 0;
      f.length =
          static_cast<std::uint32_t>(1 + rng.below(std::min<std::uint32_t>(room + 16, 3000)));
      f.more = f.offset + f.length < length ? rng.percent(70) : rng.percent(20);
      f.fill = static_cast<std::uint8_t>(rng.below(256));
      break;
    }
    case 3:  // tiny MF fragment, not a multiple of 8
      f.offset = random_offset(rng, length);
      f.length = static_cast<std::uint32_t>(1 + rng.below(7));
      f.more = true;
      break;
    case 4:  // unaligned MF fragment: a clean one with 1..7 extra octets
      f.length += static_cast<std::uint32_t>(1 + rng.below(7));
      f.more = true;
      break;
    case 5:  // zero-length fragment
      f.offset = random_offset(rng, length);
      f.length = 0;
      f.more = rng.percent(50);
      break;
    case 6: {  // a second last fragment with a different end
      const std::uint32_t delta = static_cast<std::uint32_t>(kBlock * (1 + rng.below(3)));
      const std::uint32_t end =
          rng.percent(50) ? length + delta : (length > delta ? length - delta : length + delta);
      f.offset = std::min(random_offset(rng, end > 0 ? end - 1 : 0), end);
      f.length = end - f.offset;
      f.more = false;
      break;
    }
    case 7:  // a fragment goes missing
      if (pieces.size() > 1) {
        pieces.erase(pieces.begin() + static_cast<std::ptrdiff_t>(rng.below(pieces.size())));
      }
      return;
    case 8: {  // split a clean fragment in two (still clean)
      if (f.length <= kBlock) {
        break;
      }
      const std::uint32_t first =
          static_cast<std::uint32_t>(kBlock * (1 + rng.below((f.length - 1) / kBlock)));
      FragmentRecipe second = f;
      f.length = first;
      f.more = true;
      second.offset = f.offset + first;
      second.length -= first;
      pieces.push_back(second);
      break;
    }
    case 9:  // MF data past the end
      f.offset = round_up8(length) + static_cast<std::uint32_t>(kBlock * rng.below(4));
      f.length = static_cast<std::uint32_t>(kBlock * (1 + rng.below(4)));
      f.more = true;
      break;
    default:  // near the 65535 limit
      f.offset = kMaxOffset - static_cast<std::uint32_t>(kBlock * rng.below(8));
      f.length = static_cast<std::uint32_t>(1 + rng.below(64));
      f.more = rng.percent(50);
      break;
  }
  f.offset = std::min(f.offset, kMaxOffset);
  pieces.push_back(f);
}

void vary_header(Rng& rng, FragmentRecipe& f, const GeneratorOptions& g) {
  switch (rng.below(g.options ? 6 : 5)) {
    case 0:
      f.dont_fragment = !f.dont_fragment;
      break;
    case 1:
      f.reserved = true;
      break;
    case 2:
    case 3:
      f.ecn = static_cast<std::uint8_t>(rng.below(4));
      break;
    case 4:
      f.ttl = static_cast<std::uint8_t>(rng.below(256));
      break;
    default:
      f.options = static_cast<OptionKind>(
          1 + rng.below(static_cast<std::uint64_t>(OptionKind::kCount) - 1));
      break;
  }
}

std::vector<Flow> make_flows(Rng& rng, const GeneratorOptions& g) {
  static constexpr std::uint8_t kProtocols[] = {17, 17, 6, 1, 253};
  const std::uint64_t n = 1 + rng.below(static_cast<std::uint64_t>(std::max(1, g.max_flows)));
  std::vector<Flow> flows;
  for (std::uint64_t i = 0; i < n; ++i) {
    Flow f;
    f.source = 0xc000020au + static_cast<std::uint32_t>(rng.below(3));       // 192.0.2.10..12
    f.destination = 0xc6336401u + static_cast<std::uint32_t>(rng.below(2));  // 198.51.100.1..2
    f.protocol = kProtocols[rng.below(sizeof(kProtocols))];
    f.identification = static_cast<std::uint16_t>(
        rng.below(4) == 0 && !flows.empty() ? flows.back().identification : rng.below(65536));
    // Opt-in (no extra draw when 0, so other campaigns keep their trains):
    // the previous flow's key with source and destination swapped.
    if (g.reverse_flow_percent > 0 && !flows.empty() && rng.percent(g.reverse_flow_percent)) {
      f = flows.back();
      std::swap(f.source, f.destination);
    }
    auto same = [&](const Flow& o) {
      return o.source == f.source && o.destination == f.destination && o.protocol == f.protocol &&
             o.identification == f.identification;
    };
    while (std::any_of(flows.begin(), flows.end(), same)) {
      ++f.identification;
    }
    flows.push_back(f);
  }
  return flows;
}

void order(Rng& rng, std::vector<std::vector<FragmentRecipe>>& per_flow,
           std::vector<FragmentRecipe>& out) {
  const std::uint64_t how = rng.below(100);
  for (auto& pieces : per_flow) {
    if (how >= 35 && how < 50) {
      std::reverse(pieces.begin(), pieces.end());
    }
  }
  if (how < 50) {  // in order (or reversed), flow after flow
    for (const auto& pieces : per_flow) {
      out.insert(out.end(), pieces.begin(), pieces.end());
    }
    return;
  }
  if (how < 85) {  // shuffled together (Fisher-Yates with the portable rng)
    for (const auto& pieces : per_flow) {
      out.insert(out.end(), pieces.begin(), pieces.end());
    }
    for (std::size_t i = out.size(); i > 1; --i) {
      std::swap(out[i - 1], out[rng.below(i)]);
    }
    return;
  }
  for (std::size_t i = 0;; ++i) {  // round robin
    bool any = false;
    for (const auto& pieces : per_flow) {
      if (i < pieces.size()) {
        out.push_back(pieces[i]);
        any = true;
      }
    }
    if (!any) {
      return;
    }
  }
}

// Flow 0 is cut in two halves; between them come `others` datagrams from
// the same source, each cut into 8-octet fragments, complete and clean.
Train distance_train(Rng& rng) {
  Train t;
  const std::uint32_t source = 0xc000020au + static_cast<std::uint32_t>(rng.below(3));
  const std::uint64_t others = 5 + rng.below(6);  // 5..10 datagrams of 9..16 fragments
  for (std::uint64_t i = 0; i <= others; ++i) {
    const auto id = static_cast<std::uint16_t>(0x4000 + i + rng.below(0x1000) * 16);
    t.flows.push_back(Flow{source, 0xc6336401u, 17, id});
  }
  t.packets.push_back(FragmentRecipe{0, 0, 8, true, 0x11});
  for (std::uint64_t i = 1; i <= others; ++i) {
    const std::uint32_t n = static_cast<std::uint32_t>(9 + rng.below(8));
    for (std::uint32_t k = 0; k < n; ++k) {
      t.packets.push_back(FragmentRecipe{static_cast<std::uint8_t>(i), 8 * k, 8, k + 1 < n,
                                         static_cast<std::uint8_t>(i)});
    }
  }
  t.packets.push_back(FragmentRecipe{0, 8, 8, false, 0x22});
  return t;
}

}  // namespace

std::string to_string(OptionKind k) {
  switch (k) {
    case OptionKind::kNone:
      return "none";
    case OptionKind::kNop:
      return "nop";
    case OptionKind::kRecordRoute:
      return "rr";
    case OptionKind::kTimestamp:
      return "ts";
    case OptionKind::kLooseRoute:
      return "lsrr";
    case OptionKind::kRouterAlert:
      return "ra";
    case OptionKind::kExperimental:
      return "exp";
    case OptionKind::kCount:
      break;
  }
  return "?";
}

std::vector<std::uint8_t> build_packet(const Train& train, const FragmentRecipe& r) {
  const Flow& flow = train.flows.at(r.flow);
  Ipv4Header h;
  h.tos = r.ecn & 0x03;
  h.identification = flow.identification;
  h.reserved_flag = r.reserved;
  h.dont_fragment = r.dont_fragment;
  h.more_fragments = r.more;
  h.fragment_offset = static_cast<std::uint16_t>(std::min(r.offset, kMaxOffset));
  h.ttl = r.ttl;
  h.protocol = flow.protocol;
  h.source = flow.source;
  h.destination = flow.destination;
  h.options = options_for(r.options);
  const std::size_t hl = *h.size();
  const std::size_t length = std::min<std::size_t>(r.length, kIpv4MaxDatagram - hl);
  h.total_length = static_cast<std::uint16_t>(hl + length);
  std::vector<std::uint8_t> out(hl + length);
  (void)h.emit(out);
  for (std::size_t i = 0; i < length; ++i) {
    out[hl + i] = static_cast<std::uint8_t>(r.fill + h.fragment_offset + i);
  }
  return out;
}

std::vector<std::vector<std::uint8_t>> build_packets(const Train& train) {
  std::vector<std::vector<std::uint8_t>> out;
  out.reserve(train.packets.size());
  for (const FragmentRecipe& r : train.packets) {
    out.push_back(build_packet(train, r));
  }
  return out;
}

std::string describe(const Train& train) {
  std::ostringstream s;
  for (std::size_t i = 0; i < train.flows.size(); ++i) {
    const Flow& f = train.flows[i];
    char id[8];
    std::snprintf(id, sizeof(id), "0x%04x", f.identification);
    s << "  flow f" << i << ": " << format_ipv4(f.source) << " > " << format_ipv4(f.destination)
      << " proto " << int{f.protocol} << " id " << id << "\n";
  }
  for (std::size_t i = 0; i < train.packets.size(); ++i) {
    const FragmentRecipe& r = train.packets[i];
    char fill[8];
    std::snprintf(fill, sizeof(fill), "0x%02x", r.fill);
    s << "  #" << i << " f" << int{r.flow} << " off " << r.offset << " len " << r.length
      << (r.more ? " MF" : " --") << " fill " << fill << "  [" << r.offset << ", "
      << r.offset + r.length << ")";
    if (r.dont_fragment) {
      s << " DF";
    }
    if (r.reserved) {
      s << " RF";
    }
    if (r.ecn != 0) {
      s << " ecn " << int{r.ecn};
    }
    if (r.ttl != 64) {
      s << " ttl " << int{r.ttl};
    }
    if (r.options != OptionKind::kNone) {
      s << " opt " << to_string(r.options);
    }
    s << "\n";
  }
  return s.str();
}

namespace {

bool parse_number(std::istringstream& in, std::uint32_t* out) {
  std::string word;
  if (!(in >> word)) {
    return false;
  }
  try {
    std::size_t used = 0;
    const unsigned long v = std::stoul(word, &used, 0);
    *out = static_cast<std::uint32_t>(v);
    return used == word.size() && v <= 0xffffffffu;
  } catch (...) {
    return false;
  }
}

bool parse_option_kind(std::istringstream& in, OptionKind* out) {
  std::string word;
  in >> word;
  for (int k = 0; k < static_cast<int>(OptionKind::kCount); ++k) {
    if (to_string(static_cast<OptionKind>(k)) == word) {
      *out = static_cast<OptionKind>(k);
      return true;
    }
  }
  return false;
}

// One packet's words; false on an unknown word or a bad number.
bool parse_recipe(const std::string& text, FragmentRecipe* r, std::string* bad) {
  std::istringstream in(text);
  std::string word;
  std::uint32_t n = 0;
  r->fill = 0x41;
  r->length = 8;
  while (in >> word) {
    bool ok = true;
    if (word == "MF") {
      r->more = true;
    } else if (word == "DF") {
      r->dont_fragment = true;
    } else if (word == "RF") {
      r->reserved = true;
    } else if (word == "--") {
    } else if (word == "opt") {
      ok = parse_option_kind(in, &r->options);
    } else if (word == "off" || word == "len" || word == "fill" || word == "ecn" || word == "ttl" ||
               word == "f") {
      ok = parse_number(in, &n);
      if (word == "off") {
        r->offset = n;
      } else if (word == "len") {
        r->length = n;
      } else if (word == "fill") {
        r->fill = static_cast<std::uint8_t>(n);
      } else if (word == "ecn") {
        r->ecn = static_cast<std::uint8_t>(n & 3);
      } else if (word == "ttl") {
        r->ttl = static_cast<std::uint8_t>(n);
      } else {
        r->flow = static_cast<std::uint8_t>(n);
      }
    } else {
      ok = false;
    }
    if (!ok) {
      *bad = word;
      return false;
    }
  }
  return true;
}

}  // namespace

bool parse_train(const std::string& spec, Train* train, std::string* error) {
  Train t;
  std::istringstream packets(spec);
  std::string text;
  while (std::getline(packets, text, ';')) {
    if (text.find_first_not_of(" \t") == std::string::npos) {
      continue;
    }
    FragmentRecipe r;
    std::string bad;
    if (!parse_recipe(text, &r, &bad)) {
      *error = "packet " + std::to_string(t.packets.size() + 1) + ": cannot read '" + bad + "'";
      return false;
    }
    if (r.offset % 8 != 0 || r.offset > kMaxOffset) {
      *error = "packet " + std::to_string(t.packets.size() + 1) +
               ": offset must be a multiple of 8, at most 65528";
      return false;
    }
    while (t.flows.size() <= r.flow) {
      t.flows.push_back(
          Flow{0xc000020au, 0xc6336401u, 17, static_cast<std::uint16_t>(0x1234 + t.flows.size())});
    }
    t.packets.push_back(r);
  }
  if (t.packets.empty()) {
    *error = "no packets";
    return false;
  }
  *train = std::move(t);
  return true;
}

Train generate_train(Rng& rng, const GeneratorOptions& options) {
  if (rng.below(1000) < static_cast<std::uint64_t>(options.distance_permille)) {
    return distance_train(rng);
  }
  Train t;
  t.flows = make_flows(rng, options);
  std::vector<std::vector<FragmentRecipe>> per_flow;
  for (std::size_t i = 0; i < t.flows.size(); ++i) {
    const std::uint32_t length = pick_length(rng);
    auto pieces = cut(rng, static_cast<std::uint8_t>(i), length);
    const std::uint64_t mutations = rng.below(100) < 30 ? 0 : 1 + rng.below(3);
    for (std::uint64_t m = 0; m < mutations; ++m) {
      mutate(rng, pieces, length);
    }
    for (FragmentRecipe& f : pieces) {
      if (rng.percent(options.header_variation_percent)) {
        vary_header(rng, f, options);
      }
    }
    per_flow.push_back(std::move(pieces));
  }
  order(rng, per_flow, t.packets);
  return t;
}

}  // namespace ip4ref::oracle
