// certain_cell against its arbiter, healpix_cxx's zphi2pix: wherever it answers, the answer is
// healpix_cxx's for every z within dz; on edge lines, the ring boundary, the longitude wrap
// and the poles it must not answer; elsewhere it answers almost always.
#include "healgrid/grid/certain_cell.hpp"

#include <gtest/gtest.h>
#include <healpix_base.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <random>
#include <vector>

namespace healgrid {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kDz = 0x1p-43;

T_Healpix_Base<std::int64_t> base(int order) {
  T_Healpix_Base<std::int64_t> b;
  b.Set(order, NEST);
  return b;
}

// certain_cell(z, phi) is -1 or healpix_cxx's cell of every z' within a few dz of z; returns
// whether it answered.
bool agrees(const T_Healpix_Base<std::int64_t>& hp, int order, double z, double phi) {
  const std::int64_t c = certain_cell(z, phi, order, kDz);
  if (c < 0) return false;
  EXPECT_EQ(c, hp.zphi2pix(z, phi)) << "order " << order << " z " << z << " phi " << phi;
  for (const double dz : {-kDz, -kDz / 3, kDz / 7, kDz})
    if (std::fabs(z + dz) <= 1.0) {
      EXPECT_EQ(c, hp.zphi2pix(z + dz, phi)) << "order " << order << " z " << z << "+" << dz;
    }
  return true;
}

TEST(CertainCell, IsHealpixCxxWhereverItAnswersAndAnswersAlmostAlways) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> unit(-1.0, 1.0);
  for (int order = 0; order <= 29; ++order) {
    const auto hp = base(order);
    int answered = 0;
    const int n = 20000;
    for (int i = 0; i < n; ++i) {
      const double z = unit(rng) * (i % 3 == 0 ? 0.999 : 1.0);  // both caps, both rings
      answered += agrees(hp, order, z, unit(rng) * kPi) ? 1 : 0;
    }
    // Undecided: within ~2^-37 nside of an edge line (two lines, both sides) or 2^-38 of a
    // face meridian: allow 4 times that share.
    EXPECT_GE(answered, n - 4 - static_cast<int>(n * 32 * std::ldexp(1.0, order - 37)))
        << "order " << order;
  }
}

// Points on an edge line, at the float nearest to it and a few steps either side: healpix_cxx
// decides them by its own rounding, so certain_cell must not.
TEST(CertainCell, LeavesEdgeLinesToHealpixCxx) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> fraction(0.01, 0.99);
  for (const int order : {0, 3, 12, 18, 29}) {
    const double ns = std::ldexp(1.0, order);
    for (int i = 0; i < 400; ++i) {
      const double tt = 4 * fraction(rng), tp = tt - std::floor(tt);
      std::vector<double> zs = {2.0 / 3, -2.0 / 3};  // the cap boundary
      // Equatorial lines: nside (0.5 + tt) -+ 0.75 nside z = j (integer), |z| <= 2/3.
      const double t1 = ns * (0.5 + tt), z0 = 1.2 * fraction(rng) - 0.6;
      for (const double z : {(t1 - std::round(t1 - 0.75 * ns * z0)) / (0.75 * ns),
                             (std::round(t1 + 0.75 * ns * z0) - t1) / (0.75 * ns)})
        if (std::fabs(z) < 0.66) zs.push_back(z);  // else no line of the equatorial belt
      // Polar lines: tp tmp = j and (1 - tp) tmp = j, tmp = nside sqrt(3 (1 - |z|)).
      const double tmp0 = ns * std::sqrt(3 * (1 - (0.7 + 0.29 * fraction(rng))));
      for (const double share : {tp, 1 - tp}) {
        const double j = std::round(share * tmp0);
        const double za = 1 - std::pow(j / share / ns, 2) / 3;
        if (j >= 1 && za > 0.67 && za < 1) zs.insert(zs.end(), {za, -za});
      }
      for (double z : zs) {
        for (int step = 0; step < 4; ++step) z = std::nextafter(z, -2.0);
        for (int step = 0; step < 9; ++step, z = std::nextafter(z, 2.0))
          for (const double dz : {kDz, 0.0})  // the margin covers rounding, even for exact z
            EXPECT_EQ(certain_cell(z, tt * kPi / 2, order, dz), -1)
                << "order " << order << " z " << z << " tt " << tt << " dz " << dz;
      }
    }
  }
}

