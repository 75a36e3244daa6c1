// divergence_class.cpp: see divergence_class.h.
#include "divergence_class.h"

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <map>
#include <optional>

#include "ip4ref/bytes.h"
#include "ip4ref/ipv4_header.h"
#include "ip4ref/reason.h"

namespace ip4ref::oracle {
namespace {

using Deliveries = std::map<FragmentKey, std::vector<const RecordedEvent*>>;

// The RFC 791 3.2 key of a packet or datagram, when it has an IPv4 header.
std::optional<FragmentKey> key_of(Bytes b) {
  if (b.size() < kIpv4MinHeader || (b[0] >> 4) != 4) {
    return std::nullopt;
  }
  return FragmentKey{load_be32(b, ipv4_field::kSource), load_be32(b, ipv4_field::kDestination),
                     b[ipv4_field::kProtocol], load_be16(b, ipv4_field::kIdentification)};
}

// MF set or a non-zero offset (RFC 791 3.1 "Flags", "Fragment Offset").
bool is_fragment(Bytes b) {
  return b.size() >= kIpv4MinHeader &&
         (load_be16(b, ipv4_field::kFlagsFragment) & (kFlagMf | kFragmentOffsetMask)) != 0;
}

Deliveries deliveries(const TrainEvents& t) {
  Deliveries out;
  for (const RecordedEvent& e : t.events) {
    if (e.kind == RecordedEvent::Kind::kDelivered) {
      if (const auto k = key_of(e.bytes)) {
        out[*k].push_back(&e);
      }
    }
  }
  return out;
}

// Keys in the order the train first uses them, then keys only a delivery names.
std::vector<FragmentKey> key_order(const std::vector<Packet>& packets, const Deliveries& a,
                                   const Deliveries& b) {
  std::vector<FragmentKey> keys;
  auto add = [&keys](const FragmentKey& k) {
    if (std::find(keys.begin(), keys.end(), k) == keys.end()) {
      keys.push_back(k);
    }
  };
  for (const Packet& p : packets) {
    if (const auto k = key_of(p)) {
      add(*k);
    }
  }
  for (const Deliveries* d : {&a, &b}) {
    for (const auto& [k, events] : *d) {
      add(k);
    }
  }
  return keys;
}

// Whether one of `delivered` is, octet for octet, a fragment of the train
// (MF or a non-zero offset): delivered as if it were a whole datagram.
bool passes_fragment_through(const std::vector<Packet>& packets,
                             const std::vector<const RecordedEvent*>& delivered) {
  for (const RecordedEvent* e : delivered) {
    for (const Packet& p : packets) {
      if (is_fragment(p) && e->bytes == p) {
        return true;
      }
    }
  }
  return false;
}

// RFC 791 3.1 header diagram: the field octet `at` falls in.
std::string field_name(std::size_t at, const std::vector<std::uint8_t>& a,
                       const std::vector<std::uint8_t>& b) {
  static const char* kFields[] = {"version-ihl",
                                  "tos",
                                  "total-length",
                                  "total-length",
                                  "identification",
                                  "identification",
                                  "flags",
                                  "fragment-offset",
                                  "ttl",
                                  "protocol",
                                  "header-checksum",
                                  "header-checksum",
                                  "source",
                                  "source",
                                  "source",
                                  "source",
                                  "destination",
                                  "destination",
                                  "destination",
                                  "destination"};
  if (at == 6 && ((a[6] ^ b[6]) & 0xe0u) == 0) {
    return "fragment-offset";  // octet 6 holds the flags and the offset's top bits
  }
  if (at < kIpv4MinHeader) {
    return kFields[at];
  }
  return at < std::size_t{a[0] & 0x0fu} * 4 ? "options" : "payload";
}

// Octets of the transport header a re-serialising implementation rewrites
// (length, checksum): UDP (RFC 768) and ICMP (RFC 792) 8, TCP (RFC 9293) 20.
std::size_t transport_header_length(std::uint8_t protocol) {
  switch (protocol) {
    case 1:
    case 17:
      return 8;
    case 6:
      return 20;
    default:
      return 0;
  }
}

// A payload difference inside the transport header and nowhere after it is
// "differs-transport-header"; any other is "differs-payload".
std::string payload_class(const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b,
                          std::size_t at) {
  const std::size_t header = std::size_t{a[0] & 0x0fu} * 4;
  const std::size_t end = header + transport_header_length(a[ipv4_field::kProtocol]);
  if (at >= end || a.size() != b.size()) {
    return "differs-payload";
  }
  for (std::size_t i = end; i < a.size(); ++i) {
    if (a[i] != b[i]) {
      return "differs-payload";
    }
  }
  return "differs-transport-header";
}

// The first differing field, the checksum only when nothing else differs.
std::string differing_field(const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b,
                            std::size_t* at) {
  const std::size_t n = std::min(a.size(), b.size());
  std::optional<std::size_t> checksum;
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i] == b[i]) {
      continue;
    }
    if (i == ipv4_field::kChecksum || i == ipv4_field::kChecksum + 1) {
      checksum = checksum.value_or(i);
      continue;
    }
    *at = i;
    const std::string field = field_name(i, a, b);
    if (field == "payload") {
      return payload_class(a, b, i);
    }
    return "differs-" + field;
  }
  *at = checksum.value_or(n);
  return checksum ? "differs-header-checksum" : "differs-length";
}

