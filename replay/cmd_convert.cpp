// cmd_convert.cpp: `ip4ref convert`, between the fuzz trace (fuzz/trace.h,
// format in fuzz/README.md) and pcap:
//
//   convert trace-to-pcap IN.trace OUT.pcap   every packet record (raw, or a
//       fragment spec expanded) becomes a LINKTYPE_IPV4 record stamped with
//       the trace clock (kTraceStart = 1 s, moved by advance records). A pcap
//       has no place for the trace's config or its expire records: the config
//       is printed on stdout as the replay options that reproduce it, and
//       expire records are counted (replay's push expires what is due anyway;
//       only expiries after the last packet are lost, see --expire-at-end).
//       A rewind record moves the clock back; a pcap can hold that only while
//       no packet ends up stamped before one already written (replay pushes a
//       late timestamp at its clock, which never goes back, so the run would
//       differ). Such a trace is refused, exit 2, naming the rewind record,
//       the packet record and its byte offset; nothing is silently dropped.
//   convert pcap-to-trace IN.pcap OUT.trace [--policy ... config options]
//       every IPv4 packet becomes a raw-packet record, preceded by an advance
//       record when its timestamp is later than the previous one (a timestamp
//       going backwards advances nothing, as in replay). Written as it is read.
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>

#include "capture_reader.h"
#include "capture_writer.h"
#include "commands.h"
#include "engine_options.h"
#include "exit_codes.h"

#ifdef IP4REF_HAVE_TRACE
#include "fuzz/trace.h"
#endif

namespace ip4ref::replay {
namespace {

struct ConvertArgs {
  std::string input;
  std::string output;
  EngineOptions config;
  bool quiet = false;
};

void complain(const std::string& line) {
  std::fprintf(stderr, "ip4ref convert: %s\n", line.c_str());
}

#ifdef IP4REF_HAVE_TRACE

// The whole file, or nullopt with the reason complained about.
std::optional<std::vector<std::uint8_t>> read_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    complain(path + ": is a directory, not a trace file");
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    complain(path + ": cannot open");
    return std::nullopt;
  }
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), {});
}

std::string seconds(Instant t) {
  char text[32];
  std::snprintf(text, sizeof text, "%.9f s", static_cast<double>(t.ns()) / 1e9);
  return text;
}

// Writes every packet record of `t` stamped with the trace clock and counts
// the expire records. Returns why the trace cannot be written faithfully (a
// rewind that would stamp a packet before one already written), else "".
std::string write_records(const trace::Trace& t, CaptureWriter& writer, std::uint64_t& expires) {
  trace::TraceClock clock;
  std::vector<std::uint8_t> packet;
  std::vector<std::uint8_t> encoded;
  std::size_t offset = trace::kHeaderSize;  // of the current record
  std::optional<std::size_t> last_rewind;   // index of the latest rewind record
  std::optional<std::pair<std::size_t, Instant>> last_packet;  // index, stamp
  for (std::size_t i = 0; i < t.records.size(); ++i) {
    const trace::Record& r = t.records[i];
    if (const auto* advance = std::get_if<trace::AdvanceClock>(&r)) {
      clock.advance(advance->ns);
    } else if (const auto* rewind = std::get_if<trace::RewindClock>(&r)) {
      clock.rewind(rewind->ns);
      last_rewind = i;
    } else if (std::holds_alternative<trace::Expire>(r)) {
      ++expires;
    } else if (trace::expand_into(r, packet)) {
      if (last_packet && clock.now() < last_packet->second) {
        return "record " + std::to_string(*last_rewind) + " (rewind clock) moves the clock back: " +
               "record " + std::to_string(i) + " (packet, byte offset " + std::to_string(offset) +
               ") would be stamped " + seconds(clock.now()) + ", before record " +
               std::to_string(last_packet->first) + "'s " + seconds(last_packet->second) +
               "; a pcap cannot carry that (replay never moves its clock back), so it is "
               "not converted";
      }
      writer.write(clock.now(), packet);
      last_packet = {i, clock.now()};
    }
    encoded.clear();
    trace::encode_record(r, encoded);
    offset += encoded.size();
  }
  return {};
}

int trace_to_pcap(const ConvertArgs& a) {
  const auto bytes = read_file(a.input);
  if (!bytes) {
    return kExitBadInput;
  }
  const trace::StrictResult decoded = trace::decode_strict(*bytes);
  if (!decoded) {
    complain(a.input + ": byte offset " + std::to_string(decoded.error.offset) + ": " +
             decoded.error.what);
    return kExitBadInput;
  }
  std::string error;
  auto writer = CaptureWriter::open(a.output, error);
  if (!writer) {
    complain(error);
    return kExitBadInput;
  }
  std::uint64_t expires = 0;
  std::string refused = write_records(*decoded.trace, *writer, expires);
  if (!refused.empty()) {
    writer->close(error);
    std::remove(a.output.c_str());  // a partial pcap would look like a faithful one
    complain(a.input + ": " + refused);
    return kExitBadInput;
  }
  if (!writer->close(error)) {
    complain(error);
    return kExitBadInput;
  }
  std::cout << config_arguments(decoded.trace->config) << "\n";
  if (!a.quiet) {
    std::fprintf(stderr,
                 "ip4ref convert: %llu packets written to %s; %llu expire records not "
                 "representable in pcap; replay with the options printed on stdout\n",
                 static_cast<unsigned long long>(writer->written()), a.output.c_str(),
                 static_cast<unsigned long long>(expires));
  }
  return kExitOk;
}

