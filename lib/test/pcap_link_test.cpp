// pcap_link_test.cpp: a Stack driven offline by PcapLink: fragmented pings
// read from a capture written here, the replies read back from the
// LINKTYPE_IPV4 capture the link writes (count, checksums, bytes,
// timestamps), the reassembly timeout on the capture's clock, and bad
// captures (missing, not a capture, cut file header, cut records, bogus
// record length, unsupported link type, frames that are not IPv4).
//
// The captures are written and read back by hand (the classic pcap format,
// https://www.tcpdump.org/manpages/pcap-savefile.5.txt), independently of
// the libpcap code under test.
#include "ip4ref/pcap_link.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "ip4ref/checksum.h"
#include "ip4ref/fragmenter.h"
#include "ip4ref/icmp.h"
#include "ip4ref/ipv4_header.h"
#include "ip4ref/stack.h"
#include "packet_builder.h"

namespace ip4ref {
namespace {

using Packet = std::vector<std::uint8_t>;

constexpr std::uint32_t kPeer = 0xc0000201;   // 192.0.2.1 (RFC 5737)
constexpr std::uint32_t kStack = 0xc0000202;  // 192.0.2.2
constexpr std::uint32_t kLinkTypeEthernet = 1;
constexpr std::uint32_t kLinkTypeRaw = 101;
constexpr std::uint32_t kLinkTypeIpv4 = 228;
constexpr std::uint32_t kLinkTypeIeee80211 = 105;  // not supported by PcapLink
constexpr std::size_t kFileHeader = 24;
constexpr std::size_t kRecordHeader = 16;

struct Record {
  std::int64_t ns = 0;  // timestamp
  Packet bytes;
};

void put32le(Packet& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) {
    out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
}
void put16le(Packet& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v));
  out.push_back(static_cast<std::uint8_t>(v >> 8));
}
std::uint32_t get32le(const Packet& in, std::size_t at) {
  return std::uint32_t{in[at]} | (std::uint32_t{in[at + 1]} << 8) |
         (std::uint32_t{in[at + 2]} << 16) | (std::uint32_t{in[at + 3]} << 24);
}