// The first reason `t` gave for refusing a packet of `key`, after `prefix`.
std::string dropped_reason(const std::vector<Packet>& packets, const TrainEvents& t,
                           const FragmentKey& key, const std::string& prefix) {
  for (std::size_t i = 0; i < t.events.size(); ++i) {
    const RecordedEvent& e = t.events[i];
    const std::size_t p = t.packet_of[i];
    if (e.kind == RecordedEvent::Kind::kDropped && p < packets.size() &&
        key_of(packets[p]) == key) {
      return prefix + std::string(to_string(e.reason));
    }
  }
  return "";
}

// The reference's first Discarded reason for `key`, else the first reason it
// gave for refusing one of the key's packets ("" when neither).
std::string ref_outcome(const std::vector<Packet>& packets, const TrainEvents& ref,
                        const FragmentKey& key) {
  for (const RecordedEvent& e : ref.events) {
    if (e.kind == RecordedEvent::Kind::kDiscarded && e.key == key) {
      return "discarded-" + std::string(to_string(e.reason));
    }
  }
  return dropped_reason(packets, ref, key, "dropped-");
}

// The reason of a Discarded for `key` the reference emitted before
// delivering `delivered` (it threw a datagram away and built `delivered`
// from later fragments); "" when none.
std::string discarded_before(const TrainEvents& ref, const FragmentKey& key,
                             const RecordedEvent& delivered) {
  std::string why;
  for (const RecordedEvent& e : ref.events) {
    if (&e == &delivered) {
      return why;
    }
    if (e.kind == RecordedEvent::Kind::kDiscarded && e.key == key) {
      why = std::string(to_string(e.reason));
    }
  }
  return "";
}

// RFC 791 3.2: every fragment but the last carries a multiple of 8 octets.
// Whether a fragment of `key` with MF set does not.
bool has_unaligned_fragment(const std::vector<Packet>& packets, const FragmentKey& key) {
  for (const Packet& p : packets) {
    if (key_of(p) != key || (load_be16(p, ipv4_field::kFlagsFragment) & kFlagMf) == 0) {
      continue;
    }
    const std::size_t header = std::size_t{p[0] & 0x0fu} * 4;
    const std::size_t total = load_be16(p, ipv4_field::kTotalLength);
    if (total >= header && total <= p.size() && (total - header) % 8 != 0) {
      return true;
    }
  }
  return false;
}

// The engine delivered more datagrams for `key` than the reference.
std::string extra(const std::vector<Packet>& packets, const TrainEvents& ref,
                  const FragmentKey& key) {
  const std::string why = ref_outcome(packets, ref, key);
  return "extra-ref-" + (why.empty() ? std::string("incomplete") : why);
}

// The reference delivered `delivered` for `key`; the engine did not.
std::string missing(const std::vector<Packet>& packets, const TrainEvents& ref,
                    const TrainEvents& engine, const FragmentKey& key,
                    const RecordedEvent& delivered) {
  if (std::string why = discarded_before(ref, key, delivered); !why.empty()) {
    return "missing-ref-restarted-after-" + why;
  }
  if (std::string why = dropped_reason(packets, engine, key, "missing-engine-dropped-");
      !why.empty()) {
    return why;
  }
  if (has_unaligned_fragment(packets, key)) {
    return "missing-unaligned-fragment";
  }
  if (std::string why = dropped_reason(packets, ref, key, "missing-ref-dropped-"); !why.empty()) {
    return why;
  }
  if (delivered.fragment_count > 8) {
    return "missing-more-than-8-fragments";
  }
  return "missing-other";
}

// The first of `a` whose octets no element of `b` has (a has more elements).
const RecordedEvent* first_lacking(const std::vector<const RecordedEvent*>& a,
                                   const std::vector<const RecordedEvent*>& b) {
  for (const RecordedEvent* x : a) {
    if (std::none_of(b.begin(), b.end(),
                     [x](const RecordedEvent* y) { return y->bytes == x->bytes; })) {
      return x;
    }
  }
  return a.back();
}

