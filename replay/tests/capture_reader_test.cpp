// capture_reader_test.cpp: CaptureReader's per-record fast path
// (capture_reader.h next_fast / for_each) must yield exactly what the
// general path (next_savefile) and libpcap yield for the same octets: every
// field of every record, the stopping status and the error message. The
// captures are built here, in both byte orders and both precisions, with
// the records the fast path leaves to the general path (longer than the
// snapshot, cut short, a header cut short) and, in a mapped file, records
// that straddle the 4 MiB window (capture_bytes.h).
#include "capture_reader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "hex_view.h"

namespace ip4ref::replay {
namespace {

struct Record {
  std::uint32_t seconds;
  std::uint32_t fraction;
  std::uint32_t captured;
  std::uint32_t wire;
};

class CaptureBuilder {
 public:
  CaptureBuilder(bool big_endian, bool nanoseconds, std::uint32_t snaplen, std::uint32_t linktype)
      : big_(big_endian) {
    put32(nanoseconds ? 0xa1b23c4d : 0xa1b2c3d4);
    put16(2);
    put16(4);
    put32(0);
    put32(0);
    put32(snaplen);
    put32(linktype);
  }
  // A record whose first octet is `first` (by default IPv4's 0x45), then a
  // pattern that depends on `seed`.
  void add(const Record& r, std::uint32_t seed, std::uint8_t first = 0x45) {
    put32(r.seconds);
    put32(r.fraction);
    put32(r.captured);
    put32(r.wire);
    for (std::uint32_t i = 0; i < r.captured; ++i) {
      bytes_.push_back(i == 0 ? first : static_cast<std::uint8_t>(seed * 31 + i));
    }
  }
  void add_raw(std::initializer_list<std::uint8_t> octets) {
    bytes_.insert(bytes_.end(), octets.begin(), octets.end());
  }
  const std::vector<std::uint8_t>& bytes() const { return bytes_; }

 private:
  void put16(std::uint16_t v) {
    const std::uint8_t a = static_cast<std::uint8_t>(v >> 8);
    const std::uint8_t b = static_cast<std::uint8_t>(v);
    bytes_.insert(bytes_.end(), big_ ? std::initializer_list<std::uint8_t>{a, b}
                                     : std::initializer_list<std::uint8_t>{b, a});
  }
  void put32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) {
      const int shift = big_ ? 24 - 8 * i : 8 * i;
      bytes_.push_back(static_cast<std::uint8_t>(v >> shift));
    }
  }
  bool big_;
  std::vector<std::uint8_t> bytes_;
};

// Every field of a record, the frame's octets (length and FNV-1a) and where
// the IPv4 packet starts.
std::string describe(const CapturedPacket& p) {
  std::string s =
      "packet " + std::to_string(p.number) + " offset " + std::to_string(p.file_offset) + " time " +
      std::to_string(p.timestamp.ns()) + " wire " + std::to_string(p.wire_length) + " link " +
      std::to_string(static_cast<int>(p.link.kind)) + " ip at " +
      std::to_string(p.link.kind == LinkPayload::kIpv4 ? p.link.ipv4.data() - p.frame.data() : -1) +
      " ip length " + std::to_string(p.link.ipv4.size()) + " frame " +
      std::to_string(p.frame.size()) + " fnv1a64 " + std::to_string(fnv1a64(p.frame));
  return s;
}

enum class Way { kNext, kNextGeneral, kForEach, kLibpcap };

// Every record `r` yields, described, by next() or by for_each(), then how
// reading ended.
std::vector<std::string> drain(CaptureReader& r, bool use_for_each) {
  std::vector<std::string> out;
  CapturedPacket p;
  CaptureReader::Next next;
  if (use_for_each) {
    next = r.for_each(p, [&](const CapturedPacket& q) {
      out.push_back(describe(q));
      return true;
    });
  } else {
    while ((next = r.next(p)) == CaptureReader::Next::kPacket) {
      out.push_back(describe(p));
    }
  }
  out.push_back(next == CaptureReader::Next::kEnd ? "end" : "error: " + r.error());
  return out;
}

// All records of `data` read one way, then the final status and error.
std::vector<std::string> read_all(Bytes data, Way way) {
  std::string error;
  auto r = CaptureReader::open_memory(
      data, "mem.pcap", error, way == Way::kLibpcap ? ReaderChoice::kLibpcap : ReaderChoice::kAuto);
  if (!r) {
    return {"open: " + error};
  }
  r->use_fast_path(way != Way::kNextGeneral);
  std::vector<std::string> out = drain(*r, way == Way::kForEach);
  out.push_back("packets " + std::to_string(r->packets()));
  return out;
}

void expect_all_ways_agree(const std::vector<std::uint8_t>& capture, std::size_t records) {
  const Bytes data(capture.data(), capture.size());
  const auto general = read_all(data, Way::kNextGeneral);
  ASSERT_EQ(general.size(), records + 2) << general.front();
  EXPECT_EQ(read_all(data, Way::kNext), general);
  EXPECT_EQ(read_all(data, Way::kForEach), general);
  EXPECT_EQ(read_all(data, Way::kLibpcap), general);
}

struct Format {
  const char* name;
  bool big_endian;
  bool nanoseconds;
};
constexpr Format kFormats[] = {{"little micro", false, false},
                               {"little nano", false, true},
                               {"big micro", true, false},
                               {"big nano", true, true}};

