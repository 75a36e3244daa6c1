// stack_reason.h: why the stack dropped a packet or refused to send one, for
// the cases ip4ref::Reason (the IP header and the reassembly engine) does not
// cover: addressing, transport protocols, the send path and the link.
//
// Every packet the stack reads ends in exactly one of: delivered to a handler,
// handed to the reassembly engine, or dropped with a Reason or a StackReason;
// each drop is counted under its reason (StackStats). Names are stable
// kebab-case like Reason's and never equal to one of Reason's names (the
// send-path reasons carry a "send-" prefix); append new reasons before kCount.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace ip4ref {

enum class StackReason {
  // --- input: addressing (RFC 1122 3.2.1.3) ---
  kNotForUs,   // destination neither a local address nor a broadcast; hosts do not forward
  kBadSource,  // source is a broadcast or multicast address: "MUST be silently discarded"

  // --- input: transport demultiplexing ---
  kUnknownProtocol,    // no handler for the protocol number (protocol unreachable sent)
  kIcmpMalformed,      // ICMP message shorter than its 8-octet header
  kIcmpBadChecksum,    // RFC 792 checksum does not verify
  kIcmpEchoBroadcast,  // echo request to a broadcast address, not answered (RFC 1122 3.2.2.6 MAY)
  kIcmpUnhandled,      // a valid ICMP message that is not an echo request, no ICMP handler set
  kUdpMalformed,       // shorter than 8 octets, or the UDP length disagrees with the IP length
  kUdpBadChecksum,     // RFC 768 checksum (non-zero) does not verify
  kUdpNoListener,      // no receiver bound to the port (port unreachable sent)

  // --- send path (ip_write) ---
  kNoRoute,              // "no-route": no route to the destination (RFC 1122 3.3.1.2)
  kDatagramTooLarge,     // "send-too-large": header + payload would pass 65535 octets
  kFragmentationNeeded,  // "send-fragmentation-needed": DF set and over the MTU (RFC 1191)
  kSendQueueFull,        // "send-queue-full": back-pressure, nothing was queued

  // --- link ---
  kLinkReadError,   // the link's read failed (not EAGAIN)
  kLinkWriteError,  // the link refused a packet (not EAGAIN); that packet is lost at the link

  kCount
};

inline constexpr std::size_t kStackReasonCount = static_cast<std::size_t>(StackReason::kCount);

// Stable kebab-case name, e.g. "not-for-us". "unknown" for out-of-range values.
std::string_view to_string(StackReason r);
std::optional<StackReason> stack_reason_from_string(std::string_view name);

}  // namespace ip4ref
