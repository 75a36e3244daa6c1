// ci/install-check: a consumer of the installed ip4ref package. Uses the
// reference engine as an oracle on a few cases the design fixes exactly and
// exits non-zero when any of them does not hold.
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "ip4ref/bytes.h"
#include "ip4ref/checksum.h"
#include "ip4ref/events.h"
#include "ip4ref/pcap_link.h"
#include "ip4ref/reassembly_config.h"
#include "ip4ref/reassembly_engine.h"
#include "ip4ref/time.h"

namespace {

int failures = 0;

void check(bool ok, const char* what) {
  std::printf("%s %s\n", ok ? "ok  " : "FAIL", what);
  if (!ok) {
    ++failures;
  }
}

// An IPv4 packet 192.0.2.1 -> 192.0.2.2, protocol 17, id 0x1234, no options,
// carrying `payload` at fragment offset `offset` (octets), header checksum set.
std::vector<std::uint8_t> packet(const std::vector<std::uint8_t>& payload,
                                 std::uint16_t offset, bool more_fragments) {
  std::vector<std::uint8_t> p(20 + payload.size());
  ip4ref::MutableBytes b{p};
  b[0] = 0x45;  // version 4, IHL 5
  ip4ref::store_be16(b, 2, static_cast<std::uint16_t>(p.size()));
  ip4ref::store_be16(b, 4, 0x1234);
  ip4ref::store_be16(b, 6,
                     static_cast<std::uint16_t>((more_fragments ? 0x2000 : 0) | (offset / 8)));
  b[8] = 64;  // TTL
  b[9] = 17;  // UDP
  ip4ref::store_be32(b, 12, 0xc0000201);  // 192.0.2.1
  ip4ref::store_be32(b, 16, 0xc0000202);  // 192.0.2.2
  ip4ref::store_be16(b, 10, ip4ref::internet_checksum(ip4ref::Bytes{p}.first(20)));
  for (std::size_t i = 0; i < payload.size(); ++i) {
    p[20 + i] = payload[i];
  }
  return p;
}

std::vector<std::uint8_t> slice(const std::vector<std::uint8_t>& v, std::size_t begin,
                                std::size_t end) {
  return {v.begin() + static_cast<std::ptrdiff_t>(begin),
          v.begin() + static_cast<std::ptrdiff_t>(end)};
}

void check_checksum() {
  // RFC 1071 3: the words 0001 f203 f4f5 f6f7 sum to ddf2; the checksum is ~ddf2.
  const std::uint8_t rfc1071[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  check(ip4ref::internet_checksum(rfc1071) == 0x220d, "internet_checksum: RFC 1071 example");
  const auto p = packet({1, 2, 3, 4}, 0, false);
  check(ip4ref::internet_checksum(ip4ref::Bytes{p}.first(20)) == 0,
        "internet_checksum: a header with its checksum set verifies to 0");
}

void check_reassembly(ip4ref::ReassemblyEngine& engine) {
  std::vector<std::uint8_t> payload(24);
  for (std::size_t i = 0; i < payload.size(); ++i) {
    payload[i] = static_cast<std::uint8_t>(i);
  }
  const auto whole = packet(payload, 0, false);
  const auto first = packet(slice(payload, 0, 16), 0, true);
  const auto last = packet(slice(payload, 16, 24), 16, false);
  const auto t0 = ip4ref::Instant::from_ns(1'000'000'000);
  ip4ref::EventLog log;

  engine.push(whole, t0, log);
  check(log.events().size() == 1 &&
            log.events()[0].kind == ip4ref::RecordedEvent::Kind::kDelivered &&
            log.events()[0].fragment_count == 1 && log.events()[0].bytes == whole,
        "an unfragmented packet passes through as Delivered, count 1");

  log.clear();
  engine.push(last, t0, log);
  check(log.events().empty(), "the last fragment alone is stored, no event");
  engine.push(first, t0 + ip4ref::Duration::milliseconds(5), log);
  check(log.events().size() == 1 &&
            log.events()[0].kind == ip4ref::RecordedEvent::Kind::kDelivered &&
            log.events()[0].fragment_count == 2 && log.events()[0].bytes == whole,
        "two fragments out of order reassemble into the original datagram");

  log.clear();
  engine.push(first, t0, log);
  check(engine.next_expiry() == t0 + engine.config().timeout,
        "a lone fragment's deadline is its arrival + timeout");
  engine.expire(t0 + engine.config().timeout, log);
  check(log.events().size() == 1 &&
            log.events()[0].kind == ip4ref::RecordedEvent::Kind::kDiscarded &&
            log.events()[0].reason == ip4ref::Reason::kTimeout &&
            log.events()[0].first_fragment_seen,
        "at its deadline the datagram is Discarded for timeout, first fragment seen");
  for (const auto& e : log.events()) {
    std::printf("     event: %s\n", ip4ref::to_string(e).c_str());
  }
}

}  // namespace

// PcapLink links against libpcap when the library was built with it: the
// exported package must bring that dependency along (ip4refConfig.cmake).
void check_pcap_link() {
  if (!ip4ref::pcap_link_available()) {
    std::printf("     PcapLink: not built (no libpcap when ip4ref was built)\n");
    return;
  }
  const std::vector<std::uint8_t> p = packet({1, 2, 3, 4, 5, 6, 7, 8}, 0, false);
  std::string error;
  std::unique_ptr<ip4ref::PcapLink> link = ip4ref::PcapLink::open({"", "", 1500}, &error);
  check(link != nullptr, "PcapLink::open with no files");
  if (link != nullptr) {
    check(ip4ref::write_packet(*link, p).status == ip4ref::LinkStatus::kOk &&
              link->stats().packets_written == 1,
          "PcapLink counts a written packet");
  }
  check(ip4ref::PcapLink::open({"/nonexistent/in.pcap", "", 1500}, &error) == nullptr &&
            error.rfind("/nonexistent/in.pcap: ", 0) == 0,
        "PcapLink::open names a missing capture");
}

int main() {
  check_checksum();
  check_pcap_link();

  for (const auto& info : ip4ref::engine_registry()) {
    std::printf("     engine %s: %s\n", info.name.c_str(), info.description.c_str());
  }
  check(ip4ref::make_engine("no-such-engine", {}) == nullptr,
        "make_engine: an unknown name gives nullptr");
  std::unique_ptr<ip4ref::ReassemblyEngine> engine = ip4ref::make_engine("ref", {});
  check(engine != nullptr, "make_engine(\"ref\", {}) gives an engine");
  if (engine != nullptr) {
    check(engine->name() == "ref", "the engine calls itself ref");
    check_reassembly(*engine);
  }

  if (failures != 0) {
    std::printf("ip4ref install check: %d failure(s)\n", failures);
    return 1;
  }
  std::printf("ip4ref install check: ok\n");
  return 0;
}
