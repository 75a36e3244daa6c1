// progress_bar.h: a one-line progress bar on stderr, only when stderr is a
// terminal (isatty), redrawn at most ten times a second. The tool (not the
// library) may read the wall clock: this is display only and never changes
// a result.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace ip4ref::replay {

class ProgressBar {
 public:
  // Enabled when `wanted` and stderr is a terminal.
  ProgressBar(std::string label, std::uint64_t total_bytes, bool wanted);
  ~ProgressBar();

  // Cheap to call per packet: looks at the clock when `packets` (a count
  // that grows by one per call) is a multiple of 4096, and only then asks
  // `bytes_done()` for the position in the input.
  template <class BytesDone>
  void update(std::uint64_t packets, BytesDone bytes_done) {
    if ((packets & 4095u) == 0 && enabled_) [[unlikely]] {
      redraw(bytes_done(), packets, false);
    }
  }
  void finish();  // erases the bar

 private:
  void redraw(std::uint64_t bytes_done, std::uint64_t packets, bool force);
  std::string label_;
  std::uint64_t total_ = 0;
  bool enabled_ = false;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point last_;
};

}  // namespace ip4ref::replay
