#include "healgrid/grid/latitude.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace healgrid {
namespace {

// Independent check: the series expansion of authalic latitude in powers of e^2 (Adams 1921;
// Karney 2023, eq. for beta(phi)), accurate to ~1e-8 degrees for WGS84.
double authalic_series_deg(double lat_deg) {
  const double pi = std::acos(-1.0);
  const double e2 = 0.00669437999014, e4 = e2 * e2, e6 = e4 * e2;
  const double p = lat_deg * pi / 180;
  const double b = p - (e2 / 3 + 31 * e4 / 180 + 59 * e6 / 560) * std::sin(2 * p) +
                   (17 * e4 / 360 + 61 * e6 / 1260) * std::sin(4 * p) -
                   (383 * e6 / 45360) * std::sin(6 * p);
  return b * 180 / pi;
}

TEST(Latitude, MatchesSeriesExpansion) {
  for (double lat = -89.5; lat <= 89.5; lat += 0.5)
    EXPECT_NEAR(geodetic_to_authalic_deg(lat), authalic_series_deg(lat), 5e-8) << lat;
}

TEST(Latitude, KnownValues) {
  // Values of asin(q(phi)/q_p) computed with numpy in float64.
  EXPECT_NEAR(geodetic_to_authalic_deg(45.0), 44.87170287343397, 1e-12);
  EXPECT_NEAR(geodetic_to_authalic_deg(-80.0), -79.95604114354862, 1e-12);
  EXPECT_NEAR(geodetic_to_authalic_deg(70.0), 69.917411740864, 1e-12);
}

TEST(Latitude, FixedPointsAndPoles) {
  EXPECT_EQ(geodetic_to_authalic_deg(0.0), 0.0);
  EXPECT_EQ(geodetic_to_authalic_deg(90.0), 90.0);
  EXPECT_EQ(geodetic_to_authalic_deg(-90.0), -90.0);
  EXPECT_NEAR(geodetic_to_authalic_deg(89.9999999), 89.9999999, 1e-6);
  EXPECT_LE(geodetic_to_authalic_deg(89.9999999), 90.0);
}

TEST(Latitude, ColatitudeNearThePoleKeepsItsDigits) {
  // 50-digit mpmath of asin(q(sin phi) / qp) (WGS84 e^2 = 0.00669437999014): the authalic
  // colatitude in radians. asin(q/qp) in double gave 1.718e-7, 0 and 2.107e-8 here (cells off
  // at orders 26+); now within the step of doubles near 90 degrees (2.5e-16 rad) of the input.
  constexpr double kRad = 3.14159265358979323846 / 180, kStep = 3e-16;
  EXPECT_NEAR((90 - geodetic_to_authalic_deg(89.99999)) * kRad, 1.753160471921255506e-7, kStep);
  EXPECT_NEAR((90 - geodetic_to_authalic_deg(89.9999999)) * kRad, 1.753160471921255666e-9, kStep);
  EXPECT_NEAR((90 + geodetic_to_authalic_deg(-89.999999)) * kRad, 1.753160471921255e-8, kStep);
  EXPECT_NEAR(geodetic_to_authalic_deg(89.5), 89.49775663529965998881815, 1e-12);
  EXPECT_NEAR(geodetic_to_authalic_deg(60.0), 59.88878556988518670404944, 1e-12);
}

TEST(Latitude, OddAndStrictlyMonotonic) {
  double previous = -91;
  for (double lat = -90; lat <= 90; lat += 0.01) {
    const double b = geodetic_to_authalic_deg(lat);
    EXPECT_NEAR(b, -geodetic_to_authalic_deg(-lat), 1e-9);  // asin loses digits near 1
    EXPECT_GT(b, previous);
    // authalic latitude is closer to the equator than geodetic
    EXPECT_LE(std::fabs(b), std::fabs(lat) + 1e-12);
    previous = b;
  }
}

TEST(Latitude, InverseRoundTrips) {
  for (double lat = -90; lat <= 90; lat += 0.37)
    EXPECT_NEAR(authalic_to_geodetic_deg(geodetic_to_authalic_deg(lat)), lat, 1e-9) << lat;
}

}  // namespace
}  // namespace healgrid

namespace healgrid {
namespace {

TEST(Latitude, AuthalicZMatchesTheAngle) {
  const double pi = std::acos(-1.0);
  for (double lat = -90; lat <= 90; lat += 0.05) {
    const double z = authalic_z_from_sin(std::sin(lat * pi / 180));
    EXPECT_NEAR(z, std::sin(geodetic_to_authalic_deg(lat) * pi / 180), 1e-15) << lat;
  }
  EXPECT_DOUBLE_EQ(authalic_z_from_sin(1.0), 1.0);
  EXPECT_DOUBLE_EQ(authalic_z_from_sin(-1.0), -1.0);
  EXPECT_EQ(authalic_z_from_sin(0.0), 0.0);
}

}  // namespace
}  // namespace healgrid
