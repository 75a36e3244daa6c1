// shared_object_engine.cpp: the dlopen adapter for C ABI plug-ins.
//
// The plug-in reports events only; the adapter keeps ReassemblyStats from
// them (ReasmOKs from Delivered with more than one fragment, the per-reason
// counters from reason names) so tools can print something, but the stats
// are not the reference's (no kCapStats) and the harness does not compare them.
#include "shared_object_engine.h"

#include <dlfcn.h>

namespace ip4ref {
namespace {

ip4ref_config to_c(const ReassemblyConfig& c, const std::string& policy) {
  ip4ref_config out{};
  out.policy = policy.c_str();
  out.timeout_ns = c.timeout.ns();
  out.high_threshold = c.high_threshold;
  out.low_threshold = c.low_threshold;
  out.max_fragments_per_datagram = c.max_fragments_per_datagram;
  out.max_datagrams = c.max_datagrams;
  out.strip_options = c.strip_options ? 1 : 0;
  return out;
}

FragmentKey from_c(const ip4ref_key& k) {
  return FragmentKey{k.source, k.destination, k.protocol, k.identification};
}

class SharedObjectEngine final : public ReassemblyEngine {
 public:
  SharedObjectEngine(void* handle, const ip4ref_engine_vtable* vt, ip4ref_engine* engine,
                     const ReassemblyConfig& config)
      : handle_(handle), vt_(vt), engine_(engine), config_(config), name_(vt->name) {}
  SharedObjectEngine(const SharedObjectEngine&) = delete;
  SharedObjectEngine& operator=(const SharedObjectEngine&) = delete;
  ~SharedObjectEngine() override {
    vt_->destroy(engine_);
    dlclose(handle_);
  }

  void push(Bytes packet, Instant now, EventSink& sink) override {
    Call call{this, &sink};
    vt_->push(engine_, packet.data(), packet.size(), now.ns(), &SharedObjectEngine::emit, &call);
  }
  void expire(Instant now, EventSink& sink) override {
    Call call{this, &sink};
    vt_->expire(engine_, now.ns(), &SharedObjectEngine::emit, &call);
  }
  std::optional<Instant> next_expiry() const override {
    std::int64_t ns = 0;
    if (vt_->next_expiry == nullptr || vt_->next_expiry(engine_, &ns) == 0) {
      return std::nullopt;
    }
    return Instant::from_ns(ns);
  }
  const ReassemblyStats& stats() const override { return stats_; }
  const ReassemblyConfig& config() const override { return config_; }
  std::string_view name() const override { return name_; }
  std::uint32_t capabilities() const override { return vt_->capabilities & IP4REF_CAP_ALL; }

 private:
  struct Call {
    SharedObjectEngine* self;
    EventSink* sink;
  };

  static void emit(void* context, const ip4ref_event* e) {
    auto* call = static_cast<Call*>(context);
    call->self->forward(*e, *call->sink);
  }

  Reason reason_of(const char* name) {
    if (name == nullptr) {
      return Reason::kCount;
    }
    return reason_from_string(name).value_or(Reason::kCount);
  }

  void count(Reason r) {
    if (r != Reason::kCount) {
      ++stats_.by_reason[static_cast<std::size_t>(r)];
    }
  }

  void forward(const ip4ref_event& e, EventSink& sink) {
    const Bytes bytes = e.bytes != nullptr ? Bytes(e.bytes, e.length) : Bytes{};
    switch (e.kind) {
      case IP4REF_EVENT_DELIVERED:
        ++(e.fragment_count > 1 ? stats_.reasm_oks : stats_.passthrough);
        sink.on_delivered(Delivered{from_c(e.key), bytes, e.fragment_count});
        return;
      case IP4REF_EVENT_DROPPED:
        count(reason_of(e.reason));
        sink.on_dropped(Dropped{reason_of(e.reason)});
        return;
      case IP4REF_EVENT_DISCARDED:
        ++stats_.reasm_fails;
        count(reason_of(e.reason));
        sink.on_discarded(
            Discarded{from_c(e.key), reason_of(e.reason), e.first_fragment_seen != 0, bytes});
        return;
    }
  }

  void* handle_;
  const ip4ref_engine_vtable* vt_;
  ip4ref_engine* engine_;
  ReassemblyConfig config_;
  std::string name_;
  ReassemblyStats stats_;
};

}  // namespace

std::unique_ptr<ReassemblyEngine> load_shared_object_engine(const std::string& path,
                                                            const ReassemblyConfig& config,
                                                            std::string* error) {
  auto fail = [error](std::string why) -> std::unique_ptr<ReassemblyEngine> {
    if (error != nullptr) {
      *error = std::move(why);
    }
    return nullptr;
  };
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    return fail("cannot load engine '" + path + "': " + (why != nullptr ? why : "dlopen failed"));
  }
  auto entry = reinterpret_cast<ip4ref_engine_entry_fn>(dlsym(handle, IP4REF_ENGINE_ENTRY_SYMBOL));
  const ip4ref_engine_vtable* vt = entry != nullptr ? entry() : nullptr;
  if (vt == nullptr) {
    dlclose(handle);
    return fail("'" + path + "' does not export " IP4REF_ENGINE_ENTRY_SYMBOL "()");
  }
  if (vt->abi_version != IP4REF_ENGINE_ABI_VERSION || vt->create == nullptr ||
      vt->destroy == nullptr || vt->push == nullptr || vt->expire == nullptr) {
    dlclose(handle);
    return fail("'" + path + "': ABI version " + std::to_string(vt->abi_version) +
                " or missing functions (expected ABI " +
                std::to_string(IP4REF_ENGINE_ABI_VERSION) + ")");
  }
  const std::string policy(to_string(config.policy));
  const ip4ref_config c = to_c(config, policy);
  ip4ref_engine* engine = vt->create(&c);
  if (engine == nullptr) {
    const std::string name = vt->name != nullptr ? vt->name : path;  // before dlclose
    dlclose(handle);
    return fail("engine '" + name + "' refused the configuration (policy " + policy + ")");
  }
  return std::make_unique<SharedObjectEngine>(handle, vt, engine, config);
}

}  // namespace ip4ref
