// libpcap_on_demand.cpp: the libpcap functions the ip4ref tool calls, each
// forwarding to libpcap loaded (dlopen) the first time one of them is called.
//
// Why: a replay of a classic pcap file never calls libpcap (pcap_savefile.h
// parses it), yet a tool linked against libpcap maps it and, on Debian, the
// nine libraries it pulls in (dbus, systemd, gcrypt, lzma, zstd, lz4, ...) at
// every start: about 1 ms of a ~30 ms replay (README.md "Speed"). Linked
// into the tool with --as-needed, these definitions satisfy every libpcap
// reference, so libpcap is no longer a start-up dependency; pcapng, other
// link types' names, --out and the stack's PcapLink load it when they need it.
//
// The signatures are pcap/pcap.h's (this file includes it, so a mismatch does
// not compile). IP4REF_LIBPCAP_SONAME is the soname of the libpcap found at
// configure time (replay/CMakeLists.txt). A tool that calls a libpcap
// function not listed here still links and works: libpcap is then a normal
// dependency again (tool_test.sh checks it is not).
//
// If libpcap cannot be loaded when needed: one line on stderr, exit 2 (bad
// input / environment, as every other failure of the tool).
#include <dlfcn.h>
#include <pcap/pcap.h>

#include <cstdio>
#include <cstdlib>

#ifndef IP4REF_LIBPCAP_SONAME
#error "IP4REF_LIBPCAP_SONAME must name the libpcap to load (replay/CMakeLists.txt)"
#endif

namespace {

[[noreturn]] void cannot_load(const char* what) {
  const char* why = dlerror();
  std::fprintf(stderr, "ip4ref: cannot load libpcap (%s) for %s: %s\n", IP4REF_LIBPCAP_SONAME,
               what, why != nullptr ? why : "unknown error");
  std::exit(2);
}

void* library(const char* what) {
  // Initialised once, thread-safe (C++11 static initialisation).
  static void* const handle = [what] {
    void* h = dlopen(IP4REF_LIBPCAP_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (h == nullptr) {
      cannot_load(what);
    }
    return h;
  }();
  return handle;
}

template <typename F>
F* resolve(const char* name) {
  void* f = dlsym(library(name), name);
  if (f == nullptr) {
    cannot_load(name);
  }
  return reinterpret_cast<F*>(f);
}

}  // namespace

// One forwarding definition per function; `real` is looked up on first call.
#define IP4REF_FORWARD(name, ret, params, args)                   \
  ret name params {                                               \
    static auto* const real = resolve<decltype(::name)>(#name);   \
    return real args;                                             \
  }

extern "C" {

IP4REF_FORWARD(pcap_open_offline_with_tstamp_precision, pcap_t*,
               (const char* fname, u_int precision, char* errbuf), (fname, precision, errbuf))
IP4REF_FORWARD(pcap_fopen_offline_with_tstamp_precision, pcap_t*,
               (FILE * fp, u_int precision, char* errbuf), (fp, precision, errbuf))
IP4REF_FORWARD(pcap_open_dead_with_tstamp_precision, pcap_t*,
               (int linktype, int snaplen, u_int precision), (linktype, snaplen, precision))
IP4REF_FORWARD(pcap_open_offline, pcap_t*, (const char* fname, char* errbuf), (fname, errbuf))
IP4REF_FORWARD(pcap_open_dead, pcap_t*, (int linktype, int snaplen), (linktype, snaplen))
IP4REF_FORWARD(pcap_close, void, (pcap_t * p), (p))
IP4REF_FORWARD(pcap_next_ex, int, (pcap_t * p, struct pcap_pkthdr** h, const u_char** data),
               (p, h, data))
IP4REF_FORWARD(pcap_datalink, int, (pcap_t * p), (p))
IP4REF_FORWARD(pcap_datalink_val_to_name, const char*, (int dlt), (dlt))
IP4REF_FORWARD(pcap_snapshot, int, (pcap_t * p), (p))
IP4REF_FORWARD(pcap_major_version, int, (pcap_t * p), (p))
IP4REF_FORWARD(pcap_file, FILE*, (pcap_t * p), (p))
IP4REF_FORWARD(pcap_geterr, char*, (pcap_t * p), (p))
IP4REF_FORWARD(pcap_dump_open, pcap_dumper_t*, (pcap_t * p, const char* fname), (p, fname))
IP4REF_FORWARD(pcap_dump, void, (u_char * user, const struct pcap_pkthdr* h, const u_char* sp),
               (user, h, sp))
IP4REF_FORWARD(pcap_dump_flush, int, (pcap_dumper_t * d), (d))
IP4REF_FORWARD(pcap_dump_file, FILE*, (pcap_dumper_t * d), (d))
IP4REF_FORWARD(pcap_dump_close, void, (pcap_dumper_t * d), (d))

}  // extern "C"
