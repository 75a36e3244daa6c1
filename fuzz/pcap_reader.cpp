// pcap_reader: arbitrary bytes as a capture file, read by the replay tool's
// CaptureReader (replay/capture_reader.h) from memory, with every frame's
// link layer decoded (replay/link_decoder.h).
//
// Differential: the same bytes are read twice, by ip4ref's in-place
// savefile reader (ReaderChoice::kAuto: classic pcap parsed by
// replay/pcap_savefile.h, the rest by libpcap) and by libpcap alone
// (kLibpcap). Both must open or refuse the file with the same message, and
// then return the same records (number, byte offset, timestamp, wire length,
// frame octets, link decoding) and stop at the same record with the same
// error. A difference aborts with the signature
// `pcap_reader-auto-libpcap-<what>-difference`. ASan/UBSan catch any read
// outside the input.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "capture_reader.h"

namespace ip4ref::fuzz {
namespace {

using replay::CaptureReader;
using replay::CapturedPacket;
using replay::ReaderChoice;

constexpr std::size_t kMaxRecords = 4096;  // inputs are small; bounds the run

[[noreturn]] void difference(const char* what, const std::string& a, const std::string& b) {
  std::fprintf(stderr, "pcap_reader-auto-libpcap-%s-difference\n  auto:    %s\n  libpcap: %s\n",
               what, a.c_str(), b.c_str());
  std::abort();
}

std::string describe(const CapturedPacket& p) {
  const std::ptrdiff_t ip_at =
      p.link.kind == replay::LinkPayload::kIpv4 ? p.link.ipv4.data() - p.frame.data() : -1;
  return "packet " + std::to_string(p.number) + " offset " + std::to_string(p.file_offset) +
         " time " + std::to_string(p.timestamp.ns()) + " wire " + std::to_string(p.wire_length) +
         " captured " + std::to_string(p.frame.size()) + " link " +
         std::to_string(static_cast<int>(p.link.kind)) + " ip at " + std::to_string(ip_at) +
         " ip length " + std::to_string(p.link.ipv4.size());
}

bool same_octets(Bytes a, Bytes b) {
  return a.size() == b.size() && (a.empty() || std::equal(a.begin(), a.end(), b.begin()));
}

void compare_records(CaptureReader& a, CaptureReader& b) {
  CapturedPacket pa;
  CapturedPacket pb;
  for (std::size_t i = 0; i < kMaxRecords; ++i) {
    const auto na = a.next(pa);
    const auto nb = b.next(pb);
    if (na != nb) {
      difference("status", na == CaptureReader::Next::kError ? a.error() : describe(pa),
                 nb == CaptureReader::Next::kError ? b.error() : describe(pb));
    }
    if (na == CaptureReader::Next::kEnd) {
      return;
    }
    if (na == CaptureReader::Next::kError) {
      if (a.error() != b.error()) {
        difference("error", a.error(), b.error());
      }
      return;
    }
    const std::string da = describe(pa);
    const std::string db = describe(pb);
    if (da != db) {
      difference("record", da, db);
    }
    if (!same_octets(pa.frame, pb.frame)) {
      difference("frame", da, db);
    }
  }
}

}  // namespace
}  // namespace ip4ref::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ip4ref;
  const Bytes input(data, size);
  std::string error_a;
  std::string error_b;
  auto a = replay::CaptureReader::open_memory(input, "input", error_a, replay::ReaderChoice::kAuto);
  auto b =
      replay::CaptureReader::open_memory(input, "input", error_b, replay::ReaderChoice::kLibpcap);
  if ((a == nullptr) != (b == nullptr) || error_a != error_b) {
    fuzz::difference("open", a ? "opened" : error_a, b ? "opened" : error_b);
  }
  if (a == nullptr) {
    return 0;
  }
  if (a->link_type() != b->link_type()) {
    fuzz::difference("link-type", std::to_string(a->link_type()), std::to_string(b->link_type()));
  }
  fuzz::compare_records(*a, *b);
  return 0;
}
