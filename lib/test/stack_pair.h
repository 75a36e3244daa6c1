// stack_pair.h (tests only): two stacks joined by a MemoryLink, a link end
// driven by hand, and helpers to run deterministic polls until nothing moves.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "ip4ref/memory_link.h"
#include "ip4ref/stack.h"

namespace ip4ref::test {

inline constexpr std::uint32_t kAddrA = 0xc0000201;  // 192.0.2.1 (RFC 5737 TEST-NET-1)
inline constexpr std::uint32_t kAddrB = 0xc0000202;  // 192.0.2.2

inline StackConfig config_for(std::uint32_t address, const std::string& engine = "ref") {
  StackConfig c;
  c.addresses.push_back(Ipv4Prefix{address, 24});
  c.engine = engine;
  return c;
}

inline std::unique_ptr<Stack> make_stack(Link& link, const StackConfig& config) {
  std::string error;
  std::unique_ptr<Stack> stack = Stack::create(link, config, &error);
  EXPECT_TRUE(stack) << error;
  return stack;
}

// Polls every stack at `now` until a whole round moves nothing.
inline void settle(std::initializer_list<Stack*> stacks, Instant now) {
  for (int round = 0; round < 1000000; ++round) {
    bool progress = false;
    for (Stack* s : stacks) {
      if (s->poll(now)) {
        progress = true;
      }
    }
    if (!progress) {
      return;
    }
  }
  ADD_FAILURE() << "stacks did not settle";
}

// Everything waiting at a hand-driven link end, oldest first.
inline std::vector<std::vector<std::uint8_t>> drain(Link& end) {
  std::vector<std::vector<std::uint8_t>> packets;
  std::vector<std::uint8_t> buffer(end.headroom() + end.mtu());
  while (true) {
    const LinkIo io = end.read(buffer);
    if (io.status != LinkStatus::kOk) {
      return packets;
    }
    packets.emplace_back(buffer.begin() + static_cast<std::ptrdiff_t>(end.headroom()),
                         buffer.begin() + static_cast<std::ptrdiff_t>(end.headroom() + io.length));
  }
}

// A recognisable payload: octet i is (i * 7 + seed) mod 256.
inline std::vector<std::uint8_t> pattern(std::size_t n, std::uint8_t seed = 0) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) {
    v[i] = static_cast<std::uint8_t>(i * 7 + seed);
  }
  return v;
}

// A Link that passes everything through to another and keeps a copy of
// every packet written (to look at what a stack put on the wire).
class RecordingLink final : public Link {
 public:
  explicit RecordingLink(Link& inner) : inner_(inner) {}
  std::size_t headroom() const override { return inner_.headroom(); }
  std::size_t mtu() const override { return inner_.mtu(); }
  LinkIo read(MutableBytes frame) override { return inner_.read(frame); }
  LinkIo write(MutableBytes frame) override {
    const LinkIo io = inner_.write(frame);
    if (io.status == LinkStatus::kOk) {
      written.emplace_back(frame.begin() + static_cast<std::ptrdiff_t>(headroom()), frame.end());
    }
    return io;
  }
  std::string name() const override { return "recording:" + inner_.name(); }

  std::vector<std::vector<std::uint8_t>> written;

 private:
  Link& inner_;
};

// Two stacks, A (192.0.2.1/24) and B (192.0.2.2/24), on a memory link.
struct StackPair {
  explicit StackPair(std::size_t mtu, StackConfig a_config = config_for(kAddrA),
                     StackConfig b_config = config_for(kAddrB), std::size_t link_capacity = 256) {
    auto ends = MemoryLink::make_pair({.mtu = mtu, .capacity = link_capacity});
    end_a = std::move(ends.first);
    end_b = std::move(ends.second);
    rec_a = std::make_unique<RecordingLink>(*end_a);
    rec_b = std::make_unique<RecordingLink>(*end_b);
    a = make_stack(*rec_a, a_config);
    b = make_stack(*rec_b, b_config);
  }
  void settle(Instant now) { test::settle({a.get(), b.get()}, now); }

  std::unique_ptr<MemoryLink> end_a, end_b;
  std::unique_ptr<RecordingLink> rec_a, rec_b;
  std::unique_ptr<Stack> a, b;
};

}  // namespace ip4ref::test