std::string hex(std::uint8_t v) {
  char b[8];
  std::snprintf(b, sizeof b, "0x%02x", v);
  return b;
}

}  // namespace

namespace {

using List = std::vector<const RecordedEvent*>;

// Whether `d` is an unfragmented packet passed through (fragment count 1,
// events.h) rather than a reassembled datagram (2 or more, or 0: adapters
// that cannot count fragments report 0 for a reassembled datagram).
bool passed_through(const RecordedEvent* d) {
  return d->fragment_count == 1;
}

// The class for one key's lists of the same kind (unfragmented packets, or
// reassembled datagrams); "" when they are equal. Equal counts compare in
// order; otherwise the surplus side's first datagram the other lacks decides.
std::string compare_lists(const std::vector<Packet>& packets, const TrainEvents& reference,
                          const TrainEvents& engine, const FragmentKey& key, const List& r,
                          const List& e, std::string& what) {
  for (std::size_t i = 0; r.size() == e.size() && i < r.size(); ++i) {
    if (r[i]->bytes == e[i]->bytes) {
      continue;
    }
    std::size_t at = 0;
    const std::string cls = differing_field(r[i]->bytes, e[i]->bytes, &at);
    what += "; datagram " + std::to_string(i + 1) + " differs at octet " + std::to_string(at) +
            (at < std::min(r[i]->bytes.size(), e[i]->bytes.size())
                 ? ": reference " + hex(r[i]->bytes[at]) + ", engine " + hex(e[i]->bytes[at])
                 : "; lengths " + std::to_string(r[i]->bytes.size()) + " and " +
                       std::to_string(e[i]->bytes.size()));
    return cls;
  }
  if (e.size() > r.size()) {
    return extra(packets, reference, key);
  }
  if (r.size() > e.size()) {
    return missing(packets, reference, engine, key, *first_lacking(r, e));
  }
  return "";
}

}  // namespace

std::string classify(const std::vector<Packet>& packets, const TrainEvents& reference,
                     const TrainEvents& engine, std::string* detail, FragmentKey* differing) {
  const Deliveries ref = deliveries(reference);
  const Deliveries eng = deliveries(engine);
  // Unfragmented packets and reassembled datagrams are compared apart.
  auto split = [](const Deliveries& d, const FragmentKey& k, bool whole) {
    List out;
    if (const auto it = d.find(k); it != d.end()) {
      std::copy_if(it->second.begin(), it->second.end(), std::back_inserter(out),
                   [&](const RecordedEvent* x) { return passed_through(x) == whole; });
    }
    return out;
  };
  for (const FragmentKey& key : key_order(packets, ref, eng)) {
    std::string cls;
    std::string what;
    for (const bool whole : {true, false}) {
      const List r = split(ref, key, whole);
      const List e = split(eng, key, whole);
      what = "key " + to_string(key) + ": " + (whole ? "unfragmented packets" : "reassembled") +
             ": reference delivered " + std::to_string(r.size()) + ", engine " +
             std::to_string(e.size());
      cls = compare_lists(packets, reference, engine, key, r, e, what);
      if (!cls.empty()) {
        if (passes_fragment_through(packets, e)) {
          cls = "fragment-passed-through";
        }
        break;
      }
    }
    if (cls.empty()) {
      continue;
    }
    if (detail != nullptr) {
      *detail = what;
    }
    if (differing != nullptr) {
      *differing = key;
    }
    return cls;
  }
  return "agree";
}

std::vector<std::string> key_collisions(const std::vector<Packet>& packets,
                                        const FragmentKey& key) {
  std::vector<std::string> out;
  for (const char* kind :
       {"protocol-not-in-key", "direction-not-in-key", "protocol-and-direction-not-in-key"}) {
    if (without_collisions(packets, key, kind).size() != packets.size()) {
      out.push_back(kind);
    }
  }
  return out;
}

std::vector<Packet> without_collisions(const std::vector<Packet>& packets, const FragmentKey& key,
                                       const std::string& kind) {
  const bool same_protocol_wanted = kind == "direction-not-in-key";
  const bool swapped_wanted = kind != "protocol-not-in-key";
  std::vector<Packet> out;
  for (const Packet& p : packets) {
    const auto k = key_of(p);
    const bool same = k && k->source == key.source && k->destination == key.destination;
    const bool swapped = k && k->source == key.destination && k->destination == key.source;
    const bool collides = k && is_fragment(p) && k->identification == key.identification &&
                          (swapped_wanted ? swapped : same) &&
                          (k->protocol == key.protocol) == same_protocol_wanted;
    if (!collides) {
      out.push_back(p);
    }
  }
  return out;
}

}  // namespace ip4ref::oracle