TEST(CertainCell, LeavesTheWrapFaceMeridiansAndPolesToHealpixCxx) {
  for (const int order : {0, 6, 12, 29}) {
    for (const double z : {0.0, 0.3, -0.5, 0.8, -0.95}) {
      for (const double phi : {0.0, -0.0, 1e-300, -1e-17, kPi / 2, -kPi / 2, kPi, -kPi, 3 * kPi / 2,
                               std::nextafter(2 * kPi, 0.0)}) {
        const bool face_edge = std::fabs(z) > 2.0 / 3;  // every quarter is an edge in a cap
        if (face_edge || phi == 0.0 || std::fabs(phi) < 1e-10 || phi > 6.28) {
          EXPECT_EQ(certain_cell(z, phi, order, kDz), -1) << z << " " << phi;
        }
      }
    }
    for (const double z : {1.0, -1.0, std::nextafter(1.0, 0.0)})
      EXPECT_EQ(certain_cell(z, 0.3, order, kDz), -1);  // within dz of the pole
    // Beyond one turn healpix_cxx wraps by fmod: not decided here.
    EXPECT_EQ(certain_cell(0.1, 7.0, order, kDz), -1);
    EXPECT_EQ(certain_cell(0.1, -7.0, order, kDz), -1);
    EXPECT_EQ(certain_cell(std::nan(""), 1.0, order, kDz), -1);
    EXPECT_EQ(certain_cell(0.1, std::nan(""), order, kDz), -1);
  }
}

// certain_cells (four points at a time by AVX2 up to order 16) gives certain_cell's answer for
// every point, bit for bit: random points of both caps and the belt, points on and beside
// edge lines and the cap boundary, the wrap, the poles and inputs out of range; n not a
// multiple of 4, so the one-by-one tail runs too. Above order 16, or on a CPU without AVX2,
// certain_cells is the scalar loop and this compares it with itself (said in the output).
TEST(CertainCell, BatchIsCertainCellPointByPoint) {
  if (!certain_cells_is_simd()) std::printf("certain_cells: no AVX2 here, the scalar loop\n");
  std::mt19937_64 rng(23);
  std::uniform_real_distribution<double> unit(-1.0, 1.0);
  const double inf = std::numeric_limits<double>::infinity(), nan = std::nan("");
  for (int order = 0; order <= 29; ++order) {
    const double ns = std::ldexp(1.0, order);
    std::vector<double> z, phi;
    auto add = [&](double zi, double phii) {
      z.push_back(zi);
      phi.push_back(phii);
    };
    for (int i = 0; i < 40000; ++i) add(unit(rng) * (i % 3 == 0 ? 0.999 : 1.0), unit(rng) * kPi);
    for (int i = 0; i < 4000; ++i) {  // edge lines, the cap boundary and the poles, +- ulps
      const double tt = 2 + 2 * unit(rng), t1 = ns * (0.5 + tt);
      double zi = 0;
      switch (i % 4) {
        case 0:
          zi = (t1 - std::round(t1 - 0.75 * ns * 0.6 * unit(rng))) / (0.75 * ns);
          break;
        case 1:
          zi = 2.0 / 3 * (unit(rng) < 0 ? -1 : 1);
          break;
        case 2:
          zi = 1 - std::pow(std::round(0.9 * ns * (tt - std::floor(tt))) / ns, 2) / 3;
          break;
        default:
          zi = unit(rng) < 0 ? -1.0 : 1.0;
      }
      for (int step = -3; step <= 3; ++step)
        add(std::nextafter(zi, step < 0 ? -2.0 : 2.0) + step * 1e-17, tt * kPi / 2);
      for (int e = 5; e <= 16; ++e)  // either side of the margins, at every order's scale
        for (const double side : {-1.0, 1.0})
          add(zi + side * std::pow(10.0, -e) * (1.2 + unit(rng)), tt * kPi / 2);
    }
    for (const double zi : {0.0, -0.0, 0.5, -0.9, 1.0, -1.0, 1.5, nan, inf, -inf})
      for (const double p : {0.0, -0.0, -1e-300, -1e-17, 2 * kPi, -2 * kPi,
                             std::nextafter(2 * kPi, 0.0), 7.0, -7.0, 1e300, nan, -inf, 1.0})
        add(zi, p);
    add(0.1, 0.2);  // an odd count
    std::vector<std::int64_t> batch(z.size());
    certain_cells(z.data(), phi.data(), z.size(), order, kDz, batch.data());
    for (std::size_t i = 0; i < z.size(); ++i)
      ASSERT_EQ(batch[i], certain_cell(z[i], phi[i], order, kDz))
          << "order " << order << " z " << z[i] << " phi " << phi[i];
  }
}

// The cells of a few points, from healpy (healpy.ang2pix(2**order, theta, phi, nest=True)
// with z = cos(theta)): its numbering, not just healpix_cxx's agreement with itself.
TEST(CertainCell, GivesHealpysKnownAnswers) {
  // healpy.ang2pix(4096, pi/2 - radians(lat), radians(lon), nest=True), healpy 1.16.
  EXPECT_EQ(certain_cell(std::sin(45 * kPi / 180), 45 * kPi / 180, 12, kDz), 12632064);
  EXPECT_EQ(certain_cell(std::sin(-72.5 * kPi / 180), -120.25 * kPi / 180, 12, kDz), 168645905);
  EXPECT_EQ(certain_cell(std::sin(70.1 * kPi / 180), -50.3 * kPi / 180, 12, kDz), 66192671);
}

}  // namespace
}  // namespace healgrid
