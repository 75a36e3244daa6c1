// stack: two whole IPv4 stacks in lockstep, one on the reference engine and
// fragmenter, one on the candidate ("fast"), each on a MemoryLink driven by
// the input (fuzz/stack_input.h: stack knobs, then a trace of packets that
// arrive, sends, clock steps). After every record both must have written the
// same packets, delivered the same datagrams to handlers and counted the same
// StackStats, and the reference must keep the stack's invariants
// (stack_lockstep.h). A difference aborts with a stable signature such as
// "stack-ref-fast-emitted-difference".
#include <cstddef>
#include <cstdint>

#include "stack_input.h"
#include "stack_lockstep.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ip4ref::fuzz::StackInput input = ip4ref::fuzz::decode_stack_input({data, size});
  ip4ref::fuzz::StackLockstep(input).run();
  return 0;
}
