// divergence_class.h: a stable name for the way an engine's delivered
// datagrams differ from the reference's on one fragment train, derived from
// the train itself and the reference's own events (reason names, fragment
// counts), not from knowledge of the engine. The engine campaign
// (engine_oracle.h) counts trains per class and keeps one minimized pcap each.
//
// The comparison is per fragment key (RFC 791 3.2: source, destination,
// protocol, identification, read from each delivered datagram's header):
// the sequence of datagrams each side delivered for a key. Order across
// keys is not compared. The first key (in the order the train first uses
// it) whose sequences differ names the class (the first that applies):
//
//   fragment-passed-through the engine delivered a fragment of the train (MF
//                           or a non-zero offset) unchanged, as a whole datagram
//   protocol-not-in-key     another fragment of the train has the same source,
//                           destination and identification, another protocol,
//                           and without those packets the engine's class for the
//                           key changes (the merge is the cause)
//   direction-not-in-key    ... the same identification and protocol with the
//                           source and destination swapped (same counterfactual)
//   protocol-and-direction-not-in-key  a fragment with its identification, the
//                           addresses swapped and another protocol, or both kinds
//                           above, and only without all of them the class changes
//   differs-<field>         both delivered it, the octets differ; <field> is the
//                           first differing header field other than the checksum
//                           (version-ihl, tos, total-length, identification,
//                           flags, fragment-offset, ttl, protocol, source,
//                           destination, options), or transport-header (only
//                           the first 8 octets of UDP or ICMP, 20 of TCP, differ:
//                           a re-serialised length or checksum), or payload, or
//                           length (one is a prefix of the other), or
//                           header-checksum alone
//   extra-ref-discarded-<reason>  the engine delivered it; the reference threw
//                           the datagram away (its Discarded reason)
//   extra-ref-dropped-<reason>    ... the reference refused one of its
//                           packets (the first Dropped reason) and never completed it
//   extra-ref-incomplete    ... the reference still waits for data
//   missing-ref-restarted-after-<reason> the reference had thrown a datagram of
//                           this key away (its Discarded reason) and built this one
//                           from later fragments; the engine did not deliver it
//   missing-engine-dropped-<reason> the engine refused a packet of it
//   missing-unaligned-fragment    ... a fragment of the key with MF set carries a
//                           length that is not a multiple of 8
//   missing-ref-dropped-<reason>  ... the reference delivered it after refusing
//                           a packet of it (e.g. a duplicate); the engine did not
//   missing-more-than-8-fragments the reference delivered it from more than 8
//                           fragments; the engine did not deliver it
//   missing-other           the engine did not deliver it, none of the above
//   events-differ           (engines that observe more than delivered octets,
//                           e.g. fast or a so: plug-in) the deliveries agree but the
//                           observable event streams (observable()) do not
#pragma once

#include <string>
#include <vector>

#include "ip4ref/events.h"

namespace ip4ref::oracle {

using Packet = std::vector<std::uint8_t>;

// What one engine did with a train: every event, and for each the index of
// the packet whose push (or the final expire, index == packets.size())
// produced it.
struct TrainEvents {
  std::vector<RecordedEvent> events;
  std::vector<std::size_t> packet_of;
};

// "agree" when every key's delivered datagrams are the same octets in the
// same order (only octets: fragment counts are not compared); otherwise the
// class of the first differing key, and in *detail one line saying what
// differs (may be null).
// *differing (may be null) gets the key the class is about.
// protocol-not-in-key and direction-not-in-key are not decided here (they
// need the engine run again): see key_collisions.
std::string classify(const std::vector<Packet>& packets, const TrainEvents& reference,
                     const TrainEvents& engine, std::string* detail,
                     FragmentKey* differing = nullptr);

// The collision kinds the train has for `key`: "protocol-not-in-key" when
// a fragment has its source, destination and identification with another
// protocol; "direction-not-in-key" when one has its identification and
// protocol with the addresses swapped; "protocol-and-direction-not-in-key"
// when one has its identification, the addresses swapped, another protocol. The engine oracle names
// a class so only when, run without_collisions() of that kind, the engine's class for `key` changes
// (the merge is the cause; the reference keys them apart).
std::vector<std::string> key_collisions(const std::vector<Packet>& packets, const FragmentKey& key);
std::vector<Packet> without_collisions(const std::vector<Packet>& packets, const FragmentKey& key,
                                       const std::string& kind);

}  // namespace ip4ref::oracle
