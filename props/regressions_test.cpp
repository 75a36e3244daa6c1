// regressions_test.cpp: every counterexample a property found in lib/, kept
// as a plain GoogleTest case with the shrunk input, so it is checked forever
// at no cost (see README.md "Regressions").
#include <gtest/gtest.h>

#include "generators.h"
#include "packets.h"

namespace ip4ref::props {
namespace {}  // namespace
}  // namespace ip4ref::props
