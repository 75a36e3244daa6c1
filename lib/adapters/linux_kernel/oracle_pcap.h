// oracle_pcap.h: trains as small captures, LINKTYPE_IPV4 (228), written and
// read with libpcap (pcap_open_dead + pcap_dump; pcap_open_offline).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ip4ref::oracle {

// Packet i gets the timestamp i microseconds. False with *error on failure.
bool write_ipv4_pcap(const std::string& path, const std::vector<std::vector<std::uint8_t>>& packets,
                     std::string* error);

// Reads every packet of a LINKTYPE_IPV4 (228) or LINKTYPE_RAW (101 / DLT_RAW)
// capture. False with *error (naming the file) on failure or another link type.
bool read_ipv4_pcap(const std::string& path, std::vector<std::vector<std::uint8_t>>* packets,
                    std::string* error);

}  // namespace ip4ref::oracle
