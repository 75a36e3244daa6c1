// exit_codes.h: what every ip4ref command returns (replay/README.md).
#pragma once

namespace ip4ref::replay {

enum ExitCode : int {
  kExitOk = 0,         // success, nothing different
  kExitDifferent = 1,  // differences found (diff, --compare, --expect)
  kExitBadInput = 2,   // bad usage or bad input (one line on stderr says which)
};

}  // namespace ip4ref::replay