TEST(CaptureReaderFastPath, SameRecordsAsTheGeneralPathAndLibpcapInEveryFormat) {
  for (const Format& f : kFormats) {
    SCOPED_TRACE(f.name);
    CaptureBuilder b(f.big_endian, f.nanoseconds, 200, 228);  // LINKTYPE_IPV4
    b.add({1'700'000'000, 999'999, 60, 60}, 1);
    b.add({1'700'000'001, 5, 100, 1500}, 2);         // snapped: shorter than the wire
    b.add({1'700'000'001, 0x80000000u, 20, 20}, 3);  // fraction with the top bit set
    b.add({0x80000001u, 7, 40, 40}, 4);              // seconds with the top bit set
    b.add({1'700'000'002, 1, 0, 0}, 5);              // empty frame: link-truncated
    b.add({1'700'000'003, 2, 250, 250}, 6);          // longer than the snapshot (200)
    b.add({1'700'000'004, 3, 200, 300}, 7);          // exactly the snapshot
    expect_all_ways_agree(b.bytes(), 7);
  }
}

// The link types for_each() gives a loop of their own (raw IP) and one it
// decodes per record (Ethernet, cooked, loopback), with frames that are and
// are not IPv4.
TEST(CaptureReaderFastPath, EveryLinkTypeLoopDecodesAsTheGeneralPath) {
  for (const std::uint32_t linktype : {228u, 101u, 1u, 113u, 276u, 0u, 108u, 229u}) {
    SCOPED_TRACE("LINKTYPE " + std::to_string(linktype));
    CaptureBuilder b(false, true, 65535, linktype);
    std::uint32_t n = 0;
    for (const int first : {0x45, 0x60, 0x02, 0x00}) {
      for (const std::uint32_t length : {0u, 1u, 4u, 14u, 16u, 20u, 24u, 60u}) {
        b.add({1'700'000'000, n, length, length}, n, static_cast<std::uint8_t>(first));
        ++n;
      }
    }
    expect_all_ways_agree(b.bytes(), n);
  }
}

TEST(CaptureReaderFastPath, ErrorsComeFromTheGeneralPathWithTheSameWords) {
  for (const Format& f : kFormats) {
    SCOPED_TRACE(f.name);
    CaptureBuilder cut(f.big_endian, f.nanoseconds, 65535, 1);  // Ethernet
    cut.add({10, 1, 60, 60}, 1);
    cut.add({11, 2, 60, 60}, 2);
    std::vector<std::uint8_t> bytes = cut.bytes();
    bytes.resize(bytes.size() - 10);  // the second record cut short
    expect_all_ways_agree(bytes, 1);

    CaptureBuilder header(f.big_endian, f.nanoseconds, 65535, 1);
    header.add({10, 1, 60, 60}, 1);
    header.add_raw({1, 2, 3, 4, 5});  // a record header cut short
    expect_all_ways_agree(header.bytes(), 1);

    CaptureBuilder huge(f.big_endian, f.nanoseconds, 65535, 101);  // LINKTYPE_RAW
    huge.add({10, 1, 60, 60}, 1);
    huge.add({11, 1, 300'000, 300'000}, 2);  // above libpcap's maximum: an error
    expect_all_ways_agree(huge.bytes(), 1);
  }
}

// A mapped file of more than one 4 MiB window: records that straddle a
// window's end go through the general path, which maps the next window; the
// fast path takes over again after it.
TEST(CaptureReaderFastPath, RecordsAcrossMappedWindowsInAFile) {
  CaptureBuilder b(false, true, 65535, 228);
  std::size_t records = 0;
  while (b.bytes().size() < 3 * CaptureBytes::kReleaseEvery + 4096) {
    const auto n = static_cast<std::uint32_t>(records);
    b.add({1'700'000'000 + n / 1000, n * 997 % 1'000'000'000, 1000 + n % 577, 1600}, n);
    ++records;
  }
  char path[] = "/tmp/ip4ref-capture-reader-test-XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  const auto& bytes = b.bytes();
  ASSERT_EQ(::write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  ::close(fd);
  const auto from_file = [&](bool fast, bool for_each) {
    std::string error;
    auto r = CaptureReader::open(path, error);
    if (!r) {
      return std::vector<std::string>{"open: " + error};
    }
    r->use_fast_path(fast);
    return drain(*r, for_each);
  };
  const auto general = from_file(false, false);
  EXPECT_EQ(general.size(), records + 1);
  EXPECT_EQ(from_file(true, false), general);
  EXPECT_EQ(from_file(true, true), general);
  EXPECT_EQ(read_all(Bytes(bytes.data(), bytes.size()), Way::kLibpcap).size(), records + 2);
  ::unlink(path);
}

// for_each stops when the visitor says so, with the record it stopped at read.
TEST(CaptureReaderFastPath, ForEachStopsWhenTheVisitorReturnsFalse) {
  CaptureBuilder b(false, false, 65535, 228);
  for (std::uint32_t i = 0; i < 10; ++i) {
    b.add({100 + i, i, 40, 40}, i);
  }
  std::string error;
  auto r = CaptureReader::open_memory(Bytes(b.bytes().data(), b.bytes().size()), "mem.pcap", error);
  ASSERT_TRUE(r) << error;
  CapturedPacket p;
  std::uint64_t seen = 0;
  const auto next = r->for_each(p, [&](const CapturedPacket& q) { return ++seen < 4 && q.number; });
  EXPECT_EQ(next, CaptureReader::Next::kPacket);
  EXPECT_EQ(seen, 4u);
  EXPECT_EQ(p.number, 4u);
  EXPECT_EQ(p.timestamp.ns(), 103'000'003'000);  // microseconds scaled to nanoseconds
  EXPECT_EQ(r->packets(), 4u);
  ASSERT_EQ(r->next(p), CaptureReader::Next::kPacket);
  EXPECT_EQ(p.number, 5u);
}

}  // namespace
}  // namespace ip4ref::replay
