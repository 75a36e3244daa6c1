// adapter_engines.cpp: see adapter_engines.h. The IP4REF_HAVE_* macros come
// from replay/CMakeLists.txt, set when the adapter's target exists.
#include "adapter_engines.h"

#if IP4REF_HAVE_LIBTINS
#include "libtins_engine.h"
#endif
#if IP4REF_HAVE_DPDK
#include "dpdk_engine.h"
#endif
#if IP4REF_HAVE_LINUX_KERNEL
#include "linux_kernel_engine.h"
#endif

namespace ip4ref::replay {

void register_adapter_engines() {
#if IP4REF_HAVE_LIBTINS
  register_libtins_engine();
#endif
#if IP4REF_HAVE_DPDK
  register_dpdk_engine();
#endif
#if IP4REF_HAVE_LINUX_KERNEL
  register_linux_kernel_engine();
#endif
}

std::string missing_adapter_engines() {
  std::string out;
  [[maybe_unused]] auto add = [&out](const char* text) {
    out += (out.empty() ? "" : ", ") + std::string(text);
  };
#if !IP4REF_HAVE_LIBTINS
  add("libtins (not built: needs libtins-dev and IP4REF_BUILD_ADAPTERS)");
#endif
#if !IP4REF_HAVE_DPDK
  add("dpdk (not built: needs dpdk-dev and IP4REF_BUILD_ADAPTERS)");
#endif
#if !IP4REF_HAVE_LINUX_KERNEL
  add("linux-kernel (not built: needs Linux and IP4REF_BUILD_ADAPTERS)");
#endif
  return out;
}

}  // namespace ip4ref::replay
