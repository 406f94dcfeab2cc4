#include "healgrid/grid/latitude.hpp"

#include <cmath>

#include "healgrid/util/cpu_features.hpp"

namespace healgrid {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kDeg = kPi / 180.0;
constexpr double kE2 = 0.00669437999014;  // WGS84 first eccentricity squared
const double kE = std::sqrt(kE2);

// Snyder (1987) eq. 3-12: q(phi), proportional to the area between the equator and phi.
double q_of(double sin_phi) {
  const double es = kE * sin_phi;
  return (1.0 - kE2) * (sin_phi / (1.0 - es * es) - std::log((1.0 - es) / (1.0 + es)) / (2.0 * kE));
}

const double kQp = q_of(1.0);

// The authalic colatitude (radians) of a geodetic colatitude c in [0, pi/2], from
// 1 - q/qp = (qp - q)/qp without forming q/qp near 1: with u = 1 - sin(phi) = 2 sin^2(c/2) and
// A = 1 - e^2 sin(phi), qp - q = (1 - e^2) [u (1 + e^2 s) / ((1 - e^2)(1 - e^2 s^2)) +
// atanh(e u / A) / e] (both terms positive: no cancellation), and the colatitude is
// 2 asin(sqrt((1 - q/qp) / 2)). asin(q/qp) near 1 keeps only ~8 digits of a colatitude of
// 1e-7 rad, which moves points near a pole by cells at orders >= 26.
double authalic_colatitude(double c) {
  const double half = std::sin(c / 2);
  const double u = 2 * half * half, s = 1 - u;
  const double a = 1 - kE2 * s;
  const double below_pole = (1 - kE2) * (u * (1 + kE2 * s) / ((1 - kE2) * (1 - kE2 * s * s)) +
                                         std::atanh(kE * u / a) / kE);
  return 2 * std::asin(std::sqrt(std::fmin(1.0, below_pole / kQp / 2)));
}

}  // namespace

double geodetic_to_authalic_deg(double geodetic_deg) {
  if (geodetic_deg >= 90.0) return 90.0;
  if (geodetic_deg <= -90.0) return -90.0;
  if (std::fabs(geodetic_deg) > 45.0) {  // from the pole: no asin near 1
    const double colatitude = authalic_colatitude((90.0 - std::fabs(geodetic_deg)) * kDeg);
    return std::copysign(90.0 - colatitude / kDeg, geodetic_deg);
  }
  const double ratio = q_of(std::sin(geodetic_deg * kDeg)) / kQp;
  return std::asin(std::fmax(-1.0, std::fmin(1.0, ratio))) / kDeg;
}

double authalic_z_from_sin(double s) {
  // q(s) = (1 - e^2) [s / (1 - e^2 s^2) + atanh(e s) / e], and atanh(e s) / e =
  // s * sum_k (e^2 s^2)^k / (2k + 1); with e^2 s^2 <= 0.0067, seven terms reach 1e-17.
  const double u = kE2 * s * s;
  const double series =
      1.0 + u * (1.0 / 3 +
                 u * (1.0 / 5 + u * (1.0 / 7 + u * (1.0 / 9 + u * (1.0 / 11 + u * (1.0 / 13))))));
  const double q = (1.0 - kE2) * (s / (1.0 - u) + s * series);
  return q / kQp;
}

void authalic_z_from_sin(const double* s, double* z, std::size_t n) {
  with_simd(
      [](const double* from, double* to, std::size_t count) HEALGRID_SIMD_BODY {
        for (std::size_t i = 0; i < count; ++i) to[i] = authalic_z_from_sin(from[i]);
      },
      s, z, n);
}

double authalic_to_geodetic_deg(double authalic_deg) {
  if (authalic_deg >= 90.0) return 90.0;
  if (authalic_deg <= -90.0) return -90.0;
  const double q_target = kQp * std::sin(authalic_deg * kDeg);
  double phi = authalic_deg * kDeg;
  // Newton on q(phi) = q_target; dq/dphi = 2 (1 - e^2) cos(phi) / (1 - e^2 sin^2(phi))^2.
  for (int i = 0; i < 20; ++i) {
    const double s = std::sin(phi);
    const double d = 1.0 - kE2 * s * s;
    const double dq = 2.0 * (1.0 - kE2) * std::cos(phi) / (d * d);
    if (dq <= 0) break;
    const double step = (q_of(s) - q_target) / dq;
    phi -= step;
    if (std::fabs(step) < 1e-15) break;
  }
  return phi / kDeg;
}

}  // namespace healgrid
