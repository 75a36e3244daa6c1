// progress_bar.cpp
#include "progress_bar.h"

#include <unistd.h>

#include <cstdio>

namespace ip4ref::replay {
namespace {
constexpr int kWidth = 30;
constexpr auto kRedrawEvery = std::chrono::milliseconds(100);
}  // namespace

ProgressBar::ProgressBar(std::string label, std::uint64_t total_bytes, bool wanted)
    : label_(std::move(label)),
      total_(total_bytes),
      enabled_(wanted && ::isatty(STDERR_FILENO) == 1),
      started_(std::chrono::steady_clock::now()),
      last_(started_) {}

ProgressBar::~ProgressBar() {
  finish();
}

void ProgressBar::redraw(std::uint64_t bytes_done, std::uint64_t packets, bool force) {
  const auto now = std::chrono::steady_clock::now();
  if (!force && now - last_ < kRedrawEvery) {
    return;
  }
  last_ = now;
  const double fraction =
      total_ == 0 ? 0.0 : static_cast<double>(bytes_done) / static_cast<double>(total_);
  const int filled = static_cast<int>(fraction * kWidth);
  const double seconds = std::chrono::duration<double>(now - started_).count();
  const double rate = seconds > 0 ? static_cast<double>(packets) / seconds : 0.0;
  std::fprintf(stderr, "\r%s [%-*.*s] %5.1f%% %llu packets %.2f Mpkt/s ", label_.c_str(), kWidth,
               filled, "##############################", fraction * 100.0,
               static_cast<unsigned long long>(packets), rate / 1e6);
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::finish() {
  if (drawn_) {
    std::fprintf(stderr, "\r\033[K");  // carriage return, erase to end of line
    std::fflush(stderr);
    drawn_ = false;
  }
  enabled_ = false;
}

}  // namespace ip4ref::replay
