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
//
// ip4ref's reader is driven one of three ways, chosen by the input's size
// modulo 3, so that each input exercises one: next() with the per-record
// fast path (capture_reader.h next_fast), next() with every record through
// the general path (use_fast_path(false)), or for_each() (the replay loop's
// way, fast path).
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

enum class Way { kNextFast, kNextGeneral, kForEach };

// `na` / `pa`: what `a` returned; checked against b's next record. True
// while there are records to come.
bool agree(CaptureReader& a, CaptureReader::Next na, const CapturedPacket& pa, CaptureReader& b,
           CapturedPacket& pb) {
  const auto nb = b.next(pb);
  if (na != nb) {
    difference("status", na == CaptureReader::Next::kError ? a.error() : describe(pa),
               nb == CaptureReader::Next::kError ? b.error() : describe(pb));
  }
  if (na == CaptureReader::Next::kEnd) {
    return false;
  }
  if (na == CaptureReader::Next::kError) {
    if (a.error() != b.error()) {
      difference("error", a.error(), b.error());
    }
    return false;
  }
  const std::string da = describe(pa);
  const std::string db = describe(pb);
  if (da != db) {
    difference("record", da, db);
  }
  if (!same_octets(pa.frame, pb.frame)) {
    difference("frame", da, db);
  }
  return true;
}

void compare_records(CaptureReader& a, CaptureReader& b, Way way) {
  CapturedPacket pa;
  CapturedPacket pb;
  if (way == Way::kForEach) {
    std::size_t seen = 0;
    const auto na = a.for_each(pa, [&](const CapturedPacket& p) {
      return agree(a, CaptureReader::Next::kPacket, p, b, pb) && ++seen < kMaxRecords;
    });
    if (na != CaptureReader::Next::kPacket) {
      agree(a, na, pa, b, pb);  // the end or the error must agree too
    }
    return;
  }
  a.use_fast_path(way == Way::kNextFast);
  for (std::size_t i = 0; i < kMaxRecords; ++i) {
    if (!agree(a, a.next(pa), pa, b, pb)) {
      return;
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
  fuzz::compare_records(*a, *b, static_cast<fuzz::Way>(size % 3));
  return 0;
}
