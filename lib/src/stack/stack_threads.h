// stack_threads.h (private): the threaded mode's threads and stop flag.
#pragma once

#include <atomic>
#include <thread>

#include "ip4ref/stack.h"

namespace ip4ref {

struct Stack::Threads {
  std::atomic<bool> stop{false};
  std::thread traffic;
  std::thread input;
  std::thread output;
};

}  // namespace ip4ref
