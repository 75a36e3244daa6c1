// libtins_engine.h: libtins' Tins::IPv4Reassembler (libtins 4.x, Debian
// libtins-dev) behind the engine interface, as engine "libtins".
//
// What it can and cannot observe (DESIGN.md "Adapters": an adapter may say
// what it cannot observe; the harness compares the rest):
// - libtins keys fragments by (identification, {source, destination}): it
//   ignores the protocol and orders the address pair (make_address_pair), so
//   two datagrams that differ only in protocol, or in direction, merge;
// - it re-parses the reassembled payload as the protocol's PDU and the
//   adapter delivers libtins' re-serialisation (UDP/TCP/ICMP lengths and
//   checksums recomputed), clears the flags (DF included), and passes a
//   fragment without payload through as if unfragmented: see
//   corpus/findings/libtins/README.md for every difference found;
// - it has no timeouts, no memory limits and no caps: expire() does nothing,
//   next_expiry() is always empty, nothing is ever Discarded;
// - it has one overlap behaviour (OverlappingTechnique NONE): none of the
//   named policies; the config's policy is ignored;
// - it does not verify the header checksum or report why a packet is bad: a
//   packet it cannot parse is Dropped{kTruncated};
// - Delivered.fragment_count is 0 for a reassembled datagram (not observable),
//   and the datagram is libtins' re-serialisation of the reassembled PDU;
// - of the counters only passthrough, reasm_reqds and reasm_oks are kept;
// - capabilities(): IP4REF_CAP_DELIVERED_BYTES only (engine.h), so the
//   harness compares delivered datagrams and nothing else.
#pragma once

#include <memory>

#include "ip4ref/reassembly_engine.h"

namespace ip4ref {

std::unique_ptr<ReassemblyEngine> make_libtins_engine(const ReassemblyConfig& config);

// Adds "libtins" to the engine registry (tools call it once at start-up).
void register_libtins_engine();

}  // namespace ip4ref
