// reassembly_diff: the reference and the fast reassembly engines in lockstep
// over a fuzz trace (fuzz/README.md). After every record both engines' events,
// stats and next_expiry() must agree, and ref's behaviour must keep the
// engine contract (fuzz_support.h, Lockstep). A difference aborts with a
// stable signature such as "ref-fast-Delivered-difference".
//
// Until the fast engine is registered, the candidate is a second "ref".
// The structure-aware mutator for this target is trace_mutator.cpp.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.h"
#include "trace.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ip4ref::trace::Trace trace =
      ip4ref::trace::decode_lenient({data, size}, ip4ref::fuzz::kDiffLimits);
  ip4ref::fuzz::Lockstep(trace).run();
  return 0;
}
