// stack_lockstep.h: two whole stacks in lockstep for the `stack` fuzz target
// (fuzz/README.md): one on the reference engine and fragmenter, one on the
// candidate (fuzz_support.h make_candidate's name, "fast" by default, with the
// fast fragmenter), each over its own MemoryLink whose other end this driver
// holds. Deterministic: one thread, poll mode, time from the trace clock.
//
// After every record (stack_input.h says what each one does) both stacks are
// polled at `now` until nothing moves and the driver has read everything they
// wrote; then it compares
//   - the packets each stack put on the link (octets, in order),
//   - the datagrams delivered to registered handlers (raw, ICMP, UDP),
//   - the SendResult of a send,
//   - StackStats (every counter, pools and the engine's stats) and next_timer(),
// and checks invariants on the reference stack: every packet written is at
// most the MTU, parses, has a correct header checksum and total length = its
// size, comes from a local address with TTL 64, and (unfragmented ICMP / UDP)
// carries a correct transport checksum; every delivered datagram is whole
// with a valid header; every packet injected was received, and
//   in_receives = in_delivers_unfragmented + in_fragments + in_hdr_errors + in_addr_errors.
// A failure prints the trace up to the record, both sides' output for it, and
// aborts through report() with a stable signature
// ("stack-ref-fast-emitted-difference", "stack-invariant-emitted-bad-checksum").
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ip4ref/memory_link.h"
#include "ip4ref/stack.h"
#include "stack_input.h"

namespace ip4ref::fuzz {

// One datagram a handler was given, as the driver saw it.
struct Delivery {
  char kind = 'r';  // 'r' raw protocol handler, 'i' ICMP handler, 'u' UDP receiver
  std::uint32_t fragment_count = 0;
  std::uint16_t source_port = 0;  // UDP only
  std::uint16_t destination_port = 0;
  std::vector<std::uint8_t> bytes;  // the whole datagram (raw, ICMP) or the UDP payload
  bool operator==(const Delivery&) const = default;
};

class StackLockstep {
 public:
  explicit StackLockstep(const StackInput& input);
  ~StackLockstep();
  StackLockstep(const StackLockstep&) = delete;
  StackLockstep& operator=(const StackLockstep&) = delete;

  void run();

 private:
  struct Side {
    std::string name;
    std::unique_ptr<MemoryLink> driver;      // the end this harness reads and writes
    std::unique_ptr<MemoryLink> stack_link;  // the stack's end
    std::unique_ptr<Stack> stack;
    std::vector<std::vector<std::uint8_t>> emitted;  // this record's packets, in order
    std::vector<Delivery> delivered;                 // this record's deliveries
    SendResult sent;
    std::uint64_t injected = 0;
    std::uint64_t emitted_total = 0;
  };

  void build(Side& side, const std::string& engine, const std::string& fragmenter);
  void step(const trace::Record& record);
  void send(Side& side, const trace::FragmentSpec& spec);
  void inject(Side& side, Bytes packet);
  void settle(Side& side);
  void compare();
  void compare_send();
  void check_invariants(const Side& side);
  void check_emitted(const Side& side, Bytes packet);
  void check_delivered(const Delivery& d);
  std::string pair() const;
  std::string describe() const;
  [[noreturn]] void fail(const std::string& signature, const std::string& why) const;

  const StackInput& input_;
  std::array<Side, 2> sides_;  // [0] reference, [1] candidate
  trace::TraceClock clock_;
  std::vector<std::uint8_t> packet_;
  std::vector<std::uint8_t> buffer_;
  std::size_t index_ = 0;
  bool was_send_ = false;
  bool udp_sent_ = false;
};

// A packet in one line: "len 84 192.0.2.2>192.0.2.1 proto 1 id 0x0001 off 0 MF"
// + the first octets in hex.
std::string describe_packet(Bytes packet);

}  // namespace ip4ref::fuzz