// Appends one record's canonical encoding to the file.
void put(std::ofstream& out, const trace::Record& r, std::vector<std::uint8_t>& scratch) {
  scratch.clear();
  trace::encode_record(r, scratch);
  out.write(reinterpret_cast<const char*>(scratch.data()),
            static_cast<std::streamsize>(scratch.size()));
}

int pcap_to_trace(const ConvertArgs& a) {
  std::string error;
  const auto config = make_config(a.config, error);
  auto reader = config ? CaptureReader::open(a.input, error) : nullptr;
  if (!reader) {
    complain(error);
    return kExitBadInput;
  }
  std::ofstream out(a.output, std::ios::binary | std::ios::trunc);
  if (!out) {
    complain(a.output + ": cannot write");
    return kExitBadInput;
  }
  std::vector<std::uint8_t> scratch = trace::encode(trace::Trace{*config, {}});
  out.write(reinterpret_cast<const char*>(scratch.data()),
            static_cast<std::streamsize>(scratch.size()));
  std::optional<Instant> clock;
  std::uint64_t packets = 0, skipped = 0;
  CapturedPacket p;
  CaptureReader::Next next;
  while ((next = reader->next(p)) == CaptureReader::Next::kPacket) {
    if (p.link.kind != LinkPayload::kIpv4) {
      ++skipped;
      continue;
    }
    if (clock && p.timestamp > *clock) {
      put(out, trace::AdvanceClock{static_cast<std::uint64_t>((p.timestamp - *clock).ns())},
          scratch);
    }
    clock = clock ? std::max(*clock, p.timestamp) : p.timestamp;
    put(out, trace::RawPacket{{p.link.ipv4.begin(), p.link.ipv4.end()}}, scratch);
    ++packets;
  }
  out.close();
  if (next == CaptureReader::Next::kError || !out) {
    complain(next == CaptureReader::Next::kError ? reader->error() : a.output + ": write failed");
    return kExitBadInput;
  }
  if (!a.quiet) {
    std::fprintf(stderr, "ip4ref convert: %llu packets written to %s (%llu non-IPv4 skipped)\n",
                 static_cast<unsigned long long>(packets), a.output.c_str(),
                 static_cast<unsigned long long>(skipped));
  }
  return kExitOk;
}

#else  // !IP4REF_HAVE_TRACE

int not_built(const ConvertArgs&) {
  complain("not built: the fuzz trace codec (fuzz/, target ip4ref_trace) was not configured");
  return kExitBadInput;
}
int trace_to_pcap(const ConvertArgs& a) {
  return not_built(a);
}
int pcap_to_trace(const ConvertArgs& a) {
  return not_built(a);
}

#endif

}  // namespace

void add_convert_command(CLI::App& app, int& exit_code) {
  CLI::App* cmd =
      app.add_subcommand("convert", "Convert fuzz traces (fuzz/README.md) to pcaps and back.");
  cmd->require_subcommand(1);
  auto t2p = std::make_shared<ConvertArgs>();
  CLI::App* to_pcap = cmd->add_subcommand(
      "trace-to-pcap", "Trace -> LINKTYPE_IPV4 pcap; prints the config as replay options.");
  to_pcap->add_option("input", t2p->input, "trace file")->required();
  to_pcap->add_option("output", t2p->output, "pcap to write")->required();
  to_pcap->add_flag("--quiet", t2p->quiet, "no summary on stderr");
  to_pcap->callback([t2p, &exit_code] { exit_code = trace_to_pcap(*t2p); });

  auto p2t = std::make_shared<ConvertArgs>();
  CLI::App* to_trace =
      cmd->add_subcommand("pcap-to-trace", "Capture -> trace of raw packets and clock advances.");
  to_trace->add_option("input", p2t->input, "capture to read (pcap or pcapng)")->required();
  to_trace->add_option("output", p2t->output, "trace file to write")->required();
  add_engine_options(*to_trace, p2t->config, false);
  to_trace->add_flag("--quiet", p2t->quiet, "no summary on stderr");
  to_trace->callback([p2t, &exit_code] { exit_code = pcap_to_trace(*p2t); });
}

}  // namespace ip4ref::replay
