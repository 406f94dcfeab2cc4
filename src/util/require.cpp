#include "healgrid/util/require.hpp"

#include <cstdio>
#include <cstdlib>

namespace healgrid {

void precondition_failed(const char* condition, const char* message, const char* file, int line) {
  std::fprintf(stderr, "healgrid: precondition failed at %s:%d: %s (%s)\n", file, line, condition,
               message);
  std::fflush(stderr);
  std::abort();
}

}  // namespace healgrid
