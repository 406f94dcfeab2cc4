#include "healgrid/util/cpu_features.hpp"

namespace healgrid {

bool cpu_has_avx2() {
#if defined(__x86_64__)
  // On first use, possibly before libgcc's own CPU probe has run: run it first.
  static const bool has = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") != 0;
  }();
  return has;
#else
  return false;
#endif
}

}  // namespace healgrid
