// Map projections of `healgrid render`, through PROJ: geographic WGS84 longitude/latitude
// (degrees, EPSG:4326 in longitude-first order) <-> projected x/y (metres).
//   south-polar-stereo  EPSG:3031  Antarctic polar stereographic (lat_ts 71 S)
//   north-polar-stereo  EPSG:3413  NSIDC sea ice polar stereographic north (lat_ts 70 N, 45 W)
//   mollweide           ESRI:54009 World Mollweide (global, equal area); +proj=moll +lon_0
//                       on WGS84 when centred on another meridian (lon_0 != 0)
//   plate-carree        +proj=eqc  equidistant cylindrical on WGS84 (global), +lon_0 likewise
//   laea                +proj=laea Lambert azimuthal equal-area on WGS84, centred on (lon_0,
//                       lat_0): the local equal-area map of data away from the poles
// Inverse projection of points outside the projection's domain (off the Mollweide ellipse, past
// the plate carree's +-180/+-90 frame) gives NaN, so callers draw nothing there.
#pragma once

#include <string>
#include <vector>

struct pj_ctx;
struct PJconsts;

namespace healgrid {

enum class ProjectionKind { south_polar_stereo, north_polar_stereo, mollweide, plate_carree, laea };

// A projection and, for laea, its centre (degrees); mollweide and plate-carree use lon_0 as
// their central meridian, the polar kinds neither.
struct ProjectionSpec {
  ProjectionKind kind = ProjectionKind::south_polar_stereo;
  double lon_0 = 0, lat_0 = 0;
};

// Throws std::invalid_argument listing the known names when `name` is unknown.
ProjectionKind parse_projection(const std::string& name);
const char* to_string(ProjectionKind kind);
// The CRS string handed to PROJ ("EPSG:3031", "+proj=laea +lat_0=... ..."), also usable by
// pyproj.
std::string crs_definition(const ProjectionSpec& spec);
inline std::string crs_definition(ProjectionKind kind) { return crs_definition({kind, 0, 0}); }

class MapProjection {
 public:
  explicit MapProjection(const ProjectionSpec& spec);  // throws std::runtime_error if PROJ fails
  explicit MapProjection(ProjectionKind kind) : MapProjection(ProjectionSpec{kind, 0, 0}) {}
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
