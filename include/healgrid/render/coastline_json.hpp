// The shorelines `healgrid view` serves to the browser viewer (GET /api/coastlines.json): the
// GSHHG segments of render/coastlines.hpp inside a box around the data, decimated, as JSON
//   {"source": "binned_GSHHS_l.nc", "tolerance_degrees": T,
//    "lines": [{"kind": "coast", "points": [lon, lat, lon, lat, ...]}, ...]}
// with longitudes in [-180, 180) (a segment crossing the antimeridian jumps there: the viewer
// breaks a line at such a jump) and 4 decimals (~10 m). A segment is kept when one of its points
// lies in the box; decimation drops a point closer than T degrees (in latitude and in longitude
// scaled by cos(latitude)) to the last point kept, always keeping a segment's ends.
#pragma once

#include <string>

namespace healgrid {

struct CoastlineBox {
  double lat_min = -90, lat_max = 90;
  double lon_west = -180, lon_east = 180;  // eastward arc from west to east (may wrap past 180)
  double tolerance_degrees = 0.05;         // 0: every point
};

// Throws std::runtime_error naming the file when it is not a readable GSHHG binned file.
std::string coastlines_json(const std::string& gshhg_path, const CoastlineBox& box);

}  // namespace healgrid
