#include "healgrid/grid/healpix_grid.hpp"

#include <healpix_base.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

#include "healgrid/grid/certain_cell.hpp"
#include "healgrid/grid/latitude.hpp"
#include "healgrid/grid/vector_cos.hpp"
#include "healgrid/util/cpu_features.hpp"
#include "healgrid/util/require.hpp"

namespace healgrid {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kAuthalicRadiusKm = 6371.0072;  // WGS84 authalic sphere

// healpix_cxx bases are cheap to build but hold tables; share one per order.
const T_Healpix_Base<std::int64_t>& base_for(int order) {
  static const auto* bases = [] {
    auto* v = new T_Healpix_Base<std::int64_t>[kMaxOrder + 1];
    for (int o = 0; o <= kMaxOrder; ++o) v[o].Set(o, NEST);
    return v;
  }();
  return bases[order];
}

// theta and phi as healpy.ang2pix computes them (radians). cell() and cells() share them bit
// for bit: cells()' error bound (certain_cell.hpp) is the distance to cell()'s own z.
double theta_of(double lat_deg) { return kPi / 2 - lat_deg * (kPi / 180.0); }
double phi_of(double lon_deg) { return lon_deg * (kPi / 180.0); }

constexpr std::size_t kTile = 256;  // cells()' points at a time (its arrays stay in L1)

}  // namespace

HealpixGrid::HealpixGrid(int parent_order, int child_order, LatitudeConvention convention)
    : parent_order_(parent_order),
      child_order_(child_order),
      shift_(2 * (child_order - parent_order)),
      convention_(convention) {
  if (parent_order < 0 || parent_order > kMaxOrder || child_order < parent_order ||
      child_order > kMaxOrder)
    throw std::invalid_argument("HEALPix orders must satisfy 0 <= parent_order (" +
                                std::to_string(parent_order) + ") <= child_order (" +
                                std::to_string(child_order) + ") <= 29");
}

std::int64_t HealpixGrid::cell(double lat_deg, double lon_deg) const {
  HEALGRID_REQUIRE(lat_deg >= -90.0 && lat_deg <= 90.0 && std::isfinite(lon_deg),
                   "latitude in [-90, 90] and a finite longitude (the reader drops the others)");
  const double phi = phi_of(lon_deg);
  const bool authalic = convention_ == LatitudeConvention::authalic;
  if (std::fabs(lat_deg) > 89.0) {
    // Near the poles healpix_cxx wants sin(theta) too for full precision: go by the angle.
    const double lat = authalic ? geodetic_to_authalic_deg(lat_deg) : lat_deg;
    return base_for(child_order_).ang2pix(pointing(theta_of(lat), phi));
  }
  // Elsewhere HEALPix needs only z = cos(theta) = sin(latitude), computed as
  // healpy.ang2pix does (cos(pi/2 - lat)). sin(authalic latitude) follows from it by one
  // polynomial, which replaces a log/asin/cos chain per point.
  const double s = std::cos(theta_of(lat_deg));
  return base_for(child_order_).zphi2pix(authalic ? authalic_z_from_sin(s) : s, phi);
}

std::size_t HealpixGrid::cells(const double* lat_deg, const double* lon_deg,
                               const std::uint8_t* use, std::size_t n, std::int64_t* out) const {
  // Over a tile: cos of cell()'s own argument by SIMD (within kVectorCosError of std::cos),
  // the authalic polynomial, then a cell that is certain despite that error
  // (grid/certain_cell.hpp); a point it cannot decide goes the exact way, cell().
  // z's distance to cell()'s: the cos bound, times at most 1.01 through the authalic
  // polynomial, plus that polynomial's rounding at both z (a few ulp each).
  constexpr double kZError = 2 * kVectorCosError;
  const bool authalic = convention_ == LatitudeConvention::authalic;
  return with_simd(
      [this, authalic](const double* lat_deg, const double* lon_deg, const std::uint8_t* use,
                       std::size_t n, std::int64_t* out) HEALGRID_SIMD_BODY {
        double z[kTile], phi[kTile];
        std::uint8_t exact_way[kTile];
        std::size_t exact = 0;
        for (std::size_t t0 = 0; t0 < n; t0 += kTile) {
          const std::size_t m = std::min(kTile, n - t0);
          const double* lat = lat_deg + t0;
          const double* lon = lon_deg + t0;
          const std::uint8_t* used = use + t0;
          std::int64_t* cell_out = out + t0;
          // Branch-free loops (vectorised). An unused point's angle is 0, its bits masked out,
          // not its fill value's (a huge argument is libmvec's slow path); it gets -1 below.
          for (std::size_t i = 0; i < m; ++i) {
            std::uint64_t bits;
            const double theta = theta_of(lat[i]);
            std::memcpy(&bits, &theta, sizeof bits);
            bits &= std::uint64_t{0} - static_cast<std::uint64_t>(used[i] != 0);
            std::memcpy(&z[i], &bits, sizeof bits);
          }
          vector_cos(z, z, m);
          if (authalic) authalic_z_from_sin(z, z, m);
          for (std::size_t i = 0; i < m; ++i) phi[i] = phi_of(lon[i]);
          certain_cells(z, phi, m, child_order_, kZError, cell_out);
          // The exact way for a used point certain_cells left (-1) or that lies near a pole.
          for (std::size_t i = 0; i < m; ++i) {
            exact_way[i] = (used[i] != 0) & ((cell_out[i] < 0) | (std::fabs(lat[i]) > 89.0));
            cell_out[i] = used[i] ? cell_out[i] : -1;
          }
          for (std::size_t i = 0; i < m; ++i) {
            HEALGRID_REQUIRE(
                !used[i] || (lat[i] >= -90.0 && lat[i] <= 90.0 && std::isfinite(lon[i])),
                "latitude in [-90, 90] and a finite longitude");
            if (exact_way[i]) {
              cell_out[i] = cell(lat[i], lon[i]);
              ++exact;
            }
          }
        }
        return exact;
      },
      lat_deg, lon_deg, use, n, out);
}

double HealpixGrid::child_cell_size_km() const {
  const double cells = 12.0 * std::pow(4.0, child_order_);
  return std::sqrt(4 * kPi * kAuthalicRadiusKm * kAuthalicRadiusKm / cells);
}

}  // namespace healgrid
