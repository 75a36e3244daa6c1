// adapter_engines.h: the third-party engines this build of the tool has
// (lib/adapters: libtins, dpdk, linux-kernel), added to the engine registry
// (reassembly_engine.h) so that --engine, --compare and `ip4ref oracle
// --against` can name them. Each is compiled in only when its dependency was
// found at configure time (libtins-dev, dpdk-dev; linux-kernel on Linux).
#pragma once

#include <string>

namespace ip4ref::replay {

// Registers every adapter built into this binary. Idempotent.
void register_adapter_engines();

// "libtins (not built: needs libtins-dev and ...), ..." for the adapters
// this build lacks; "" when it has them all. For help texts and errors.
std::string missing_adapter_engines();

}  // namespace ip4ref::replay
