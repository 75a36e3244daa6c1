// cmd_fragment.cpp: `ip4ref fragment IN.pcap --mtu N --out OUT.pcap`: every
// IPv4 datagram of a capture becomes a fragment train (fragment_train.h)
// written to a LINKTYPE_IPV4 pcap; every fragment of a train carries the
// datagram's timestamp. Non-IPv4 frames are skipped; packets that need no
// fragmenting (or cannot be fragmented) are written unchanged and counted.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>

#include "capture_reader.h"
#include "capture_writer.h"
#include "commands.h"
#include "exit_codes.h"
#include "fragment_train.h"
#include "ip4ref/ipv4_header.h"
#include "progress_bar.h"

namespace ip4ref::replay {
namespace {

struct FragmentArgs {
  std::string input;
  std::string out;
  std::string order = "inorder";
  std::string overlap = "none";
  TrainOptions train;
  bool quiet = false;
};

struct FragmentCounts {
  std::uint64_t packets = 0, skipped = 0, fragmented = 0, fragments = 0, unchanged = 0;
  std::uint64_t dont_fragment = 0, malformed = 0, errors = 0, overlapped = 0;
  std::uint64_t not_applicable = 0, duplicates = 0;
};

void complain(const std::string& line) {
  std::fprintf(stderr, "ip4ref fragment: %s\n", line.c_str());
}

void count(const Train& t, bool overlap_asked, FragmentCounts& c) {
  switch (t.outcome) {
    case TrainOutcome::kFragmented:
      ++c.fragmented;
      c.fragments += t.packets.size();
      c.overlapped += t.overlap_applied ? 1 : 0;
      c.not_applicable += overlap_asked && !t.overlap_applied ? 1 : 0;
      c.duplicates += t.duplicates;
      return;
    case TrainOutcome::kUnchanged:
      ++c.unchanged;
      return;
    case TrainOutcome::kDontFragment:
      ++c.dont_fragment;
      return;
    case TrainOutcome::kMalformed:
      ++c.malformed;
      return;
    case TrainOutcome::kError:
      ++c.errors;
      return;
  }
}

void print_counts(const FragmentArgs& a, const FragmentCounts& c) {
  std::fprintf(
      stderr,
      "ip4ref fragment: %llu packets: %llu fragmented into %llu packets "
      "(%llu with overlap, %llu where '%s' did not apply, %llu duplicates); "
      "%llu unchanged (fit MTU %zu), %llu DF set (unchanged; --ignore-df), "
      "%llu malformed, %llu refused, %llu non-IPv4 skipped\n",
      static_cast<unsigned long long>(c.packets), static_cast<unsigned long long>(c.fragmented),
      static_cast<unsigned long long>(c.fragments), static_cast<unsigned long long>(c.overlapped),
      static_cast<unsigned long long>(c.not_applicable), a.overlap.c_str(),
      static_cast<unsigned long long>(c.duplicates), static_cast<unsigned long long>(c.unchanged),
      a.train.mtu, static_cast<unsigned long long>(c.dont_fragment),
      static_cast<unsigned long long>(c.malformed), static_cast<unsigned long long>(c.errors),
      static_cast<unsigned long long>(c.skipped));
}

bool check_args(FragmentArgs& a) {
  const auto order = train_order_from_string(a.order);
  const auto overlap = overlap_kind_from_string(a.overlap);
  if (!order) {
    complain("--order: expected inorder, reverse or random, got '" + a.order + "'");
    return false;
  }
  if (!overlap) {
    complain("--overlap: expected one of " + std::string(overlap_kind_names()) + ", got '" +
             a.overlap + "'");
    return false;
  }
  if (a.train.mtu < kIpv4MinMtu || a.train.mtu > kIpv4MaxDatagram) {
    complain("--mtu: expected 68..65535 (RFC 791: every module forwards 68 octets), got " +
             std::to_string(a.train.mtu));
    return false;
  }
  if (!(a.train.duplicate >= 0.0 && a.train.duplicate <= 1.0)) {
    complain("--duplicate: expected a probability in [0, 1]");
    return false;
  }
  a.train.order = *order;
  a.train.overlap = *overlap;
  return true;
}

int run_fragment(FragmentArgs& a) {
  if (!check_args(a)) {
    return kExitBadInput;
  }
  std::string error;
  auto reader = CaptureReader::open(a.input, error);
  auto writer = reader ? CaptureWriter::open(a.out, error) : nullptr;
  if (!reader || !writer) {
    complain(error);
    return kExitBadInput;
  }
  TrainMaker maker(a.train);
  FragmentCounts c;
  ProgressBar progress("fragment", reader->file_size(), !a.quiet);
  CapturedPacket p;
  CaptureReader::Next next;
  while ((next = reader->next(p)) == CaptureReader::Next::kPacket) {
    ++c.packets;
    progress.update(c.packets, [&] { return reader->position(); });
    if (p.link.kind != LinkPayload::kIpv4) {
      ++c.skipped;
      continue;
    }
    const Train t = maker.make(p.link.ipv4);
    count(t, a.train.overlap != OverlapKind::kNone, c);
    for (const auto& packet : t.packets) {
      writer->write(p.timestamp, packet);
    }
  }
  progress.finish();
  if (next == CaptureReader::Next::kError || !writer->close(error)) {
    complain(next == CaptureReader::Next::kError ? reader->error() : error);
    return kExitBadInput;
  }
  if (!a.quiet) {
    print_counts(a, c);
  }
  return kExitOk;
}

}  // namespace

void add_fragment_command(CLI::App& app, int& exit_code) {
  auto a = std::make_shared<FragmentArgs>();
  CLI::App* cmd = app.add_subcommand(
      "fragment",
      "Fragment every IPv4 datagram of a capture into trains for testing other stacks.");
  cmd->add_option("input", a->input, "capture to read (pcap or pcapng)")->required();
  cmd->add_option("--mtu", a->train.mtu, "link MTU, 68..65535 (RFC 791)")->required();
  cmd->add_option("--out", a->out, "LINKTYPE_IPV4 pcap to write")->required();
  cmd->add_option("--order", a->order, "order of each train: inorder, reverse, random")
      ->capture_default_str();
  cmd->add_option("--seed", a->train.seed, "seed for --order random and --duplicate")
      ->capture_default_str();
  cmd->add_option("--duplicate", a->train.duplicate,
                  "probability in [0, 1] that a fragment is also sent a second time")
      ->capture_default_str();
  cmd->add_option(
      "--overlap", a->overlap,
      std::string("add overlapping fragments: ") + overlap_kind_names() + " (replay/README.md)");
  cmd->add_flag("--tiny", a->train.tiny, "first fragment carries only 8 data octets (RFC 1858)");
  cmd->add_flag("--ignore-df", a->train.ignore_df,
                "clear DF and fragment anyway (otherwise DF datagrams pass unchanged)");
  cmd->add_flag("--quiet", a->quiet, "no summary, no progress bar");
  cmd->callback([a, &exit_code] { exit_code = run_fragment(*a); });
}

}  // namespace ip4ref::replay
