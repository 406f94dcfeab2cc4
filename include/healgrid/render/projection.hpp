// Map projections of `healgrid render`, through PROJ: geographic WGS84 longitude/latitude
// (degrees, EPSG:4326 in longitude-first order) <-> projected x/y (metres).
//   south-polar-stereo  EPSG:3031  Antarctic polar stereographic (lat_ts 71 S)
//   north-polar-stereo  EPSG:3413  NSIDC sea ice polar stereographic north (lat_ts 70 N, 45 W)
//   mollweide           ESRI:54009 World Mollweide (global, equal area)
//   plate-carree        +proj=eqc  equidistant cylindrical on WGS84 (global)
// Inverse projection of points outside the projection's domain (off the Mollweide ellipse, past
// the plate carree's +-180/+-90 frame) gives NaN, so callers draw nothing there.
#pragma once

#include <string>
#include <vector>

struct pj_ctx;
struct PJconsts;

namespace healgrid {

enum class ProjectionKind { south_polar_stereo, north_polar_stereo, mollweide, plate_carree };

// Throws std::invalid_argument listing the known names when `name` is unknown.
ProjectionKind parse_projection(const std::string& name);
const char* to_string(ProjectionKind kind);
// The CRS string handed to PROJ ("EPSG:3031", ...), also usable by pyproj.
const char* crs_definition(ProjectionKind kind);

class MapProjection {
 public:
  explicit MapProjection(ProjectionKind kind);  // throws std::runtime_error when PROJ fails
  MapProjection(const MapProjection&) = delete;
  MapProjection& operator=(const MapProjection&) = delete;
  ~MapProjection();

  ProjectionKind kind() const { return kind_; }

  // In place, n points: lon/lat degrees -> x/y metres (forward) or back (inverse). Points that
  // do not project become NaN.
  void forward(double* lon_x, double* lat_y, std::size_t n) const;
  void inverse(double* x_lon, double* y_lat, std::size_t n) const;

 private:
  ProjectionKind kind_;
  pj_ctx* context_ = nullptr;
  PJconsts* transform_ = nullptr;
  double frame_half_width_ = 0;   // plate carree: |x| limit of the world frame, else 0
  double frame_half_height_ = 0;  // plate carree: |y| limit
};

}  // namespace healgrid
