// props_main.cpp: main() for every property binary.
//
// RapidCheck reads its parameters from RC_PARAMS once, on first use. Before
// any test runs, this main puts the suite's defaults in front of whatever the
// user set, so the user's keys win:
//
//   RC_PARAMS = "<defaults> <user's RC_PARAMS>"
//
// The defaults come from IP4REF_RC_DEFAULTS (ctest sets it from the CMake
// cache variable IP4REF_PROPS_RC_DEFAULTS), else "max_success=300". So
//   ctest -L props                                   300 cases per property
//   RC_PARAMS="max_success=10000" ctest -L props     10,000 (ci/props --long)
//   RC_PARAMS="reproduce=..." ./props_overlap        replays one failure
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
  const char* defaults = std::getenv("IP4REF_RC_DEFAULTS");
  const char* user = std::getenv("RC_PARAMS");
  std::string params = defaults != nullptr ? defaults : "max_success=300";
  if (user != nullptr && *user != '\0') {
    params += ' ';
    params += user;
  }
  ::setenv("RC_PARAMS", params.c_str(), 1);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
