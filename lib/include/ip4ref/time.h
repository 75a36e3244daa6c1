// time.h: Instant and Duration, the library's only notion of time.
//
// The library reads no clock (DESIGN.md "Time is a parameter"): every function
// that needs the time takes an Instant. Replay takes it from pcap timestamps,
// fuzzing from the trace, tests from a manual clock. Both types count
// nanoseconds in a signed 64-bit integer (about 292 years of range).
#pragma once

#include <compare>
#include <cstdint>
#include <limits>

namespace ip4ref {

constexpr std::int64_t saturate_add(std::int64_t a, std::int64_t b) {
  std::int64_t out = 0;
  if (__builtin_add_overflow(a, b, &out)) {
    return b > 0 ? std::numeric_limits<std::int64_t>::max()
                 : std::numeric_limits<std::int64_t>::min();
  }
  return out;
}

class Duration {
 public:
  constexpr Duration() = default;
  static constexpr Duration nanoseconds(std::int64_t ns) { return Duration{ns}; }
  static constexpr Duration microseconds(std::int64_t us) { return Duration{us * 1000}; }
  static constexpr Duration milliseconds(std::int64_t ms) { return Duration{ms * 1000000}; }
  static constexpr Duration seconds(std::int64_t s) { return Duration{s * 1000000000}; }

  constexpr std::int64_t ns() const { return ns_; }
  constexpr auto operator<=>(const Duration&) const = default;
  constexpr Duration operator+(Duration o) const { return Duration{ns_ + o.ns_}; }
  constexpr Duration operator-(Duration o) const { return Duration{ns_ - o.ns_}; }

 private:
  constexpr explicit Duration(std::int64_t ns) : ns_(ns) {}
  std::int64_t ns_ = 0;
};

class Instant {
 public:
  constexpr Instant() = default;
  static constexpr Instant from_ns(std::int64_t ns) { return Instant{ns}; }

  constexpr std::int64_t ns() const { return ns_; }
  constexpr auto operator<=>(const Instant&) const = default;
  // Saturating: an Instant near the end of the axis plus a timeout stays at
  // the end instead of overflowing (signed overflow would be undefined).
  constexpr Instant operator+(Duration d) const { return Instant{saturate_add(ns_, d.ns())}; }
  constexpr Instant operator-(Duration d) const {
    return d.ns() == std::numeric_limits<std::int64_t>::min()
               ? Instant{saturate_add(saturate_add(ns_, std::numeric_limits<std::int64_t>::max()), 1)}
               : Instant{saturate_add(ns_, -d.ns())};
  }
  constexpr Duration operator-(Instant o) const { return Duration::nanoseconds(ns_ - o.ns_); }

 private:
  constexpr explicit Instant(std::int64_t ns) : ns_(ns) {}
  std::int64_t ns_ = 0;
};

}  // namespace ip4ref
