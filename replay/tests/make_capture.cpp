// make_capture.cpp: writes small synthetic captures for the replay tests and
// the throughput measurement: UDP datagrams 192.0.2.1 -> 198.51.100.1 (RFC
// 5737 test addresses) under any link type the reader supports, with micro-
// or nanosecond timestamps (libpcap's pcap_dump), or as pcapng (a minimal
// writer here: libpcap 1.10 writes only pcap).
//
//   make_capture OUT [--count N] [--size S] [--link KIND] [--nano] [--pcapng]
//                    [--other-every K] [--df] [--gap-ns G] [--corrupt]
//                    [--df-every K] [--id-mod M]
// KIND: ethernet vlan qinq sll sll2 raw ipv4 null-le null-be loop-le loop-be
#include <pcap/pcap.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <map>
#include <vector>

#include "ip4ref/ipv4_header.h"

namespace {

using Packet = std::vector<std::uint8_t>;

struct Options {
  std::string out;
  std::size_t count = 10;
  std::size_t size = 100;  // UDP payload octets
  std::string link = "ipv4";
  bool nano = false;
  bool pcapng = false;
  bool df = false;
  std::size_t other_every = 0;  // every K-th frame is IPv6 (not IPv4)
  std::int64_t gap_ns = 1'000'000;
  bool corrupt = false;        // packets i % 5 == 1..4 broken in four ways
  std::size_t df_every = 0;    // every K-th datagram has DF set
  std::size_t id_mod = 65536;  // identification = i % id_mod (repeated keys)
};

struct Link {
  int dlt;
  Packet prefix_ipv4;
  Packet prefix_other;  // prefix for a non-IPv4 (IPv6) frame
};

Packet ether(std::initializer_list<std::uint8_t> tags_and_type) {
  Packet p = {0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1};
  p.insert(p.end(), tags_and_type);
  return p;
}

// https://www.tcpdump.org/linktypes.html, one prefix per link type.
const std::map<std::string, Link>& links() {
  static const std::map<std::string, Link> m = {
      {"ethernet", {DLT_EN10MB, ether({0x08, 0x00}), ether({0x86, 0xdd})}},
      {"vlan",
       {DLT_EN10MB, ether({0x81, 0x00, 0x00, 0x0a, 0x08, 0x00}),
        ether({0x81, 0x00, 0x00, 0x0a, 0x86, 0xdd})}},
      {"qinq",
       {DLT_EN10MB, ether({0x88, 0xa8, 0x00, 0x64, 0x81, 0x00, 0x00, 0x0a, 0x08, 0x00}),
        ether({0x88, 0xa8, 0x00, 0x64, 0x81, 0x00, 0x00, 0x0a, 0x86, 0xdd})}},
      {"sll",
       {DLT_LINUX_SLL,
        {0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00},
        {0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x86, 0xdd}}},
      {"sll2",
       {DLT_LINUX_SLL2,
        {0x08, 0x00, 0, 0, 0, 0, 0, 3, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0},
        {0x86, 0xdd, 0, 0, 0, 0, 0, 3, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0}}},
      {"raw", {DLT_RAW, {}, {}}},
      {"ipv4", {DLT_IPV4, {}, {}}},
      {"null-le", {DLT_NULL, {2, 0, 0, 0}, {30, 0, 0, 0}}},
      {"null-be", {DLT_NULL, {0, 0, 0, 2}, {0, 0, 0, 30}}},
      {"loop-le", {DLT_LOOP, {2, 0, 0, 0}, {30, 0, 0, 0}}},
      {"loop-be", {DLT_LOOP, {0, 0, 0, 2}, {0, 0, 0, 30}}},
  };
  return m;
}

Packet udp_datagram(std::size_t i, const Options& o) {
  ip4ref::Ipv4Header h;
  h.identification = static_cast<std::uint16_t>(i % o.id_mod);
  h.protocol = 17;
  h.dont_fragment = o.df || (o.df_every != 0 && i % o.df_every == o.df_every - 1);
  h.source = 0xc0000201;       // 192.0.2.1
  h.destination = 0xc6336401;  // 198.51.100.1
  h.total_length = static_cast<std::uint16_t>(20 + 8 + o.size);
  Packet p(h.total_length);
  (void)h.emit(p);
  p[20] = 0x30;  // UDP source port 12345, destination 9 (discard), checksum 0
  p[21] = 0x39;
  p[23] = 9;
  p[24] = static_cast<std::uint8_t>((8 + o.size) >> 8);
  p[25] = static_cast<std::uint8_t>(8 + o.size);
  for (std::size_t j = 28; j < p.size(); ++j) {
    p[j] = static_cast<std::uint8_t>(i * 7 + j);
  }
  return p;
}

// Four kinds of broken IPv4 packet (what ip4ref must count, not crash on).
void corrupt(Packet& p, std::size_t i) {
  switch (i % 5) {
    case 1:
      p[10] ^= 0xff;
      break;  // header checksum wrong
    case 2:
      p[0] = 0x44;
      break;  // IHL 4 < 5
    case 3:
      p[2] = static_cast<std::uint8_t>(p[2] + 1);
      break;  // total length past the capture
    case 4:
      p.resize(12);
      break;  // truncated header
    default:
      break;
  }
}

Packet ipv6_stub() {
  Packet p(40, 0);
  p[0] = 0x60;
  p[6] = 59;  // no next header
  return p;
}

void put32(std::FILE* f, std::uint32_t v) {
  std::fwrite(&v, 4, 1, f);
}
void put16(std::FILE* f, std::uint16_t v) {
  std::fwrite(&v, 2, 1, f);
}

// pcapng (draft-ietf-opsawg-pcapng): SHB, one IDB (if_tsresol 9 with
// --nano), then one EPB per frame, host byte order.
struct PcapngWriter {
  std::FILE* f;
  bool nano;
  PcapngWriter(const std::string& path, int dlt, bool n)
      : f(std::fopen(path.c_str(), "wb")), nano(n) {
    put32(f, 0x0a0d0d0a);
    put32(f, 28);
    put32(f, 0x1a2b3c4d);
    put16(f, 1);
    put16(f, 0);
    put32(f, 0xffffffff);
    put32(f, 0xffffffff);
    put32(f, 28);
    const std::uint32_t idb_len = nano ? 32 : 20;
    put32(f, 1);
    put32(f, idb_len);
    put16(f, static_cast<std::uint16_t>(dlt));
    put16(f, 0);
    put32(f, 262144);
    if (nano) {  // option if_tsresol (9) = 9: nanoseconds; then opt_endofopt
      put16(f, 9);
      put16(f, 1);
      put32(f, 9);
      put32(f, 0);
    }
    put32(f, idb_len);
  }
  void write(std::int64_t ns, const Packet& p) {
    const std::uint64_t units =
        nano ? static_cast<std::uint64_t>(ns) : static_cast<std::uint64_t>(ns / 1000);
    const std::size_t padded = (p.size() + 3) / 4 * 4;
    const auto len = static_cast<std::uint32_t>(32 + padded);
    put32(f, 6);
    put32(f, len);
    put32(f, 0);
    put32(f, static_cast<std::uint32_t>(units >> 32));
    put32(f, static_cast<std::uint32_t>(units));
    put32(f, static_cast<std::uint32_t>(p.size()));
    put32(f, static_cast<std::uint32_t>(p.size()));
    std::fwrite(p.data(), 1, p.size(), f);
    const std::uint8_t zeros[4] = {};
    std::fwrite(zeros, 1, padded - p.size(), f);
    put32(f, len);
  }
  ~PcapngWriter() { std::fclose(f); }
};

Packet frame(const Link& l, std::size_t i, const Options& o) {
  const bool other = o.other_every != 0 && i % o.other_every == o.other_every - 1;
  Packet p = other ? l.prefix_other : l.prefix_ipv4;
  Packet body = other ? ipv6_stub() : udp_datagram(i, o);
  if (o.corrupt && !other) {
    corrupt(body, i);
  }
  p.insert(p.end(), body.begin(), body.end());
  return p;
}

int write_all(const Options& o) {
  const auto it = links().find(o.link);
  if (it == links().end()) {
    std::fprintf(stderr, "make_capture: unknown --link %s\n", o.link.c_str());
    return 2;
  }
  const std::int64_t start = 1'700'000'000'000'000'000;
  if (o.pcapng) {
    PcapngWriter w(o.out, it->second.dlt, o.nano);
    for (std::size_t i = 0; i < o.count; ++i) {
      w.write(start + static_cast<std::int64_t>(i) * o.gap_ns, frame(it->second, i, o));
    }
    return 0;
  }
  pcap_t* dead = pcap_open_dead_with_tstamp_precision(
      it->second.dlt, 262144, o.nano ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO);
  pcap_dumper_t* d = pcap_dump_open(dead, o.out.c_str());
  if (d == nullptr) {
    std::fprintf(stderr, "make_capture: %s\n", pcap_geterr(dead));
    return 2;
  }
  for (std::size_t i = 0; i < o.count; ++i) {
    const Packet p = frame(it->second, i, o);
    const std::int64_t ns = start + static_cast<std::int64_t>(i) * o.gap_ns;
    pcap_pkthdr h{};
    h.ts.tv_sec = ns / 1'000'000'000;
    h.ts.tv_usec = o.nano ? ns % 1'000'000'000 : ns % 1'000'000'000 / 1000;
    h.caplen = h.len = static_cast<bpf_u_int32>(p.size());
    pcap_dump(reinterpret_cast<u_char*>(d), &h, p.data());
  }
  pcap_dump_close(d);
  pcap_close(dead);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"make_capture: synthetic captures for the ip4ref replay tests"};
  app.add_option("out", o.out)->required();
  app.add_option("--count", o.count);
  app.add_option("--size", o.size)->check(CLI::Range(0, 65000));
  app.add_option("--link", o.link);
  app.add_flag("--nano", o.nano);
  app.add_flag("--pcapng", o.pcapng);
  app.add_flag("--df", o.df);
  app.add_option("--other-every", o.other_every);
  app.add_option("--gap-ns", o.gap_ns);
  app.add_flag("--corrupt", o.corrupt);
  app.add_option("--df-every", o.df_every);
  app.add_option("--id-mod", o.id_mod)->check(CLI::Range(1, 65536));
  CLI11_PARSE(app, argc, argv);
  return write_all(o);
}
