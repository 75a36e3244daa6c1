// reassembly_engine.h: the contract every reassembler keeps (DESIGN.md
// "Contracts that every engine keeps"): ref, fast, and third-party adapters.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ip4ref/bytes.h"
#include "ip4ref/engine.h"
#include "ip4ref/events.h"
#include "ip4ref/reassembly_config.h"
#include "ip4ref/reassembly_stats.h"
#include "ip4ref/result.h"
#include "ip4ref/time.h"

namespace ip4ref {

// What an engine can observe: the IP4REF_CAP_* bits of engine.h, plus
// kCapStats for engines whose ReassemblyStats follow the reference's rules
// (native engines). The harness compares only what both engines observe.
inline constexpr std::uint32_t kCapStats = 1u << 16;
inline constexpr std::uint32_t kCapNative = IP4REF_CAP_ALL | kCapStats;

class ReassemblyEngine {
 public:
  virtual ~ReassemblyEngine() = default;

  // Handles one IPv4 packet (no link header) arriving at `now`.
  // First expires every datagram whose deadline is <= now (as expire() does),
  // then emits exactly one of: Delivered (an unfragmented packet, or the
  // fragment completed a datagram), Dropped (the packet is refused), nothing
  // (the fragment was stored), or Discarded events for the datagram it
  // belonged to or for datagrams evicted to make room (possibly followed by
  // the packet's own outcome). Never throws; any bytes are safe.
  virtual void push(Bytes packet, Instant now, EventSink& sink) = 0;

  // Discards (reason kTimeout) every datagram whose deadline is <= now, in
  // deadline order, ties by creation order.
  virtual void expire(Instant now, EventSink& sink) = 0;

  // The earliest deadline of any datagram in progress; nullopt when none.
  virtual std::optional<Instant> next_expiry() const = 0;

  virtual const ReassemblyStats& stats() const = 0;
  virtual const ReassemblyConfig& config() const = 0;
  virtual std::string_view name() const = 0;
  virtual std::uint32_t capabilities() const { return kCapNative; }

  // Puts the engine in the state of a new engine made with `config`: no
  // datagram in progress, every counter zero, creation order counting from 0,
  // config() == config (after the same clamping a constructor does). Memory
  // it allocated may be kept for reuse; nothing else may carry over
  // (props/reset_props.cpp checks ref and fast against new engines). Returns
  // false, changing nothing, when it cannot: the default (adapters and
  // plug-ins), and fast when `config` needs a different buffer layout (a
  // windows / solaris policy and another). The caller then builds a new
  // engine. The fuzz targets reuse engines across executions this way
  // instead of building two per input (fuzz/README.md "Speed").
  virtual bool reset(const ReassemblyConfig& config) {
    static_cast<void>(config);
    return false;
  }
};

// Engines by name: "ref" always; "fast" and adapters as they are built.
// Fails with an empty pointer and a message in `error` for an unknown name.
using EngineFactory = std::unique_ptr<ReassemblyEngine> (*)(const ReassemblyConfig&);

struct EngineInfo {
  std::string name;
  std::string description;
  EngineFactory factory;
};

// Every registered engine, in registration order.
const std::vector<EngineInfo>& engine_registry();

// Adds an engine (adapters call this from their registration function).
void register_engine(EngineInfo info);

// nullptr when `name` is unknown. "so:PATH" loads a plug-in through the C ABI
// of engine.h (dlopen); on failure nullptr, and `error` (if given) says why.
std::unique_ptr<ReassemblyEngine> make_engine(std::string_view name,
                                              const ReassemblyConfig& config,
                                              std::string* error = nullptr);

// The events of `events` that an engine with capabilities `caps` can observe:
// Dropped removed without IP4REF_CAP_DROPPED, Discarded removed without
// IP4REF_CAP_DISCARDED (timeouts kept with IP4REF_CAP_TIMEOUTS), reasons,
// bytes and fragment counts blanked without their bits. Comparing
// observable(a, c) with observable(b, c) for c = caps(a) & caps(b) is how the
// harness compares a plug-in with the reference.
std::vector<RecordedEvent> observable(const std::vector<RecordedEvent>& events,
                                      std::uint32_t caps);

// One line naming what `caps` cannot observe, e.g. "not compared: drop reasons, stats".
std::string describe_missing(std::uint32_t caps);

}  // namespace ip4ref
