// shared_object_engine.h: a plug-in reassembler loaded with dlopen through
// the C ABI of ip4ref/engine.h, seen as an ordinary ReassemblyEngine.
#pragma once

#include <memory>
#include <string>

#include "ip4ref/reassembly_engine.h"

namespace ip4ref {

// Loads PATH, checks the ABI version and creates the engine with `config`.
// nullptr on failure, with the reason (dlopen's message, a missing entry
// symbol, an ABI mismatch, or create() refusing the configuration) in *error.
std::unique_ptr<ReassemblyEngine> load_shared_object_engine(const std::string& path,
                                                            const ReassemblyConfig& config,
                                                            std::string* error);

}  // namespace ip4ref
