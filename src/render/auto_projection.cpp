#include "healgrid/render/auto_projection.hpp"

#include <algorithm>
#include <cmath>

namespace healgrid {

double longitude_span(std::vector<double> lons, double* centre) {
  if (lons.size() < 2) {
    if (centre) *centre = lons.empty() ? 0 : lons[0];
    return 0;
  }
  std::sort(lons.begin(), lons.end());
  double gap = lons.front() + 360.0 - lons.back(), gap_end = lons.front();
  for (std::size_t i = 1; i < lons.size(); ++i)
    if (lons[i] - lons[i - 1] > gap) gap = lons[i] - lons[i - 1], gap_end = lons[i];
  const double span = 360.0 - gap;
  if (centre) *centre = std::remainder(gap_end + span / 2, 360.0);
  return span;
}

ProjectionSpec laea_centred_on(const std::vector<double>& lon, const std::vector<double>& lat) {
  if (lat.empty()) return {ProjectionKind::laea, 0, 0};
  const auto [min_lat, max_lat] = std::minmax_element(lat.begin(), lat.end());
  double lon_centre = 0;
  longitude_span(lon, &lon_centre);
  const auto round2 = [](double v) { return std::round(v * 100.0) / 100.0; };
  return {ProjectionKind::laea, round2(lon_centre), round2((*min_lat + *max_lat) / 2)};
}

ProjectionSpec default_projection(const std::vector<double>& lon, const std::vector<double>& lat) {
  if (lat.empty()) return {ProjectionKind::mollweide, 0, 0};
  const auto [min_lat, max_lat] = std::minmax_element(lat.begin(), lat.end());
  if (*max_lat <= -kPolarBeyondLatitude) return {ProjectionKind::south_polar_stereo, 0, 0};
  if (*min_lat >= kPolarBeyondLatitude) return {ProjectionKind::north_polar_stereo, 0, 0};
  if (*max_lat - *min_lat > kGlobalLatitudeSpan || longitude_span(lon) > kGlobalLongitudeSpan)
    return {ProjectionKind::mollweide, 0, 0};
  return laea_centred_on(lon, lat);
}

}  // namespace healgrid