// pcap-savefile(5): magic a1b2c3d4 (microsecond timestamps), version 2.4,
// snaplen 65535, the link type; each record: seconds, microseconds, captured
// length, original length, the octets.
Packet pcap_file_bytes(std::uint32_t link_type, const std::vector<Record>& records) {
  Packet out;
  put32le(out, 0xa1b2c3d4);
  put16le(out, 2);
  put16le(out, 4);
  put32le(out, 0);
  put32le(out, 0);
  put32le(out, 65535);
  put32le(out, link_type);
  for (const Record& r : records) {
    put32le(out, static_cast<std::uint32_t>(r.ns / 1'000'000'000));
    put32le(out, static_cast<std::uint32_t>(r.ns % 1'000'000'000 / 1000));
    put32le(out, static_cast<std::uint32_t>(r.bytes.size()));
    put32le(out, static_cast<std::uint32_t>(r.bytes.size()));
    out.insert(out.end(), r.bytes.begin(), r.bytes.end());
  }
  return out;
}

// Every file a test names, removed when it ends (PcapLinkTest::TearDown).
std::vector<std::string>& temp_files() {
  static std::vector<std::string> files;
  return files;
}

std::string temp_path(const std::string& name) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string test = std::string{info->test_suite_name()} + "." + info->name();
  std::replace(test.begin(), test.end(), '/', '_');  // parameterized names have slashes
  const std::string path =
      (std::filesystem::temp_directory_path() / ("ip4ref_pcap_link_" + test + "_" + name)).string();
  temp_files().push_back(path);
  return path;
}

std::string write_file(const std::string& name, const Packet& bytes) {
  const std::string path = temp_path(name);
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return path;
}

Packet read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return Packet{std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

// Reads back what PcapLink wrote: nanosecond magic a1b23c4d, LINKTYPE_IPV4.
std::vector<Record> parse_output(const std::string& path) {
  const Packet file = read_file(path);
  EXPECT_GE(file.size(), kFileHeader);
  if (file.size() < kFileHeader) {
    return {};
  }
  EXPECT_EQ(get32le(file, 0), 0xa1b23c4du) << "nanosecond pcap magic";
  EXPECT_EQ(get32le(file, 20), kLinkTypeIpv4);
  std::vector<Record> out;
  std::size_t at = kFileHeader;
  while (at + kRecordHeader <= file.size()) {
    Record r;
    r.ns = std::int64_t{get32le(file, at)} * 1'000'000'000 + get32le(file, at + 4);
    const std::uint32_t caplen = get32le(file, at + 8);
    EXPECT_EQ(caplen, get32le(file, at + 12)) << "nothing is snapped";
    at += kRecordHeader;
    EXPECT_LE(at + caplen, file.size());
    if (at + caplen > file.size()) {
      break;
    }
    r.bytes.assign(file.begin() + static_cast<std::ptrdiff_t>(at),
                   file.begin() + static_cast<std::ptrdiff_t>(at + caplen));
    at += caplen;
    out.push_back(std::move(r));
  }
  EXPECT_EQ(at, file.size()) << "no trailing octets";
  return out;
}

// A data pattern that differs per ping and per octet.
Packet pattern(std::size_t n, std::uint8_t seed) {
  Packet p(n);
  for (std::size_t i = 0; i < n; ++i) {
    p[i] = static_cast<std::uint8_t>(i * 7 + seed);
  }
  return p;
}

// An echo request from the peer to the stack, fragmented to `mtu`.
std::vector<Packet> echo_request_fragments(std::uint16_t sequence, const Packet& data,
                                           std::size_t mtu) {
  test::FragmentSpec s;
  s.protocol = 1;
  s.source = kPeer;
  s.destination = kStack;
  s.id = static_cast<std::uint16_t>(0x100 + sequence);
  s.payload = make_echo_request(0x4242, sequence, data);
  const FragmentResult r = fragment(test::build(s), mtu);
  EXPECT_TRUE(r.ok());
  return r.fragments;
}

std::unique_ptr<Stack> make_stack(PcapLink& link, const std::string& engine = "ref") {
  StackConfig config;
  config.addresses.push_back(*Ipv4Prefix::parse("192.0.2.2/24"));
  config.engine = engine;
  std::string error;
  std::unique_ptr<Stack> stack = Stack::create(link, config, &error);
  EXPECT_NE(stack, nullptr) << error;
  return stack;
}

std::unique_ptr<PcapLink> open_link(const std::string& in, const std::string& out,
                                    std::size_t mtu = 1500) {
  std::string error;
  std::unique_ptr<PcapLink> link = PcapLink::open({in, out, mtu}, &error);
  EXPECT_NE(link, nullptr) << error;
  return link;
}

// Reassembles the output's datagrams by (identification) from their
// fragments, checking every fragment's header on the way.
std::map<std::uint16_t, Packet> reassemble_output(const std::vector<Record>& records,
                                                  std::size_t mtu) {
  std::map<std::uint16_t, std::map<std::size_t, Packet>> pieces;
  std::map<std::uint16_t, Packet> headers;
  for (const Record& r : records) {
    const Result<Ipv4View> ip = Ipv4View::parse(r.bytes);
    EXPECT_TRUE(ip.has_value());
    if (!ip) {
      continue;
    }
    EXPECT_TRUE(ip->checksum_ok()) << "header checksum of a written packet";
    EXPECT_LE(r.bytes.size(), mtu);
    EXPECT_EQ(ip->source(), kStack);
    EXPECT_EQ(ip->destination(), kPeer);
    const Bytes payload = ip->payload();
    pieces[ip->identification()][ip->fragment_offset()] = Packet{payload.begin(), payload.end()};
    if (ip->fragment_offset() == 0) {
      headers[ip->identification()] = Packet{ip->header().begin(), ip->header().end()};
    }
  }
  std::map<std::uint16_t, Packet> out;
  for (const auto& [id, by_offset] : pieces) {
    Packet data;
    for (const auto& [offset, bytes] : by_offset) {
      EXPECT_EQ(offset, data.size()) << "contiguous fragments of datagram " << id;
      data.insert(data.end(), bytes.begin(), bytes.end());
    }
    out[id] = data;
  }
  return out;
}

class PcapLinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!pcap_link_available()) {
      GTEST_SKIP() << "ip4ref was built without libpcap (libpcap-dev): PcapLink is unavailable";
    }
  }
  void TearDown() override {
    for (const std::string& path : temp_files()) {
      std::error_code ignored;
      std::filesystem::remove(path, ignored);
    }
    temp_files().clear();
  }
};

struct PingCase {
  const char* name;
  std::string engine;
  std::size_t in_mtu;   // the peer's fragment size
  std::size_t out_mtu;  // the link's (the stack's replies)
  std::uint32_t link_type;
};

class PcapLinkPing : public PcapLinkTest, public ::testing::WithParamInterface<PingCase> {};

// Three pings of 1472, 4000 and 8000 octets, the middle one's fragments in
// reverse order, each fragment one second after the ping's first: the stack
// answers each once, with the request's data, stamped when the last fragment
// arrived, fragmented to the link MTU.
TEST_P(PcapLinkPing, AnswersFragmentedPingsFromACapture) {
  const PingCase& c = GetParam();
  const std::vector<std::size_t> sizes = {1472, 4000, 8000};
  std::vector<Record> records;
  std::vector<std::int64_t> completed_at;
  std::size_t fragments_in = 0;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    std::vector<Packet> frags = echo_request_fragments(
        static_cast<std::uint16_t>(i + 1), pattern(sizes[i], static_cast<std::uint8_t>(i)),
        c.in_mtu);
    if (i == 1) {
      std::reverse(frags.begin(), frags.end());
    }
    std::int64_t t = (10 + 10 * std::int64_t(i)) * 1'000'000'000 + 123'000;
    for (Packet& f : frags) {
      if (c.link_type == kLinkTypeEthernet) {
        // Destination, source, an 802.1Q tag (VLAN 5), EtherType IPv4.
        Packet frame = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x81, 0x00, 0x00, 0x05, 0x08, 0x00};
        frame.insert(frame.end(), f.begin(), f.end());
        f = frame;
      }
      records.push_back({t, f});
      t += 1'000'000'000;
      ++fragments_in;
    }
    completed_at.push_back(t - 1'000'000'000);
  }
  if (c.link_type == kLinkTypeEthernet) {
    // An ARP frame (EtherType 0x0806) between the pings: skipped, counted.
    Packet arp = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x06};
    arp.resize(42);
    records.insert(records.begin() + 2, Record{records[1].ns, arp});
  }
  const std::string in = write_file("in.pcap", pcap_file_bytes(c.link_type, records));
  const std::string out = temp_path("out.pcap");
  auto link = open_link(in, out, c.out_mtu);
  ASSERT_NE(link, nullptr);
  auto stack = make_stack(*link, c.engine);
  ASSERT_NE(stack, nullptr);

  const CaptureRunResult run = run_from_capture(*stack, *link);
  EXPECT_TRUE(run.ok()) << run.error;
  std::string error;
  ASSERT_TRUE(link->close_output(&error)) << error;

  const PcapLinkStats ls = link->stats();
  EXPECT_EQ(ls.records, records.size());
  EXPECT_EQ(ls.packets_read, fragments_in);
  EXPECT_EQ(ls.count(PcapLinkReason::kNotIpv4), c.link_type == kLinkTypeEthernet ? 1u : 0u);
  const StackStats ss = stack->stats();
  EXPECT_EQ(ss.in_receives, fragments_in);
  EXPECT_EQ(ss.out_transmits, ls.packets_written);

  const std::vector<Record> written = parse_output(out);
  const std::size_t per_fragment = (c.out_mtu - 20) / 8 * 8;
  std::size_t expected_fragments = 0;
  for (std::size_t size : sizes) {
    expected_fragments += (8 + size + per_fragment - 1) / per_fragment;
  }
  EXPECT_EQ(written.size(), expected_fragments);
  EXPECT_EQ(ls.packets_written, expected_fragments);

  const std::map<std::uint16_t, Packet> replies = reassemble_output(written, c.out_mtu);
  ASSERT_EQ(replies.size(), sizes.size());
  for (const auto& [id, icmp_bytes] : replies) {
    const Result<IcmpView> icmp = IcmpView::parse(icmp_bytes);
    ASSERT_TRUE(icmp.has_value());
    EXPECT_EQ(icmp->type(), 0) << "echo reply";
    EXPECT_TRUE(icmp->checksum_ok());
    EXPECT_EQ(icmp->identifier(), 0x4242);
    const std::uint16_t seq = icmp->sequence();
    ASSERT_GE(seq, 1);
    ASSERT_LE(seq, sizes.size());
    const Packet expected = pattern(sizes[seq - 1], static_cast<std::uint8_t>(seq - 1));
    EXPECT_TRUE(std::equal(icmp->data().begin(), icmp->data().end(), expected.begin(),
                           expected.end()))
        << "reply " << seq << " carries the request's data";
  }
  // Replies are stamped with the arrival of the fragment that completed
  // their request (the capture is the clock).
  std::vector<std::int64_t> stamps;
  for (const Record& r : written) {
    if (stamps.empty() || stamps.back() != r.ns) {
      stamps.push_back(r.ns);
    }
  }
  EXPECT_EQ(stamps, completed_at);
  EXPECT_EQ(run.first->ns(), records.front().ns);
  EXPECT_EQ(run.last.ns(), records.back().ns);
}

