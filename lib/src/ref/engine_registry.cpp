// engine_registry.cpp: engines by name, one registry for every tool (fuzz,
// props, replay, bench). "ref" is always present and first, "fast" second;
// adapters register themselves (see register_engine).
#include <algorithm>

#include "fast/reassembly_table.h"
#include "ip4ref/reassembly_engine.h"
#include "reassembly_store.h"
#include "shared_object_engine.h"

namespace ip4ref {
namespace {

std::vector<EngineInfo>& registry() {
  static std::vector<EngineInfo> engines = {
      {"ref", "reference reassembly store (lib/src/ref): clarity first",
       [](const ReassemblyConfig& c) -> std::unique_ptr<ReassemblyEngine> {
         return std::make_unique<ref::ReassemblyStore>(c);
       }},
      {"fast", "optimised reassembly table (lib/src/fast): same events, built for speed",
       [](const ReassemblyConfig& c) -> std::unique_ptr<ReassemblyEngine> {
         return std::make_unique<fast::ReassemblyTable>(c);
       }},
  };
  return engines;
}

}  // namespace

const std::vector<EngineInfo>& engine_registry() { return registry(); }

void register_engine(EngineInfo info) {
  auto& engines = registry();
  auto same = [&](const EngineInfo& e) { return e.name == info.name; };
  if (auto it = std::find_if(engines.begin(), engines.end(), same); it != engines.end()) {
    *it = std::move(info);
    return;
  }
  engines.push_back(std::move(info));
}

std::unique_ptr<ReassemblyEngine> make_engine(std::string_view name,
                                              const ReassemblyConfig& config, std::string* error) {
  if (name.substr(0, 3) == "so:") {
    return load_shared_object_engine(std::string(name.substr(3)), config, error);
  }
  for (const EngineInfo& e : registry()) {
    if (e.name == name) {
      return e.factory(config);
    }
  }
  if (error != nullptr) {
    *error = "unknown engine '" + std::string(name) + "'";
  }
  return nullptr;
}

}  // namespace ip4ref
