// oracle_pcap.cpp: libpcap in, libpcap out.
#include "oracle_pcap.h"

#include <pcap/pcap.h>

namespace ip4ref::oracle {
namespace {

#ifndef DLT_IPV4
constexpr int DLT_IPV4 = 228;
#endif

}  // namespace

bool write_ipv4_pcap(const std::string& path, const std::vector<std::vector<std::uint8_t>>& packets,
                     std::string* error) {
  pcap_t* dead = pcap_open_dead(DLT_IPV4, 65535);
  if (dead == nullptr) {
    *error = path + ": pcap_open_dead failed";
    return false;
  }
  pcap_dumper_t* out = pcap_dump_open(dead, path.c_str());
  if (out == nullptr) {
    *error = path + ": " + pcap_geterr(dead);
    pcap_close(dead);
    return false;
  }
  for (std::size_t i = 0; i < packets.size(); ++i) {
    pcap_pkthdr h{};
    h.ts.tv_sec = 0;
    h.ts.tv_usec = static_cast<suseconds_t>(i);
    h.caplen = static_cast<bpf_u_int32>(packets[i].size());
    h.len = h.caplen;
    pcap_dump(reinterpret_cast<u_char*>(out), &h, packets[i].data());
  }
  pcap_dump_close(out);
  pcap_close(dead);
  return true;
}

bool read_ipv4_pcap(const std::string& path, std::vector<std::vector<std::uint8_t>>* packets,
                    std::string* error) {
  char why[PCAP_ERRBUF_SIZE] = {};
  pcap_t* in = pcap_open_offline(path.c_str(), why);
  if (in == nullptr) {
    *error = path + ": " + why;
    return false;
  }
  const int link = pcap_datalink(in);
  if (link != DLT_IPV4 && link != DLT_RAW) {
    *error = path + ": link type " + std::to_string(link) + " (want LINKTYPE_IPV4 228 or RAW)";
    pcap_close(in);
    return false;
  }
  pcap_pkthdr* h = nullptr;
  const u_char* data = nullptr;
  int rc = 0;
  while ((rc = pcap_next_ex(in, &h, &data)) == 1) {
    packets->emplace_back(data, data + h->caplen);
  }
  if (rc == PCAP_ERROR) {
    *error = path + ": packet " + std::to_string(packets->size() + 1) + ": " + pcap_geterr(in);
    pcap_close(in);
    return false;
  }
  pcap_close(in);
  return true;
}

}  // namespace ip4ref::oracle
