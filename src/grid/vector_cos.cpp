#include "healgrid/grid/vector_cos.hpp"

#include <cmath>

#include "healgrid/util/cpu_features.hpp"

#if defined(HEALGRID_HAVE_LIBMVEC) && defined(__x86_64__)
#include <immintrin.h>

// libmvec's cos in the x86-64 vector function ABI: 'b' takes 2 lanes in SSE registers, 'd' 4
// lanes in AVX2 ones (glibc picks each one's best implementation for the CPU when it loads).
extern "C" __m128d _ZGVbN2v_cos(__m128d);
extern "C" __m256d _ZGVdN4v_cos(__m256d);
#define HEALGRID_SIMD_COS 1
#endif

namespace healgrid {
namespace {

#ifdef HEALGRID_SIMD_COS
__attribute__((target("avx2"))) std::size_t cos_avx2(const double* x, double* out, std::size_t n) {
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) _mm256_storeu_pd(out + i, _ZGVdN4v_cos(_mm256_loadu_pd(x + i)));
  return i;
}
#endif

}  // namespace

void vector_cos(const double* x, double* out, std::size_t n) {
  std::size_t i = 0;
#ifdef HEALGRID_SIMD_COS
  if (use_avx2()) i = cos_avx2(x, out, n);
  for (; i + 2 <= n; i += 2) _mm_storeu_pd(out + i, _ZGVbN2v_cos(_mm_loadu_pd(x + i)));
#endif
  for (; i < n; ++i) out[i] = std::cos(x[i]);
}

bool vector_cos_is_simd() {
#ifdef HEALGRID_SIMD_COS
  return true;
#else
  return false;
#endif
}

}  // namespace healgrid