INSTANTIATE_TEST_SUITE_P(
    Captures, PcapLinkPing,
    ::testing::Values(PingCase{"raw_ref_1500", "ref", 1500, 1500, kLinkTypeRaw},
                      PingCase{"raw_fast_576", "fast", 576, 576, kLinkTypeRaw},
                      PingCase{"ipv4_ref_576_to_1500", "ref", 576, 1500, kLinkTypeIpv4},
                      PingCase{"ethernet_vlan_fast_1500", "fast", 1500, 1500,
                               kLinkTypeEthernet}),
    [](const ::testing::TestParamInfo<PingCase>& p) { return std::string{p.param.name}; });

// Only the first fragment of a ping arrives, at t = 5 s: with the capture as
// the clock, the datagram times out at 5 s + 30 s (the default timeout) and
// the stack sends ICMP time exceeded, code 1 (RFC 792), quoting the first
// fragment's header + 8 octets, stamped at the deadline.
TEST_F(PcapLinkTest, ReassemblyTimeoutRunsOnTheCapturesClock) {
  const std::vector<Packet> frags = echo_request_fragments(1, pattern(3000, 1), 1500);
  const std::int64_t t0 = 5'000'000'000;
  const std::string in = write_file("in.pcap", pcap_file_bytes(kLinkTypeRaw, {{t0, frags[0]}}));
  const std::string out = temp_path("out.pcap");
  auto link = open_link(in, out);
  ASSERT_NE(link, nullptr);
  auto stack = make_stack(*link);
  ASSERT_NE(stack, nullptr);
  EXPECT_TRUE(run_from_capture(*stack, *link).ok());
  ASSERT_TRUE(link->close_output(nullptr));

  const std::vector<Record> written = parse_output(out);
  ASSERT_EQ(written.size(), 1u);
  EXPECT_EQ(written[0].ns, t0 + 30'000'000'000);
  const Result<Ipv4View> ip = Ipv4View::parse(written[0].bytes);
  ASSERT_TRUE(ip.has_value());
  EXPECT_TRUE(ip->checksum_ok());
  const Result<IcmpView> icmp = IcmpView::parse(ip->payload());
  ASSERT_TRUE(icmp.has_value());
  EXPECT_EQ(icmp->type(), 11);
  EXPECT_EQ(icmp->code(), 1);
  EXPECT_TRUE(icmp->checksum_ok());
  // RFC 792: unused word, then the original header + 64 bits of data.
  const Packet quote(frags[0].begin(), frags[0].begin() + 28);
  EXPECT_TRUE(std::equal(icmp->data().begin(), icmp->data().end(), quote.begin(), quote.end()));
}

// Without finish_timers the clock stops at the last packet: nothing times out.
TEST_F(PcapLinkTest, WithoutFinishTimersTheRunStopsAtTheLastPacket) {
  const std::vector<Packet> frags = echo_request_fragments(1, pattern(3000, 1), 1500);
  const std::string in = write_file("in.pcap", pcap_file_bytes(kLinkTypeRaw, {{1000, frags[0]}}));
  const std::string out = temp_path("out.pcap");
  auto link = open_link(in, out);
  ASSERT_NE(link, nullptr);
  auto stack = make_stack(*link);
  ASSERT_NE(stack, nullptr);
  const CaptureRunResult run = run_from_capture(*stack, *link, {.finish_timers = false});
  EXPECT_TRUE(run.ok()) << run.error;
  EXPECT_EQ(run.last.ns(), 1000);
  ASSERT_TRUE(link->close_output(nullptr));
  EXPECT_TRUE(parse_output(out).empty());
  EXPECT_TRUE(stack->next_timer().has_value()) << "the datagram is still in progress";
}

// A capture whose timestamps go back: the later-stamped-earlier packet is
// handled at the current time (the stack's clock never goes back), counted.
TEST_F(PcapLinkTest, TimestampsGoingBackAreClampedAndCounted) {
  const Packet p1 = echo_request_fragments(1, pattern(100, 1), 1500)[0];
  const Packet p2 = echo_request_fragments(2, pattern(100, 2), 1500)[0];
  const std::string in = write_file(
      "in.pcap", pcap_file_bytes(kLinkTypeRaw, {{9'000'000'000, p1}, {4'000'000'000, p2}}));
  const std::string out = temp_path("out.pcap");
  auto link = open_link(in, out);
  ASSERT_NE(link, nullptr);
  auto stack = make_stack(*link);
  ASSERT_NE(stack, nullptr);
  EXPECT_TRUE(run_from_capture(*stack, *link).ok());
  ASSERT_TRUE(link->close_output(nullptr));
  EXPECT_EQ(link->stats().count(PcapLinkReason::kTimeWentBack), 1u);
  const std::vector<Record> written = parse_output(out);
  ASSERT_EQ(written.size(), 2u);
  EXPECT_EQ(written[0].ns, 9'000'000'000);
  EXPECT_EQ(written[1].ns, 9'000'000'000);
}

// 50 pings stamped at the same instant into a stack whose in_pool holds 4:
// the capture waits in the link (back-pressure, counted by in_pool), and
// every ping is answered: nothing is dropped inside the stack.
TEST_F(PcapLinkTest, ABurstLargerThanInPoolIsAllAnswered) {
  std::vector<Record> records;
  for (std::uint16_t seq = 1; seq <= 50; ++seq) {
    records.push_back({7'000'000'000, echo_request_fragments(seq, pattern(200, 3), 1500)[0]});
  }
  const std::string in = write_file("in.pcap", pcap_file_bytes(kLinkTypeRaw, records));
  const std::string out = temp_path("out.pcap");
  auto link = open_link(in, out);
  ASSERT_NE(link, nullptr);
  StackConfig config;
  config.addresses.push_back(*Ipv4Prefix::parse("192.0.2.2/24"));
  config.in_pool_slots = 4;
  std::string error;
  std::unique_ptr<Stack> stack = Stack::create(*link, config, &error);
  ASSERT_NE(stack, nullptr) << error;
  EXPECT_TRUE(run_from_capture(*stack, *link).ok());
  ASSERT_TRUE(link->close_output(nullptr));
  const StackStats s = stack->stats();
  EXPECT_GE(s.in_pool.backpressure, 1u);
  EXPECT_EQ(s.in_pool.high_water, 4u);
  EXPECT_EQ(s.in_receives, 50u);
  const std::vector<Record> written = parse_output(out);
  EXPECT_EQ(written.size(), 50u);
  EXPECT_EQ(reassemble_output(written, 1500).size(), 50u);
}

// --- bad captures: one line naming the file (and the record), never a crash.

TEST_F(PcapLinkTest, OpenFailuresNameTheFile) {
  struct Case {
    const char* name;
    Packet bytes;
    const char* says;  // a fragment of the message
  };
  const Packet good = pcap_file_bytes(kLinkTypeRaw, {});
  const std::vector<Case> cases = {
      {"text", Packet{'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd', '\n', 0, 0, 0, 0,
                      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
       "format"},
      {"empty", Packet{}, ""},
      {"cut_file_header", Packet(good.begin(), good.begin() + 10), ""},
      {"wifi", pcap_file_bytes(kLinkTypeIeee80211, {}), "not supported"},
  };
  for (const Case& c : cases) {
    const std::string path = write_file(c.name, c.bytes);
    std::string error;
    EXPECT_EQ(PcapLink::open({path, "", 1500}, &error), nullptr) << c.name;
    EXPECT_EQ(error.rfind(path + ": ", 0), 0u) << c.name << ": " << error;
    EXPECT_NE(error.find(c.says), std::string::npos) << c.name << ": " << error;
  }
  std::string error;
  EXPECT_EQ(PcapLink::open({temp_path("missing.pcap"), "", 1500}, &error), nullptr);
  EXPECT_NE(error.find("missing.pcap: "), std::string::npos) << error;
  EXPECT_EQ(PcapLink::open({"", "/nonexistent-dir/out.pcap", 1500}, &error), nullptr);
  EXPECT_EQ(error.rfind("/nonexistent-dir/out.pcap: ", 0), 0u) << error;
  EXPECT_EQ(PcapLink::open({"", "", 67}, &error), nullptr);
  EXPECT_NE(error.find("68..65535"), std::string::npos) << error;
}

struct BadRecordCase {
  const char* name;
  std::size_t cut_to;  // the file is cut to this many octets (0: not cut)
  bool bogus_length;   // the third record's captured length is 0x7fffffff
};

class PcapLinkBadRecord : public PcapLinkTest,
                          public ::testing::WithParamInterface<BadRecordCase> {};

// Two good single-fragment pings, then a broken third record: both pings are
// answered, reading stops at the third record with "FILE: packet 3 at byte
// offset N: ...", bad-record and the stack's link-read-error are counted.
TEST_P(PcapLinkBadRecord, ReadingStopsWithTheRecordAndOffset) {
  const BadRecordCase& c = GetParam();
  std::vector<Record> records;
  for (std::uint16_t seq = 1; seq <= 3; ++seq) {
    records.push_back({seq * 1'000'000'000LL, echo_request_fragments(seq, pattern(64, 0), 1500)[0]});
  }
  Packet file = pcap_file_bytes(kLinkTypeRaw, records);
  const std::size_t third = kFileHeader + 2 * (kRecordHeader + records[0].bytes.size());
  if (c.cut_to != 0) {
    file.resize(third + c.cut_to);
  }
  if (c.bogus_length) {
    for (int i = 0; i < 4; ++i) {
      file[third + 8 + i] = i == 3 ? 0x7f : 0xff;
    }
  }
  const std::string in = write_file("in.pcap", file);
  const std::string out = temp_path("out.pcap");
  auto link = open_link(in, out);
  ASSERT_NE(link, nullptr);
  auto stack = make_stack(*link);
  ASSERT_NE(stack, nullptr);
  const CaptureRunResult run = run_from_capture(*stack, *link);
  ASSERT_FALSE(run.ok());
  const std::string prefix = in + ": packet 3 at byte offset " + std::to_string(third) + ": ";
  EXPECT_EQ(run.error.rfind(prefix, 0), 0u) << run.error;
  EXPECT_GT(run.error.size(), prefix.size()) << "says why";
  EXPECT_EQ(run.error.find('\n'), std::string::npos) << "one line";
  EXPECT_EQ(link->stats().count(PcapLinkReason::kBadRecord), 1u);
  EXPECT_EQ(link->stats().packets_read, 2u);
  EXPECT_EQ(stack->stats().count(StackReason::kLinkReadError), 1u);
  EXPECT_TRUE(link->input_done());
  ASSERT_TRUE(link->close_output(nullptr));
  EXPECT_EQ(parse_output(out).size(), 2u) << "the two good pings were answered";
}

INSTANTIATE_TEST_SUITE_P(Captures, PcapLinkBadRecord,
                         ::testing::Values(BadRecordCase{"cut_record_header", 7, false},
                                           BadRecordCase{"cut_record_data", 16 + 20, false},
                                           BadRecordCase{"bogus_record_length", 0, true}),
                         [](const ::testing::TestParamInfo<BadRecordCase>& p) {
                           return std::string{p.param.name};
                         });

// Frames that carry no IPv4 (IPv6 in LINKTYPE_RAW, a cut Ethernet header),
// an empty record, a snapped packet and one over the MTU: each counted under
// its reason, none crashes; the snapped and over-MTU packets reach the stack
// cut, and its input manager drops them for their total length.
TEST_F(PcapLinkTest, OddFramesAreCountedByReason) {
  Packet ipv6(40, 0);
  ipv6[0] = 0x60;
  const Packet ping = echo_request_fragments(1, pattern(64, 0), 1500)[0];
  const Packet big = echo_request_fragments(2, pattern(1000, 0), 1500)[0];
  std::vector<Record> raw = {{1, ipv6}, {2, Packet{}}, {3, big}, {4, ping}};
  const std::string in = write_file("in.pcap", pcap_file_bytes(kLinkTypeRaw, raw));
  auto link = open_link(in, "", 576);
  ASSERT_NE(link, nullptr);
  auto stack = make_stack(*link);
  ASSERT_NE(stack, nullptr);
  EXPECT_TRUE(run_from_capture(*stack, *link).ok());
  const PcapLinkStats s = link->stats();
  EXPECT_EQ(s.records, 4u);
  EXPECT_EQ(s.count(PcapLinkReason::kNotIpv4), 1u);
  EXPECT_EQ(s.count(PcapLinkReason::kTruncatedLinkHeader), 1u);
  EXPECT_EQ(s.count(PcapLinkReason::kOverMtu), 1u);
  EXPECT_EQ(s.packets_read, 2u);
  EXPECT_EQ(s.packets_written, 1u) << "only the whole ping is answered";
  EXPECT_EQ(stack->stats().count(Reason::kBadTotalLength), 1u) << to_string(stack->stats());

  // Ethernet: a frame cut inside its header; a snapped record (caplen < len).
  Packet eth = pcap_file_bytes(kLinkTypeEthernet, {{1, Packet{1, 2, 3, 4, 5, 6, 7, 8, 9}}});
  Packet snapped = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00};
  snapped.insert(snapped.end(), ping.begin(), ping.begin() + 30);
  put32le(eth, 0);
  put32le(eth, 2);
  put32le(eth, static_cast<std::uint32_t>(snapped.size()));
  put32le(eth, static_cast<std::uint32_t>(14 + ping.size()));
  eth.insert(eth.end(), snapped.begin(), snapped.end());
  const std::string in2 = write_file("eth.pcap", eth);
  auto link2 = open_link(in2, "");
  ASSERT_NE(link2, nullptr);
  auto stack2 = make_stack(*link2);
  ASSERT_NE(stack2, nullptr);
  EXPECT_TRUE(run_from_capture(*stack2, *link2).ok());
  EXPECT_EQ(link2->stats().count(PcapLinkReason::kTruncatedLinkHeader), 1u);
  EXPECT_EQ(link2->stats().count(PcapLinkReason::kSnapped), 1u);
  EXPECT_EQ(link2->stats().packets_read, 1u);
  EXPECT_EQ(stack2->stats().count(Reason::kBadTotalLength), 1u) << to_string(stack2->stats());
  const std::string text = to_string(link2->stats());
  EXPECT_NE(text.find("pcap.snapped 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("pcap.truncated-link-header 1\n"), std::string::npos) << text;
}

// 300 captures with 1..4 octets overwritten anywhere (file header, record
// headers, link headers, packets), deterministic: each either fails to open
// with "FILE: why", or runs to the end (never hangs: the run stops when the
// stack makes no progress) and, when reading stopped early, says where with
// "FILE: packet N at byte offset M: why". Under ASan/UBSan (ci/test) this
// also shows no bad memory access.
TEST_F(PcapLinkTest, DamagedCapturesNeverCrashOrHang) {
  std::vector<Record> records;
  std::int64_t t = 1'000'000'000;
  for (std::uint16_t seq = 1; seq <= 3; ++seq) {
    for (const Packet& f : echo_request_fragments(seq, pattern(600 * seq, 1), 576)) {
      Packet frame = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00};
      frame.insert(frame.end(), f.begin(), f.end());
      records.push_back({t += 1000, frame});
    }
  }
  const Packet good = pcap_file_bytes(kLinkTypeEthernet, records);
  std::uint64_t state = 0x9e3779b97f4a7c15u;
  auto next = [&state] {  // splitmix64
    std::uint64_t z = (state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
  };
  int opened = 0;
  int stopped_early = 0;
  for (int round = 0; round < 300; ++round) {
    Packet bad = good;
    const std::uint64_t flips = 1 + next() % 4;
    for (std::uint64_t i = 0; i < flips; ++i) {
      // Headers get most of the damage: the first 24 + 16 octets and each
      // record's first 30.
      const std::size_t at = next() % 2 == 0 ? next() % 70 : next() % bad.size();
      bad[at] = static_cast<std::uint8_t>(next());
    }
    const std::string in = write_file("in.pcap", bad);
    std::string error;
    std::unique_ptr<PcapLink> link = PcapLink::open({in, "", 1500}, &error);
    if (!link) {
      EXPECT_EQ(error.rfind(in + ": ", 0), 0u) << "round " << round << ": " << error;
      continue;
    }
    ++opened;
    auto stack = make_stack(*link);
    ASSERT_NE(stack, nullptr);
    const CaptureRunResult run = run_from_capture(*stack, *link);
    EXPECT_TRUE(link->input_done());
    if (!run.ok()) {
      ++stopped_early;
      EXPECT_EQ(run.error.rfind(in + ": packet ", 0), 0u) << "round " << round << ": " << run.error;
    }
  }
  // Both outcomes were exercised.
  EXPECT_GT(opened, 100);
  EXPECT_GT(stopped_early, 0);
}

// The stack never writes past the MTU, but a caller can: refused, counted.
TEST_F(PcapLinkTest, WriteOverTheMtuIsRefused) {
  const std::string out = temp_path("out.pcap");
  auto link = open_link("", out, 576);
  ASSERT_NE(link, nullptr);
  const Packet big = echo_request_fragments(1, pattern(1000, 0), 1500)[0];
  const LinkIo io = write_packet(*link, big);
  EXPECT_EQ(io.status, LinkStatus::kError);
  EXPECT_EQ(io.error, EMSGSIZE);
  EXPECT_EQ(link->stats().count(PcapLinkReason::kWriteOverMtu), 1u);
  const Packet small = echo_request_fragments(1, pattern(100, 0), 1500)[0];
  link->set_now(Instant::from_ns(77));
  EXPECT_EQ(write_packet(*link, small).status, LinkStatus::kOk);
  ASSERT_TRUE(link->close_output(nullptr));
  const std::vector<Record> written = parse_output(out);
  ASSERT_EQ(written.size(), 1u);
  EXPECT_EQ(written[0].ns, 77);
  EXPECT_EQ(written[0].bytes, small);
}

}  // namespace
}  // namespace ip4ref
