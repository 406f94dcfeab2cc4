// The simulation model the synthetic granules share (private to src/synth): deterministic
// random streams (the std:: distributions are not fixed by the standard, so uniforms come from
// the raw mt19937_64 bits and normals from Box-Muller), the area kept per region, and the
// ice-sheet surface (Vialov domes).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>

#include "healgrid/synth/atl06_synth.hpp"
#include "healgrid/synth/orbit.hpp"

namespace healgrid::synth_model {

using orbit::LatLon;
inline constexpr double kPi = 3.14159265358979323846;
inline constexpr double kDeg = kPi / 180.0;

// ---- Deterministic randomness: the mt19937_64 sequence is fixed by the standard, but the
// std:: distributions are not, so uniforms come from the raw bits and normals from Box-Muller.
inline std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

class Rng {
 public:
  Rng(std::uint64_t seed, int rgt, int cycle, int region, int beam) {
    std::uint64_t h = splitmix64(seed);
    for (int v : {rgt, cycle, region, beam}) h = splitmix64(h ^ static_cast<std::uint64_t>(v));
    engine_.seed(h);
  }
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }  // [0, 1)
  double normal() {
    const double u1 = 1.0 - uniform(), u2 = uniform();  // u1 in (0, 1]: log is finite
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * kPi * u2);
  }

 private:
  std::mt19937_64 engine_;
};

// ---- Surface and area masks.
inline bool keep_point(SynthRegion area, LatLon p) {
  if (area == SynthRegion::antarctica) return p.lat_deg <= -60.0;
  return p.lat_deg >= 60.0 && p.lat_deg <= 84.0 && p.lon_deg >= -75.0 && p.lon_deg <= -10.0;
}

// Vialov (n = 3) steady ice-sheet profile: height at distance r from a dome of radius L.
inline double vialov(double r, double radius, double peak) {
  if (r >= radius) return 0.0;
  return peak * std::pow(1.0 - std::pow(r / radius, 4.0 / 3.0), 3.0 / 8.0);
}

inline double surface_height(SynthRegion area, LatLon p) {
  if (area == SynthRegion::antarctica) {
    const double radius = 2.5e6, r = orbit::kEarthRadiusM * (90.0 + p.lat_deg) * kDeg;
    // East Antarctica stands higher than West; the factor is 1 at the pole, so no kink there.
    const double tilt =
        1.0 + 0.15 * std::min(1.0, r / radius) * std::cos((p.lon_deg - 75.0) * kDeg);
    return vialov(r, radius, 3500.0) * tilt;
  }
  return vialov(orbit::distance_m(p, {72.0, -40.0}), 1.0e6, 3000.0);
}

}  // namespace healgrid::synth_model
