// The projection `healgrid render` chooses from the data (cell centres, geodetic degrees):
//   every cell beyond 45 degrees of one hemisphere   polar stereographic (EPSG:3031 / 3413)
//   spanning > 100 degrees of latitude or > 150 of longitude   Mollweide
//   otherwise   Lambert azimuthal equal-area centred on the middle of the data's latitude
//               range and longitude arc (across the antimeridian too), rounded to 0.01 degree
//               so that the CRS string is short and the same for every rank and run.
// The browser viewer opens a file with the same rule and thresholds (viewer/src/auto_view.js;
// its unit test reads them from here).
#pragma once

#include <vector>

#include "healgrid/render/projection.hpp"

namespace healgrid {

constexpr double kPolarBeyondLatitude = 45.0;   // degrees
constexpr double kGlobalLatitudeSpan = 100.0;   // degrees
constexpr double kGlobalLongitudeSpan = 150.0;  // degrees

ProjectionSpec default_projection(const std::vector<double>& lon, const std::vector<double>& lat);

// Lambert azimuthal equal-area centred on the data as above (also for an explicit --projection
// laea).
ProjectionSpec laea_centred_on(const std::vector<double>& lon, const std::vector<double>& lat);

// Longitude span (degrees) covered by a set of longitudes: 360 minus the largest gap between
// neighbours; with `centre`, the middle of the covered arc in [-180, 180].
double longitude_span(std::vector<double> lons, double* centre = nullptr);

}  // namespace healgrid
