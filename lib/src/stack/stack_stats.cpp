// stack_stats.cpp: printing the stack's counters as "name value" lines (the
// `ip4ref tun` summary, and what the netns tests grep).
#include "ip4ref/stack_stats.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ip4ref {
namespace {

void line(std::string& out, std::string_view name, std::uint64_t value) {
  out += name;
  out += ' ';
  out += std::to_string(value);
  out += '\n';
}

void pool_lines(std::string& out, std::string_view pool, const PoolStats& s) {
  const std::string p{pool};
  line(out, p + ".pushed", s.pushed);
  line(out, p + ".popped", s.popped);
  line(out, p + ".backpressure", s.backpressure);
  line(out, p + ".oversize", s.oversize);
  line(out, p + ".high_water", s.high_water);
}

}  // namespace

std::string to_string(const StackStats& s) {
  std::string out;
  line(out, "in_receives", s.in_receives);
  line(out, "in_hdr_errors", s.in_hdr_errors);
  line(out, "in_addr_errors", s.in_addr_errors);
  line(out, "in_unknown_protos", s.in_unknown_protos);
  line(out, "in_fragments", s.in_fragments);
  line(out, "in_delivers_unfragmented", s.in_delivers_unfragmented);
  line(out, "in_delivers", s.in_delivers);
  line(out, "input_stalls", s.input_stalls);
  line(out, "icmp_in_echo_requests", s.icmp_in_echo_requests);
  line(out, "icmp_out_echo_replies", s.icmp_out_echo_replies);
  line(out, "icmp_out_time_exceeded", s.icmp_out_time_exceeded);
  line(out, "icmp_out_unreachable", s.icmp_out_unreachable);
  line(out, "icmp_errors_suppressed", s.icmp_errors_suppressed);
  line(out, "udp_in_datagrams", s.udp_in_datagrams);
  line(out, "udp_out_datagrams", s.udp_out_datagrams);
  line(out, "out_requests", s.out_requests);
  line(out, "out_queued", s.out_queued);
  line(out, "out_shuffled", s.out_shuffled);
  line(out, "out_frag_oks", s.fragmenter.frag_oks);
  line(out, "out_frag_fails", s.fragmenter.frag_fails);
  line(out, "out_frag_creates", s.fragmenter.frag_creates);
  line(out, "out_transmits", s.out_transmits);
  line(out, "link_stalls", s.link_stalls);
  line(out, "reasm_reqds", s.reassembly.reasm_reqds);
  line(out, "reasm_oks", s.reassembly.reasm_oks);
  line(out, "reasm_fails", s.reassembly.reasm_fails);
  line(out, "reasm_timeout", s.reassembly.reasm_timeout);
  for (std::size_t i = 0; i < kReasonCount; ++i) {
    if (s.by_reason[i] != 0) {
      line(out, "drop." + std::string(to_string(static_cast<Reason>(i))), s.by_reason[i]);
    }
  }
  for (std::size_t i = 0; i < kStackReasonCount; ++i) {
    if (s.by_stack_reason[i] != 0) {
      line(out, "drop." + std::string(to_string(static_cast<StackReason>(i))),
           s.by_stack_reason[i]);
    }
  }
  pool_lines(out, "in_pool", s.in_pool);
  pool_lines(out, "send_queue", s.send_queue);
  pool_lines(out, "reply_queue", s.reply_queue);
  pool_lines(out, "out_pool", s.out_pool);
  return out;
}

}  // namespace ip4ref
