#include <cstdint>

#include "healgrid/grid/certain_cell.hpp"
#include "healgrid/util/cpu_features.hpp"

#if defined(__x86_64__)
#include <immintrin.h>
#define HEALGRID_AVX2_CELLS 1
#endif

namespace healgrid {
namespace {

#ifdef HEALGRID_AVX2_CELLS
using certain_cell_detail::kPi;
using certain_cell_detail::kSlack;

// Lanes where floor(x) is certain by margin m (certain_floor): f = trunc(x) in 64-bit lanes
// (x < 2^31 wherever it matters: other lanes are masked by the caller) and the mask.
__attribute__((target("avx2"))) inline __m256i certain_floor4(__m256d x, __m256d m,
                                                              __m256d one_less_m, __m256d& ok) {
  const __m128i f32 = _mm256_cvttpd_epi32(x);
  const __m256d fraction = _mm256_sub_pd(x, _mm256_cvtepi32_pd(f32));
  ok = _mm256_and_pd(ok, _mm256_and_pd(_mm256_cmp_pd(fraction, m, _CMP_GE_OQ),
                                       _mm256_cmp_pd(fraction, one_less_m, _CMP_LE_OQ)));
  return _mm256_cvtepi32_epi64(f32);
}

// nest() for order <= 16: x in the low 32 bits of a word, y in the high, interleaved at once.
__attribute__((target("avx2"))) inline __m256i nest4(__m256i face, __m256i ix, __m256i iy,
                                                     int order) {
  __m256i w = _mm256_or_si256(ix, _mm256_slli_epi64(iy, 32));
  w = _mm256_and_si256(_mm256_or_si256(w, _mm256_slli_epi64(w, 8)),
                       _mm256_set1_epi64x(0x00FF00FF00FF00FFll));
  w = _mm256_and_si256(_mm256_or_si256(w, _mm256_slli_epi64(w, 4)),
                       _mm256_set1_epi64x(0x0F0F0F0F0F0F0F0Fll));
  w = _mm256_and_si256(_mm256_or_si256(w, _mm256_slli_epi64(w, 2)),
                       _mm256_set1_epi64x(0x3333333333333333ll));
  w = _mm256_and_si256(_mm256_or_si256(w, _mm256_slli_epi64(w, 1)),
                       _mm256_set1_epi64x(0x5555555555555555ll));
  const __m256i xy = _mm256_or_si256(_mm256_and_si256(w, _mm256_set1_epi64x(0xFFFFFFFFll)),
                                     _mm256_slli_epi64(_mm256_srli_epi64(w, 32), 1));
  return _mm256_add_epi64(_mm256_slli_epi64(face, 2 * order), xy);
}

// The constants of one order and dz, as certain_cell computes them.
struct Constants {
  Constants(int order, double dz)
      : order(order),
        nside(std::int64_t{1} << order),
        ns(static_cast<double>(nside)),
        eq_m(ns * (0.75 * dz + 8 * kSlack)),
        eq_one_less_m(1.0 - eq_m),
        eq_limit(2.0 / 3 - dz - kSlack),
        cap_limit(2.0 / 3 + dz + kSlack),
        pole_gap(2 * dz + kSlack),
        cap_k(4.25 * dz * ns) {}
  int order;
  std::int64_t nside;
  double ns, eq_m, eq_one_less_m, eq_limit, cap_limit, pole_gap, cap_k;
};

// The equatorial belt's cells where `eq` holds and the cell is certain, else `cell` as it was:
// the edge-line indices jp, jm, then the face and (x, y) in it.
__attribute__((target("avx2"))) inline __m256i equatorial4(const Constants& c, __m256d zi,
                                                           __m256d tt, __m256d eq, __m256i cell) {
  const __m256d ns = _mm256_set1_pd(c.ns);
  const __m256d m = _mm256_set1_pd(c.eq_m), one_less_m = _mm256_set1_pd(c.eq_one_less_m);
  const __m256d t1 = _mm256_mul_pd(ns, _mm256_add_pd(_mm256_set1_pd(0.5), tt));
  const __m256d t2 = _mm256_mul_pd(ns, _mm256_mul_pd(_mm256_set1_pd(0.75), _mm256_and_pd(zi, eq)));
  __m256d ok =
      _mm256_and_pd(eq, _mm256_and_pd(_mm256_cmp_pd(tt, _mm256_set1_pd(kSlack), _CMP_GE_OQ),
                                      _mm256_cmp_pd(tt, _mm256_set1_pd(4.0 - kSlack), _CMP_LE_OQ)));
  const __m256i jp = certain_floor4(_mm256_sub_pd(t1, t2), m, one_less_m, ok);
  const __m256i jm = certain_floor4(_mm256_add_pd(t1, t2), m, one_less_m, ok);
  const __m256i ifp = _mm256_srli_epi64(jp, c.order), ifm = _mm256_srli_epi64(jm, c.order);
  const __m256i unequal_face = _mm256_blendv_epi8(_mm256_add_epi64(ifm, _mm256_set1_epi64x(8)), ifp,
                                                  _mm256_cmpgt_epi64(ifm, ifp));
  const __m256i face = _mm256_blendv_epi8(unequal_face, _mm256_or_si256(ifp, _mm256_set1_epi64x(4)),
                                          _mm256_cmpeq_epi64(ifp, ifm));
  const __m256i low = _mm256_set1_epi64x(c.nside - 1);
  const __m256i ix = _mm256_and_si256(jm, low);
  const __m256i iy = _mm256_sub_epi64(low, _mm256_and_si256(jp, low));  // nside - (jp & low) - 1
  return _mm256_blendv_epi8(cell, nest4(face, ix, iy, c.order), _mm256_castpd_si256(ok));
}

// The polar caps' cells where `cap` holds and the cell is certain, else `cell` as it was.
__attribute__((target("avx2"))) inline __m256i polar4(const Constants& c, __m256d zi, __m256d za,
                                                      __m256d tt, __m256d cap, __m256i cell) {
  const __m256d one = _mm256_set1_pd(1.0), ns = _mm256_set1_pd(c.ns);
  const __m256d gap = _mm256_blendv_pd(one, _mm256_sub_pd(one, za), cap);
  const __m128i face32 = _mm256_cvttpd_epi32(tt);
  const __m256d tp = _mm256_sub_pd(tt, _mm256_cvtepi32_pd(face32));
  const __m256d tmp = _mm256_mul_pd(ns, _mm256_sqrt_pd(_mm256_mul_pd(_mm256_set1_pd(3.0), gap)));
  const __m256d m = _mm256_mul_pd(
      ns, _mm256_add_pd(_mm256_div_pd(_mm256_set1_pd(c.cap_k), tmp), _mm256_set1_pd(8 * kSlack)));
  const __m256d one_less_m = _mm256_sub_pd(one, m);
  __m256d ok = cap;
  const __m256i low = _mm256_set1_epi64x(c.nside - 1);
  // tmp < nside: jp, jm <= nside - 1 with no clamp (certain_cell.hpp)
  const __m256i jp = certain_floor4(_mm256_mul_pd(tp, tmp), m, one_less_m, ok);
  const __m256i jm = certain_floor4(_mm256_mul_pd(_mm256_sub_pd(one, tp), tmp), m, one_less_m, ok);
  const __m256i face = _mm256_cvtepi32_epi64(face32);
  const __m256i north = _mm256_castpd_si256(_mm256_cmp_pd(zi, _mm256_setzero_pd(), _CMP_GT_OQ));
  const __m256i polar = _mm256_blendv_epi8(
      nest4(_mm256_add_epi64(face, _mm256_set1_epi64x(8)), jp, jm, c.order),
      nest4(face, _mm256_sub_epi64(low, jm), _mm256_sub_epi64(low, jp), c.order), north);
  return _mm256_blendv_epi8(cell, polar, _mm256_castpd_si256(ok));
}

// certain_cell's arithmetic, four points per step, operation for operation (so bit for bit
// the same doubles: no fused multiply-add); a region's arithmetic runs when some of the four
// points lie in it. REQUIRES: order <= 16. Returns the points done (a multiple of 4).
__attribute__((target("avx2"))) std::size_t certain_cells_avx2(const double* z, const double* phi,
                                                               std::size_t n, int order, double dz,
                                                               std::int64_t* out) {
  const Constants c(order, dz);
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const __m256d zi = _mm256_loadu_pd(z + i);
    const __m256d v = _mm256_mul_pd(_mm256_loadu_pd(phi + i), _mm256_set1_pd(2 / kPi));
    const __m256d in_turn = _mm256_and_pd(_mm256_cmp_pd(v, _mm256_set1_pd(-4.0), _CMP_GT_OQ),
                                          _mm256_cmp_pd(v, _mm256_set1_pd(4.0), _CMP_LT_OQ));
    __m256d tt = _mm256_blendv_pd(v, _mm256_add_pd(v, _mm256_set1_pd(4.0)),
                                  _mm256_cmp_pd(v, _mm256_setzero_pd(), _CMP_LT_OQ));
    tt = _mm256_and_pd(tt, in_turn);  // 0 off the turn: every conversion stays in range
    const __m256d za = _mm256_andnot_pd(_mm256_set1_pd(-0.0), zi);
    const __m256d eq =
        _mm256_and_pd(in_turn, _mm256_cmp_pd(za, _mm256_set1_pd(c.eq_limit), _CMP_LE_OQ));
    const __m256d cap = _mm256_and_pd(
        in_turn, _mm256_and_pd(_mm256_cmp_pd(za, _mm256_set1_pd(c.cap_limit), _CMP_GT_OQ),
                               _mm256_cmp_pd(_mm256_sub_pd(_mm256_set1_pd(1.0), za),
                                             _mm256_set1_pd(c.pole_gap), _CMP_GE_OQ)));
    __m256i cell = _mm256_set1_epi64x(-1);
    if (_mm256_movemask_pd(eq) != 0) cell = equatorial4(c, zi, tt, eq, cell);
    if (_mm256_movemask_pd(cap) != 0) cell = polar4(c, zi, za, tt, cap, cell);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), cell);
  }
  return i;
}
#endif

}  // namespace

void certain_cells(const double* z, const double* phi, std::size_t n, int order, double dz,
                   std::int64_t* out) {
  std::size_t i = 0;
#ifdef HEALGRID_AVX2_CELLS
  if (use_avx2() && order <= 16) i = certain_cells_avx2(z, phi, n, order, dz, out);
#endif
  for (; i < n; ++i) out[i] = certain_cell(z[i], phi[i], order, dz);
}

bool certain_cells_is_simd() {
#ifdef HEALGRID_AVX2_CELLS
  return use_avx2();
#else
  return false;
#endif
}

}  // namespace healgrid
