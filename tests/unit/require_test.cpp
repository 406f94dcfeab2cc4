// HEALGRID_REQUIRE: in Debug builds a broken precondition ends the process naming the condition
// and the message; in Release builds the condition is not even evaluated.
#include "healgrid/util/require.hpp"

#include <gtest/gtest.h>

namespace healgrid {
namespace {

[[maybe_unused]] bool counted(int& calls, bool value) {  // unused when NDEBUG
  ++calls;
  return value;
}

TEST(Require, HoldingPreconditionsPass) {
  int calls = 0;
  HEALGRID_REQUIRE(counted(calls, true), "never fails");
#ifdef NDEBUG
  EXPECT_EQ(calls, 0);  // Release: not evaluated, free on hot paths
#else
  EXPECT_EQ(calls, 1);
#endif
}

#ifndef NDEBUG
TEST(RequireDeathTest, ABrokenPreconditionAbortsNamingIt) {
  EXPECT_DEATH(
      HEALGRID_REQUIRE(1 + 1 == 3, "arithmetic holds"),
      "precondition failed at .*require_test.cpp:[0-9]+: 1 \\+ 1 == 3 \\(arithmetic holds\\)");
}
#endif

}  // namespace
}  // namespace healgrid
