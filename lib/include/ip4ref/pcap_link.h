// pcap_link.h: PcapLink, a Link over capture files, to drive a Stack offline.
//
// The receive side reads IPv4 packets from a capture (pcap or pcapng, through
// libpcap); the send side writes every packet the stack emits to a
// LINKTYPE_IPV4 pcap with nanosecond timestamps, which tshark, tcpdump and
// `ip4ref replay` read. https://www.tcpdump.org/linktypes.html:
//   LINKTYPE_RAW (101)   "Raw IP; the packet begins with an IPv4 or IPv6 header"
//   LINKTYPE_IPV4 (228)  "Raw IPv4; the packet begins with an IPv4 header"
//   LINKTYPE_ETHERNET (1), with any number of 802.1Q / 802.1ad tags
//   LINKTYPE_LINUX_SLL (113), LINKTYPE_LINUX_SLL2 (276): Linux cooked captures
// Frames that carry something other than IPv4 (IPv6, ARP, ...) are skipped
// and counted; any other link type is refused at open().
//
// Time. The library reads no clock here: the capture's timestamps are the
// stack's clock. The link holds an Instant `now`, set by the caller
// (set_now); read() releases only packets stamped at or before it, and every
// written packet is stamped with it. run_from_capture() below sets `now` to
// each packet's timestamp in turn, and to reassembly deadlines between and
// after them, so a reply carries the timestamp of the request that caused it
// and an ICMP time exceeded the deadline that fired. A timestamp earlier than
// `now` (a capture out of order) is released at `now` and counted
// (time-went-back): the stack's clock never goes back.
//
// Bad input never crashes and never hangs: open() fails with one line naming
// the file; a bad record mid-file ends reading with error() =
// "FILE: packet N at byte offset M: <why>", the reason counted
// (bad-record), and read() says kError once (the stack counts
// link-read-error); the packets before it were delivered.
//
// libpcap is an optional dependency of the library: built without it (no
// libpcap-dev), open() fails with a message saying so and
// pcap_link_available() is false.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "ip4ref/link.h"
#include "ip4ref/time.h"

namespace ip4ref {

class Stack;

// Why a capture record was skipped, cut or stamped differently from the file,
// or a write refused. Stable names (to_string) for counters and tests.
enum class PcapLinkReason {
  kNotIpv4,              // "not-ipv4": the frame carries another protocol; skipped
  kTruncatedLinkHeader,  // "truncated-link-header": the frame ends inside its link header; skipped
  kSnapped,              // "snapped": captured shorter than on the wire; passed as captured
  kOverMtu,              // "over-mtu": longer than the link MTU; cut to it (Link::read contract)
  kTimeWentBack,         // "time-went-back": stamped before `now`; released at `now`
  kBadRecord,            // "bad-record": libpcap could not read a record; reading stopped
  kWriteOverMtu,         // "write-over-mtu": the stack wrote more than the MTU; refused (EMSGSIZE)
  kCount
};
inline constexpr std::size_t kPcapLinkReasonCount = static_cast<std::size_t>(PcapLinkReason::kCount);
std::string_view to_string(PcapLinkReason r);

struct PcapLinkStats {
  std::uint64_t records = 0;          // capture records read (every link type, every protocol)
  std::uint64_t packets_read = 0;     // IPv4 packets handed to the stack
  std::uint64_t packets_written = 0;  // packets written to the output capture
  std::array<std::uint64_t, kPcapLinkReasonCount> by_reason{};
  std::uint64_t count(PcapLinkReason r) const { return by_reason[static_cast<std::size_t>(r)]; }
};
// "name value" lines: "pcap.records 12", reasons only when non-zero as
// "pcap.not-ipv4 1".
std::string to_string(const PcapLinkStats& s);

struct PcapLinkOptions {
  std::string input;   // capture to read; empty: the link never has a packet to read
  std::string output;  // LINKTYPE_IPV4 pcap to create (truncated); empty: writes are only counted
  std::size_t mtu = 1500;  // octets, 68..65535: what the stack fragments to
};

// False when the library was built without libpcap.
bool pcap_link_available();

class PcapLink final : public Link {
 public:
  // nullptr with `error` = "FILE: why" (missing, not a capture, truncated
  // file header, unsupported link type, output not creatable), or a bad MTU.
  static std::unique_ptr<PcapLink> open(const PcapLinkOptions& options, std::string* error);
  ~PcapLink() override;
  PcapLink(const PcapLink&) = delete;
  PcapLink& operator=(const PcapLink&) = delete;

  std::size_t mtu() const override { return mtu_; }
  // The next IPv4 packet stamped at or before now(), cut to the frame;
  // kWouldBlock when the next one is later, or at the end of the capture;
  // kError (EIO) once after a bad record.
  LinkIo read(MutableBytes frame) override;
  // Appends the packet to the output capture, stamped now(). EMSGSIZE over
  // the MTU.
  LinkIo write(MutableBytes frame) override;
  std::string name() const override;

  // The link's clock (see "Time" above). Never goes back: an earlier value
  // is ignored.
  void set_now(Instant now);
  Instant now() const { return now_; }
  // Timestamp of the next packet to read (nullopt at the end or after an
  // error); clamped up to now().
  std::optional<Instant> next_arrival() const;
  // True once every record was read, or reading stopped at a bad record.
  bool input_done() const;

  // Empty, or the one line that says why reading stopped early.
  const std::string& error() const { return error_; }
  PcapLinkStats stats() const { return stats_; }

  // Flushes and closes the output capture; false with `error` = "FILE: why"
  // when writing failed (disk full). Also done, unchecked, by the destructor.
  bool close_output(std::string* error);

  struct Impl;  // the libpcap handles (pcap_link.cpp)

 private:
  PcapLink(std::unique_ptr<Impl> impl, std::size_t mtu);
  bool load_next();
  void count_release(std::size_t packet_size);
  void note_error(const std::string& why);

  std::unique_ptr<Impl> impl_;
  std::size_t mtu_;
  Instant now_;
  PcapLinkStats stats_;
  std::string error_;
  bool error_reported_ = false;
};

// How run_from_capture ends.
struct CaptureRunOptions {
  // After the last packet, keep advancing the clock to each reassembly
  // deadline until none is left, so every incomplete datagram times out (and
  // the stack sends ICMP time exceeded where it should). False: stop at the
  // last packet's timestamp.
  bool finish_timers = true;
};

struct CaptureRunResult {
  std::optional<Instant> first;  // the clock's first and last values (nullopt: empty capture)
  Instant last;
  std::uint64_t rounds = 0;  // clock steps taken
  std::string error;         // the link's error(), or why the run stopped; empty when fine
  bool ok() const { return error.empty(); }
};

// Drives `stack` (deterministic mode, built on `link`) through the whole
// input capture with the capture's timestamps as its clock: at each step the
// clock goes to the earlier of the next packet's timestamp and the next
// reassembly deadline, and the stack is polled until nothing moves. A pure
// function of the capture and the config: no clock is read.
CaptureRunResult run_from_capture(Stack& stack, PcapLink& link,
                                  const CaptureRunOptions& options = {});

}  // namespace ip4ref
