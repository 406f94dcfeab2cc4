// The OpenMP threads a rank gives libraries (util/library_threads.hpp): one, unless the user's
// OMP_NUM_THREADS says otherwise.
#include "healgrid/util/library_threads.hpp"

#include <gtest/gtest.h>
#include <omp.h>

#include <cstdlib>
#include <map>

#include "env_lookup.hpp"

namespace healgrid {
namespace {

TEST(LibraryThreads, OneThreadUnlessTheUserSaysOtherwise) {
  EXPECT_EQ(library_threads(env_of({})), 1);
  EXPECT_EQ(library_threads(env_of({{"OMP_NUM_THREADS", "4"}})), 4);
  EXPECT_EQ(library_threads(env_of({{"OMP_NUM_THREADS", "6,2"}})), 6) << "a list per level";
  for (const char* bad : {"", "0", "-2", "four", "3x"})
    EXPECT_EQ(library_threads(env_of({{"OMP_NUM_THREADS", bad}})), 1) << bad;
}

// What muparser's bulk mode asks the runtime for (its thread count is omp_get_max_threads()).
TEST(LibraryThreads, TheRuntimeIsLimitedToThem) {
  limit_library_threads();
  const char* set = std::getenv("OMP_NUM_THREADS");
  EXPECT_EQ(
      omp_get_max_threads(),
      library_threads(env_of(set ? std::map<std::string, std::string>{{"OMP_NUM_THREADS", set}}
                                 : std::map<std::string, std::string>{})));
  if (!set) {
    EXPECT_EQ(omp_get_max_threads(), 1);
  }
}

}  // namespace
}  // namespace healgrid
