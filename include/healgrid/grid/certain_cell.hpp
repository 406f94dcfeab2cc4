// A fast NESTED cell that is either certain or "don't know". healpix_cxx stays the arbiter:
// certain_cell(z, phi, order, dz) is the cell healpix_cxx's zphi2pix gives (its own rounding
// included) for every z' within dz of z at this phi, when that cell is certain: the point
// lies far enough from every edge line, the equatorial/polar boundary and the longitude wrap,
// by a bound on dz and on both computations' rounding (2^-40 of the magnitudes, some 2^7 times
// the real rounding); otherwise -1, and the caller asks healpix_cxx. The algorithm is the
// published one (Gorski et al. 2005, ApJ 622:759, section 4 and the NESTED numbering):
// edge-line indices jp, jm, then the base face and the bit-interleaved (x, y) inside it.
// It leaves some 10^-7 of the points to healpix_cxx at order 12 (some 2 % at order 29).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

namespace healgrid {
namespace certain_cell_detail {

constexpr double kPi = 3.14159265358979323846;
constexpr double kSlack = 0x1p-40;  // relative to the magnitudes of the computed quantities

// Bit k of v to bit 2k (v < 2^32).
inline std::uint64_t spread_bits(std::uint64_t v) {
  v = (v | (v << 16)) & 0x0000FFFF0000FFFFull;
  v = (v | (v << 8)) & 0x00FF00FF00FF00FFull;
  v = (v | (v << 4)) & 0x0F0F0F0F0F0F0F0Full;
  v = (v | (v << 2)) & 0x3333333333333333ull;
  return (v | (v << 1)) & 0x5555555555555555ull;
}

// The NESTED index of (ix, iy) in `face`: x bits at the even places, y bits at the odd ones.
inline std::int64_t nest(std::int64_t face, std::int64_t ix, std::int64_t iy, int order) {
  std::uint64_t xy;
  if (order <= 16) {  // both halves of one word at once: x in the low 32 bits, y in the high
    std::uint64_t w = static_cast<std::uint64_t>(ix) | (static_cast<std::uint64_t>(iy) << 32);
    w = (w | (w << 8)) & 0x00FF00FF00FF00FFull;
    w = (w | (w << 4)) & 0x0F0F0F0F0F0F0F0Full;
    w = (w | (w << 2)) & 0x3333333333333333ull;
    w = (w | (w << 1)) & 0x5555555555555555ull;
    xy = (w & 0xFFFFFFFFull) | ((w >> 32) << 1);
  } else {
    xy = spread_bits(static_cast<std::uint64_t>(ix)) |
         (spread_bits(static_cast<std::uint64_t>(iy)) << 1);
  }
  return (face << (2 * order)) + static_cast<std::int64_t>(xy);
}

// floor(x) when x lies at least m from every integer, else -1 (every x < 0 included: its
// truncation leaves a fraction <= 0). REQUIRES: |x| < 2^52.
inline std::int64_t certain_floor(double x, double m) {
  const auto f = static_cast<std::int64_t>(x);
  const double fraction = x - static_cast<double>(f);  // exact below 2^52
  return fraction >= m && fraction <= 1.0 - m ? f : -1;
}

}  // namespace certain_cell_detail

// REQUIRES: 0 <= order <= 29, 0 <= dz <= 2^-20. Any z, phi: NaN, |z| > 1 or |phi| >= 2 pi give -1.
inline std::int64_t certain_cell(double z, double phi, int order, double dz) {
  using namespace certain_cell_detail;
  const std::int64_t nside = std::int64_t{1} << order;
  const double ns = static_cast<double>(nside);
  // tt: longitude in quarter turns, [0, 4). Beyond one turn healpix_cxx wraps by fmod: ask it.
  const double v = phi * (2 / kPi);
  if (!(v > -4.0 && v < 4.0)) return -1;
  const double tt = v < 0 ? v + 4.0 : v;
  const double za = std::fabs(z);
  if (za <= 2.0 / 3 - dz - kSlack) {                       // equatorial: faces 0-11 all meet here
    if (!(tt >= kSlack && tt <= 4.0 - kSlack)) return -1;  // the wrap moves jp, jm by 4 nside
    const double t1 = ns * (0.5 + tt), t2 = ns * (0.75 * z);
    const double m = ns * (0.75 * dz + 8 * kSlack);
    const std::int64_t jp = certain_floor(t1 - t2, m);  // ascending edge line
    const std::int64_t jm = certain_floor(t1 + t2, m);  // descending edge line
    if (jp < 0 || jm < 0) return -1;
    const std::int64_t ifp = jp >> order, ifm = jm >> order;
    const std::int64_t face = ifp == ifm ? (ifp | 4) : (ifp < ifm ? ifp : ifm + 8);
    return nest(face, jm & (nside - 1), nside - (jp & (nside - 1)) - 1, order);
  }
  // The polar caps. Within 2 dz of the pole: ask (and below, 1 - |z'| >= (1 - za) / 2).
  if (!(za > 2.0 / 3 + dz + kSlack) || !(1.0 - za >= 2 * dz + kSlack)) return -1;
  const auto face = static_cast<std::int64_t>(tt);  // the cap's face, 0-3
  // Near a face's edge meridian (tp near 0 or 1, where healpix_cxx's tt may fall on the other
  // face) one of tp tmp, (1 - tp) tmp is within the margin of 0 below: undecided there.
  const double tp = tt - static_cast<double>(face);
  const double tmp = ns * std::sqrt(3 * (1 - za));
  // |d tmp / d za| = 1.5 nside / sqrt(3 (1 - za)) <= 1.5 sqrt(2) nside^2 / tmp over all z'.
  const double m = ns * (4.25 * dz * ns / tmp + 8 * kSlack);
  const std::int64_t jp = certain_floor(tp * tmp, m), jm = certain_floor((1.0 - tp) * tmp, m);
  if (jp < 0 || jm < 0) return -1;
  // No clamp to nside - 1 (healpix_cxx's, for a point on the cap's boundary ring): here
  // za > 2/3 + dz, so tmp < nside and both floors are at most nside - 1.
  return z > 0 ? nest(face, nside - jm - 1, nside - jp - 1, order) : nest(face + 8, jp, jm, order);
}

// certain_cell of n points: out[i] = certain_cell(z[i], phi[i], order, dz), bit for bit (the
// same operations in the same order, four points at a time by AVX2 where the CPU has it and
// order <= 16, else one by one). REQUIRES: as certain_cell.
void certain_cells(const double* z, const double* phi, std::size_t n, int order, double dz,
                   std::int64_t* out);
// Whether certain_cells takes four points at a time on this CPU (up to order 16).
bool certain_cells_is_simd();

}  // namespace healgrid
