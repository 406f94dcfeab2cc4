#include "healgrid/grid/healpix_grid.hpp"

#include <healpix_base.h>

#include <cmath>
#include <stdexcept>
#include <string>

#include "healgrid/grid/latitude.hpp"
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
  const double phi = lon_deg * (kPi / 180.0);
  const bool authalic = convention_ == LatitudeConvention::authalic;
  if (std::fabs(lat_deg) > 89.0) {
    // Near the poles healpix_cxx wants sin(theta) too for full precision: go by the angle.
    const double lat = authalic ? geodetic_to_authalic_deg(lat_deg) : lat_deg;
    return base_for(child_order_).ang2pix(pointing(kPi / 2 - lat * (kPi / 180.0), phi));
  }
  // Elsewhere HEALPix needs only z = cos(theta) = sin(latitude), computed as
  // healpy.ang2pix does (cos(pi/2 - lat)). sin(authalic latitude) follows from it by one
  // polynomial, which replaces a log/asin/cos chain per point.
  const double s = std::cos(kPi / 2 - lat_deg * (kPi / 180.0));
  return base_for(child_order_).zphi2pix(authalic ? authalic_z_from_sin(s) : s, phi);
}

double HealpixGrid::child_cell_size_km() const {
  const double cells = 12.0 * std::pow(4.0, child_order_);
  return std::sqrt(4 * kPi * kAuthalicRadiusKm * kAuthalicRadiusKm / cells);
}

}  // namespace healgrid
