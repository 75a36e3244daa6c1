// header_parse: arbitrary bytes as an IPv4 packet. Ipv4View::parse must
// refuse exactly what its documented guard clauses refuse, in their order;
// no accessor may read out of bounds (ASan); Ipv4Header parse -> emit ->
// parse is the identity and emit writes a verifying checksum; the checksum
// functions agree with a plain RFC 1071 loop written here, with the RFC 1624
// incremental update, and with the fast checksum when it exists; an ICMP echo
// request inside gets a well-formed reply.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "fuzz_support.h"
#include "ip4ref/checksum.h"
#include "ip4ref/icmp.h"
#include "ip4ref/ipv4_header.h"
#if defined(IP4REF_HAVE_FAST_CHECKSUM)
#include "ip4ref/fast_checksum.h"
#endif

namespace ip4ref::fuzz {
namespace {

// RFC 1071 4.1, as plainly as it can be written.
std::uint16_t plain_sum(Bytes b, std::uint32_t sum = 0) {
  for (std::size_t i = 0; i < b.size(); i += 2) {
    sum += static_cast<std::uint32_t>(b[i] << 8) + (i + 1 < b.size() ? b[i + 1] : 0u);
  }
  while (sum >> 16) {
    sum = (sum & 0xffff) + (sum >> 16);
  }
  return static_cast<std::uint16_t>(sum);
}

// Ipv4View::parse's guard clauses, restated from ipv4_header.h.
Reason expected_parse_error(Bytes b) {
  if (b.size() < 20) {
    return Reason::kTruncated;
  }
  if ((b[0] >> 4) != 4) {
    return Reason::kBadVersion;
  }
  const std::size_t hl = std::size_t{b[0] & 0x0fu} * 4;
  if (hl < 20) {
    return Reason::kBadHeaderLength;
  }
  if (b.size() < hl) {
    return Reason::kTruncated;
  }
  const std::size_t tl = load_be16(b, 2);
  if (tl < hl || tl > b.size()) {
    return Reason::kBadTotalLength;
  }
  return Reason::kCount;
}

void check_checksums(Bytes b) {
  const std::uint16_t initial = b.size() >= 2 ? load_be16(b, 0) : 0;
  if (ones_complement_sum(b) != plain_sum(b) ||
      ones_complement_sum(b, initial) != plain_sum(b, initial) ||
      internet_checksum(b) != static_cast<std::uint16_t>(~plain_sum(b))) {
    report("checksum-differs-from-rfc1071");
  }
#if defined(IP4REF_HAVE_FAST_CHECKSUM)
  for (std::size_t skip = 0; skip < 4 && skip <= b.size(); ++skip) {
    const Bytes part = b.subspan(skip);
    if (ip4ref::fast::internet_checksum(part) != internet_checksum(part) ||
        ip4ref::fast::ones_complement_sum(part, initial) != ones_complement_sum(part, initial)) {
      report("ref-fast-checksum-difference");
    }
  }
#endif
}

// RFC 1624 eqn. 3 equals recomputation: on a header with a correct checksum,
// change one 16-bit word and update the checksum both ways.
void check_incremental(const Ipv4View& v, Bytes input) {
  std::vector<std::uint8_t> h(v.header().begin(), v.header().end());
  const MutableBytes m{h};
  store_be16(m, ipv4_field::kChecksum, 0);
  const std::uint16_t before = internet_checksum(m);
  store_be16(m, ipv4_field::kChecksum, before);
  const std::size_t word = (input.size() > 0 ? input.back() : 0) % (h.size() / 2);
  if (word * 2 == ipv4_field::kChecksum) {
    return;
  }
  const std::uint16_t old_word = load_be16(m, word * 2);
  const auto new_word = static_cast<std::uint16_t>(load_be16(input, 0) ^ 0x5a5a);
  store_be16(m, word * 2, new_word);
  store_be16(m, ipv4_field::kChecksum, 0);
  const std::uint16_t recomputed = internet_checksum(m);
  if (checksum_update16(before, old_word, new_word) != recomputed) {
    report("checksum-incremental-differs-from-recomputed");
  }
}

void check_round_trip(const Ipv4View& v) {
  const auto header = Ipv4Header::parse(v);
  if (!header) {
    if (header.error() != Reason::kBadOptions || parse_options(v.options())) {
      report("header-parse-wrong-options-reason");
    }
    return;
  }
  const auto size = header->size();
  if (!size || *size > kIpv4MaxHeader || *size % 4 != 0) {
    report("header-size-invalid");
  }
  std::vector<std::uint8_t> out(*size + v.payload().size());
  const auto written = header->emit(out);
  if (!written || *written != *size) {
    report("header-emit-failed");
  }
  std::copy(v.payload().begin(), v.payload().end(),
            out.begin() + static_cast<std::ptrdiff_t>(*size));
  // Total length keeps the parsed value, which may disagree with the new size.
  store_be16(out, ipv4_field::kTotalLength, static_cast<std::uint16_t>(out.size()));
  store_be16(out, ipv4_field::kChecksum, 0);
  store_be16(out, ipv4_field::kChecksum, internet_checksum(Bytes(out).first(*size)));
  const auto again = Ipv4View::parse(out);
  if (!again || !again->checksum_ok()) {
    report("header-emit-unparsable");
  }
  auto reparsed = Ipv4Header::parse(*again);
  if (!reparsed) {
    report("header-emit-options-unparsable");
  }
  reparsed->total_length = header->total_length;
  if (!(*reparsed == *header)) {
    report("header-round-trip-differs");
  }
}

void check_icmp(const Ipv4View& v) {
  const auto icmp = IcmpView::parse(v.payload());
  if (!icmp || icmp->type() != icmp_type::kEchoRequest || !icmp->checksum_ok()) {
    return;
  }
  const auto reply = make_echo_reply(*icmp);
  const auto rv = reply ? IcmpView::parse(*reply) : IcmpView::parse({});
  if (!rv || rv->type() != icmp_type::kEchoReply || !rv->checksum_ok() ||
      rv->identifier() != icmp->identifier() || rv->sequence() != icmp->sequence() ||
      !std::equal(rv->data().begin(), rv->data().end(), icmp->data().begin(), icmp->data().end())) {
    report("icmp-echo-reply-wrong");
  }
}

}  // namespace
}  // namespace ip4ref::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ip4ref;
  using namespace ip4ref::fuzz;
  const Bytes input{data, size};
  fuzz::check_checksums(input);
  const auto view = Ipv4View::parse(input);
  const Reason expected = expected_parse_error(input);
  if (!view) {
    if (view.error() != expected) {
      report("header-parse-wrong-reason");
    }
    return 0;
  }
  if (expected != Reason::kCount || view->bytes().size() != view->total_length() ||
      view->header().size() + view->payload().size() != view->total_length() ||
      view->checksum_ok() != (plain_sum(view->header()) == 0xffff)) {
    report("header-view-inconsistent");
  }
  check_incremental(*view, input);
  check_round_trip(*view);
  check_icmp(*view);
  return 0;
}
