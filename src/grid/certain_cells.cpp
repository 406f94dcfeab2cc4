#include <cstdint>

#include "healgrid/grid/certain_cell.hpp"

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

__attribute__((target("avx2"))) inline __m256i min4(__m256i a, __m256i b) {
  return _mm256_blendv_epi8(a, b, _mm256_cmpgt_epi64(a, b));
}

// certain_cell's arithmetic, four points per step, operation for operation (so bit for bit
// the same doubles: no fused multiply-add), both regions computed and the answer selected.
// REQUIRES: order <= 16. Returns the points done (a multiple of 4).
__attribute__((target("avx2"))) std::size_t certain_cells_avx2(const double* z, const double* phi,
                                                               std::size_t n, int order, double dz,
                                                               std::int64_t* out) {
  const std::int64_t nside = std::int64_t{1} << order;
  const double ns = static_cast<double>(nside);
  const double m_eq = ns * (0.75 * dz + 8 * kSlack);
  const __m256d v_ns = _mm256_set1_pd(ns), one = _mm256_set1_pd(1.0), zero = _mm256_setzero_pd();
  const __m256d eq_limit = _mm256_set1_pd(2.0 / 3 - dz - kSlack);
  const __m256d cap_limit = _mm256_set1_pd(2.0 / 3 + dz + kSlack);
  const __m256d pole_gap = _mm256_set1_pd(2 * dz + kSlack);
  const __m256d v_m_eq = _mm256_set1_pd(m_eq), v_one_less_m_eq = _mm256_set1_pd(1.0 - m_eq);
  const __m256d cap_k = _mm256_set1_pd(4.25 * dz * ns), slack8 = _mm256_set1_pd(8 * kSlack);
  const __m256i low = _mm256_set1_epi64x(nside - 1), v_nside = _mm256_set1_epi64x(nside);
  const __m256i one_i = _mm256_set1_epi64x(1), four_i = _mm256_set1_epi64x(4);
  const __m256i eight_i = _mm256_set1_epi64x(8);
  const __m256d sign = _mm256_set1_pd(-0.0);
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const __m256d zi = _mm256_loadu_pd(z + i);
    const __m256d v = _mm256_mul_pd(_mm256_loadu_pd(phi + i), _mm256_set1_pd(2 / kPi));
    const __m256d in_turn = _mm256_and_pd(_mm256_cmp_pd(v, _mm256_set1_pd(-4.0), _CMP_GT_OQ),
                                          _mm256_cmp_pd(v, _mm256_set1_pd(4.0), _CMP_LT_OQ));
    __m256d tt = _mm256_blendv_pd(v, _mm256_add_pd(v, _mm256_set1_pd(4.0)),
                                  _mm256_cmp_pd(v, zero, _CMP_LT_OQ));
    tt = _mm256_and_pd(tt, in_turn);  // 0 off the turn: every conversion below stays in range
    const __m256d za = _mm256_andnot_pd(sign, zi);
    const __m256d eq = _mm256_and_pd(in_turn, _mm256_cmp_pd(za, eq_limit, _CMP_LE_OQ));
    const __m256d cap = _mm256_and_pd(
        in_turn, _mm256_and_pd(_mm256_cmp_pd(za, cap_limit, _CMP_GT_OQ),
                               _mm256_cmp_pd(_mm256_sub_pd(one, za), pole_gap, _CMP_GE_OQ)));

    // Equatorial: the edge-line indices jp, jm, then the face and (x, y) in it.
    const __m256d t1 = _mm256_mul_pd(v_ns, _mm256_add_pd(_mm256_set1_pd(0.5), tt));
    const __m256d t2 =
        _mm256_mul_pd(v_ns, _mm256_mul_pd(_mm256_set1_pd(0.75), _mm256_and_pd(zi, eq)));
    __m256d eq_ok = _mm256_and_pd(
        eq, _mm256_and_pd(_mm256_cmp_pd(tt, _mm256_set1_pd(kSlack), _CMP_GE_OQ),
                          _mm256_cmp_pd(tt, _mm256_set1_pd(4.0 - kSlack), _CMP_LE_OQ)));
    const __m256i jp = certain_floor4(_mm256_sub_pd(t1, t2), v_m_eq, v_one_less_m_eq, eq_ok);
    const __m256i jm = certain_floor4(_mm256_add_pd(t1, t2), v_m_eq, v_one_less_m_eq, eq_ok);
    const __m256i ifp = _mm256_srli_epi64(jp, order), ifm = _mm256_srli_epi64(jm, order);
    const __m256i unequal_face =
        _mm256_blendv_epi8(_mm256_add_epi64(ifm, eight_i), ifp, _mm256_cmpgt_epi64(ifm, ifp));
    const __m256i eface = _mm256_blendv_epi8(unequal_face, _mm256_or_si256(ifp, four_i),
                                             _mm256_cmpeq_epi64(ifp, ifm));
    const __m256i ecell =
        nest4(eface, _mm256_and_si256(jm, low),
              _mm256_sub_epi64(_mm256_sub_epi64(v_nside, _mm256_and_si256(jp, low)), one_i), order);

    // Polar caps.
    const __m256d gap = _mm256_blendv_pd(one, _mm256_sub_pd(one, za), cap);
    const __m128i face32 = _mm256_cvttpd_epi32(tt);
    const __m256d tp = _mm256_sub_pd(tt, _mm256_cvtepi32_pd(face32));
    const __m256d tmp =
        _mm256_mul_pd(v_ns, _mm256_sqrt_pd(_mm256_mul_pd(_mm256_set1_pd(3.0), gap)));
    const __m256d m = _mm256_mul_pd(v_ns, _mm256_add_pd(_mm256_div_pd(cap_k, tmp), slack8));
    const __m256d one_less_m = _mm256_sub_pd(one, m);
    __m256d cap_ok = cap;
    __m256i pjp = certain_floor4(_mm256_mul_pd(tp, tmp), m, one_less_m, cap_ok);
    __m256i pjm = certain_floor4(_mm256_mul_pd(_mm256_sub_pd(one, tp), tmp), m, one_less_m, cap_ok);
    pjp = min4(pjp, low);  // a point on the cap's boundary ring
    pjm = min4(pjm, low);
    const __m256i face = _mm256_cvtepi32_epi64(face32);
    const __m256i top = _mm256_sub_epi64(low, pjm), right = _mm256_sub_epi64(low, pjp);
    const __m256i north = _mm256_castpd_si256(_mm256_cmp_pd(zi, zero, _CMP_GT_OQ));
    const __m256i pcell =
        _mm256_blendv_epi8(nest4(_mm256_add_epi64(face, eight_i), pjp, pjm, order),
                           nest4(face, top, right, order), north);

    const __m256i none = _mm256_set1_epi64x(-1);
    __m256i cell = _mm256_blendv_epi8(none, pcell, _mm256_castpd_si256(cap_ok));
    cell = _mm256_blendv_epi8(cell, ecell, _mm256_castpd_si256(eq_ok));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), cell);
  }
  return i;
}

const bool kHasAvx2 = [] {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") != 0;
}();
#endif

}  // namespace

void certain_cells(const double* z, const double* phi, std::size_t n, int order, double dz,
                   std::int64_t* out) {
  std::size_t i = 0;
#ifdef HEALGRID_AVX2_CELLS
  if (kHasAvx2 && order <= 16) i = certain_cells_avx2(z, phi, n, order, dz, out);
#endif
  for (; i < n; ++i) out[i] = certain_cell(z[i], phi[i], order, dz);
}

}  // namespace healgrid
