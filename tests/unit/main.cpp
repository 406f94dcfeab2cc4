// Unit-test entry point. Tests that need MPI initialise it themselves (singleton MPI).
#include <gtest/gtest.h>

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
