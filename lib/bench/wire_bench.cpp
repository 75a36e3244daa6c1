// wire_bench.cpp: the fragmenter and the checksum, reference and fast, next
// to memcpy of the same octets. Names "fragment/<scenario>/<impl>" and
// "checksum/<size>/<impl>".
#include <benchmark/benchmark.h>

#include <cstring>

#include "bench_traffic.h"
#include "ip4ref/checksum.h"
#include "ip4ref/fast_checksum.h"
#include "ip4ref/fast_fragmenter.h"
#include "ip4ref/fragmenter.h"

namespace ip4ref::bench {
namespace {

using Fragmenter = FragmentResult (*)(Bytes, std::size_t, FragmenterStats*);

void run_fragmenter(benchmark::State& state, Fragmenter f, std::size_t size, std::size_t mtu,
                    bool options) {
  const Packet p = make_datagram(size, options, 11);
  std::size_t pieces = 0;
  for (auto _ : state) {
    FragmentResult r = f(p, mtu, nullptr);
    pieces = r.fragments.size();
    benchmark::DoNotOptimize(r.fragments.data());
  }
  const auto n = static_cast<std::int64_t>(state.iterations());
  state.SetBytesProcessed(n * static_cast<std::int64_t>(size));
  state.SetItemsProcessed(n * static_cast<std::int64_t>(pieces));
}

void run_copy(benchmark::State& state, std::size_t size) {
  const Packet p = make_datagram(size, false, 11);
  std::vector<std::uint8_t> out(p.size());
  for (auto _ : state) {
    std::memcpy(out.data(), p.data(), p.size());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(size));
}

template <std::uint16_t (*sum)(Bytes)>
void run_checksum(benchmark::State& state, std::size_t size) {
  const Packet p = make_datagram(size, false, 12);
  for (auto _ : state) {
    benchmark::DoNotOptimize(sum(p));
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(p.size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

const bool registered = [] {
  struct F {
    const char* name;
    std::size_t size;
    std::size_t mtu;
    bool options;
  };
  for (const F& s : {F{"64KiB-mtu1500", 65000, 1500, false}, F{"1400B-mtu576", 1400, 576, false},
                     F{"1400B-mtu576-options", 1400, 576, true}}) {
    const std::string base = std::string("fragment/") + s.name;
    benchmark::RegisterBenchmark((base + "/ref").c_str(), [s](benchmark::State& st) {
      run_fragmenter(st, &ip4ref::fragment, s.size, s.mtu, s.options);
    });
    benchmark::RegisterBenchmark((base + "/fast").c_str(), [s](benchmark::State& st) {
      run_fragmenter(st, &ip4ref::fast::fragment, s.size, s.mtu, s.options);
    });
    benchmark::RegisterBenchmark((base + "/memcpy").c_str(),
                                 [s](benchmark::State& st) { run_copy(st, s.size); });
  }
  for (std::size_t size : {20, 1480, 65000}) {
    const std::string base = "checksum/" + std::to_string(size) + "B";
    benchmark::RegisterBenchmark((base + "/ref").c_str(), [size](benchmark::State& st) {
      run_checksum<&ip4ref::internet_checksum>(st, size);
    });
    benchmark::RegisterBenchmark((base + "/fast").c_str(), [size](benchmark::State& st) {
      run_checksum<&ip4ref::fast::internet_checksum>(st, size);
    });
    benchmark::RegisterBenchmark((base + "/memcpy").c_str(),
                                 [size](benchmark::State& st) { run_copy(st, size); });
  }
  return true;
}();

}  // namespace
}  // namespace ip4ref::bench
