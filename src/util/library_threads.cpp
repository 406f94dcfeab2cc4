#include "healgrid/util/library_threads.hpp"

#include <omp.h>

#include <cstdlib>
#include <string>

namespace healgrid {

int library_threads(const EnvLookup& env) {
  const char* value = env("OMP_NUM_THREADS");
  if (value == nullptr) return 1;
  // OpenMP's own syntax: a positive number, or a list of them per nesting level.
  char* end = nullptr;
  const long n = std::strtol(value, &end, 10);
  if (end == value || n < 1 || n > 4096 || (*end != '\0' && *end != ',')) return 1;
  return static_cast<int>(n);
}

void limit_library_threads() {
  omp_set_num_threads(
      library_threads([](const std::string& name) { return std::getenv(name.c_str()); }));
}

}  // namespace healgrid
