// dpdk_engine.h: DPDK's IPv4 reassembly (librte_ip_frag,
// rte_ipv4_frag_reassemble_packet; DPDK 22.11, Debian dpdk-dev) behind the
// engine interface, as engine "dpdk", for speed comparisons.
//
// The EAL is initialised once per process with "--no-huge --no-pci
// --no-shconf" (no hugepages, no devices, no shared files; DPDK 22.11 refuses
// --in-memory with --no-huge: "Option --legacy-mem is not compatible with
// --in-memory"). Where that fails the factory returns no engine and
// dpdk_engine_error() says why.
//
// What it can and cannot observe:
// - DPDK keys fragments by (source, destination, identification): no
//   protocol (ip_frag_key: src_dst + id);
// - it keeps at most RTE_LIBRTE_IP_FRAG_MAX_FRAG (8 in Debian's build)
//   fragments per datagram: longer trains are dropped by DPDK, never delivered;
// - its timeout is the config's, in TSC cycles derived from `now`; expire()
//   frees datagrams older than that (rte_ip_frag_table_del_expired_entries)
//   without saying which; it has its own table limits instead of ip4ref's
//   memory accounting, no policies and no reasons: nothing is reported as
//   Dropped or Discarded (except packets the adapter cannot hand to DPDK:
//   shorter than 20 octets, fragments longer than 65,407 octets (an mbuf's
//   data room is 16 bits, minus its headroom), or no free mbuf);
//   unfragmented packets pass straight through without DPDK, as
//   rte_ipv4_frag_pkt_is_fragmented() would send them;
// - Delivered.fragment_count is 0 (not observable); the datagram is DPDK's
//   reassembled mbuf chain, linearised, with the header checksum DPDK leaves
//   0 computed by the adapter (as a DPDK application must);
// - of the counters only passthrough, reasm_reqds and reasm_oks are kept;
// - capabilities(): IP4REF_CAP_DELIVERED_BYTES (engine.h): the harness
//   compares delivered datagrams and their octets, nothing else.
#pragma once

#include <memory>
#include <string>

#include "ip4ref/reassembly_engine.h"

namespace ip4ref {

// nullptr when the EAL cannot be initialised here (see dpdk_engine_error()).
std::unique_ptr<ReassemblyEngine> make_dpdk_engine(const ReassemblyConfig& config);

// Why the last make_dpdk_engine() failed ("" when it did not).
std::string dpdk_engine_error();

// Adds "dpdk" to the engine registry.
void register_dpdk_engine();

}  // namespace ip4ref
