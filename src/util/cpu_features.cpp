#include "healgrid/util/cpu_features.hpp"

#include <cstdlib>
#include <cstring>

namespace healgrid {

bool use_avx2() {
#if defined(__x86_64__)
  // On first use, possibly before libgcc's own CPU probe has run: run it first.
  static const bool use = [] {
    const char* simd = std::getenv("HEALGRID_SIMD");
    if (simd != nullptr && std::strcmp(simd, "baseline") == 0) return false;
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") != 0;
  }();
  return use;
#else
  return false;
#endif
}

}  // namespace healgrid
