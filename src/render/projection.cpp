#include "healgrid/render/projection.hpp"

#include <proj.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>

namespace healgrid {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

ProjectionKind parse_projection(const std::string& name) {
  if (name == "south-polar-stereo") return ProjectionKind::south_polar_stereo;
  if (name == "north-polar-stereo") return ProjectionKind::north_polar_stereo;
  if (name == "mollweide") return ProjectionKind::mollweide;
  if (name == "plate-carree") return ProjectionKind::plate_carree;
  if (name == "laea") return ProjectionKind::laea;
  throw std::invalid_argument("unknown projection '" + name +
                              "' (known: south-polar-stereo, north-polar-stereo, mollweide, "
                              "plate-carree, laea)");
}

const char* to_string(ProjectionKind kind) {
  switch (kind) {
    case ProjectionKind::south_polar_stereo:
      return "south-polar-stereo";
    case ProjectionKind::north_polar_stereo:
      return "north-polar-stereo";
    case ProjectionKind::mollweide:
      return "mollweide";
    case ProjectionKind::plate_carree:
      return "plate-carree";
    case ProjectionKind::laea:
      return "laea";
  }
  return "?";
}

std::string crs_definition(const ProjectionSpec& spec) {
  switch (spec.kind) {
    case ProjectionKind::south_polar_stereo:
      return "EPSG:3031";
    case ProjectionKind::north_polar_stereo:
      return "EPSG:3413";
    case ProjectionKind::mollweide:
    case ProjectionKind::plate_carree: {
      const bool moll = spec.kind == ProjectionKind::mollweide;
      if (spec.lon_0 == 0)
        return moll ? "ESRI:54009" : "+proj=eqc +datum=WGS84 +units=m +no_defs +type=crs";
      char text[160];  // centred on another meridian (a map across the antimeridian)
      std::snprintf(text, sizeof text,
                    "+proj=%s +lon_0=%.10g +datum=WGS84 +units=m +no_defs +type=crs",
                    moll ? "moll" : "eqc", spec.lon_0);
      return text;
    }
    case ProjectionKind::laea: {
      char text[160];
      std::snprintf(text, sizeof text,
                    "+proj=laea +lat_0=%.10g +lon_0=%.10g +datum=WGS84 +units=m +no_defs +type=crs",
                    spec.lat_0, spec.lon_0);
      return text;
    }
  }
  return "";
}

MapProjection::MapProjection(const ProjectionSpec& spec) : kind_(spec.kind) {
  const std::string definition = crs_definition(spec);
  context_ = proj_context_create();
  if (!context_) throw std::runtime_error("PROJ: cannot create a context");
  // Silence PROJ's own stderr logging: failures are reported by the exceptions below.
  proj_log_level(context_, PJ_LOG_NONE);
  PJ* raw = proj_create_crs_to_crs(context_, "EPSG:4326", definition.c_str(), nullptr);
  if (!raw) {
    const std::string why = proj_context_errno_string(context_, proj_context_errno(context_));
    proj_context_destroy(context_);
    throw std::runtime_error(std::string("PROJ: cannot set up EPSG:4326 -> ") + definition + ": " +
                             why + " (is proj-data with proj.db installed?)");
  }
  // EPSG:4326 is latitude-first; normalise to longitude, latitude.
  transform_ = proj_normalize_for_visualization(context_, raw);
  proj_destroy(raw);
  if (!transform_) {
    proj_context_destroy(context_);
    throw std::runtime_error("PROJ: cannot normalise the axis order");
  }
  if (kind_ == ProjectionKind::plate_carree) {
    double x = spec.lon_0 + 90, y = 0;  // eqc is linear in longitude: half of the half width
    forward(&x, &y, 1);
    frame_half_width_ = 2 * x;
    x = 0, y = 90;
    forward(&x, &y, 1);
    frame_half_height_ = y;
  }
}

MapProjection::~MapProjection() {
  proj_destroy(transform_);
  proj_context_destroy(context_);
}

void MapProjection::forward(double* lon_x, double* lat_y, std::size_t n) const {
  proj_trans_generic(transform_, PJ_FWD, lon_x, sizeof(double), n, lat_y, sizeof(double), n,
                     nullptr, 0, 0, nullptr, 0, 0);
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(lon_x[i]) || !std::isfinite(lat_y[i])) lon_x[i] = lat_y[i] = kNaN;
  }
}

void MapProjection::inverse(double* x_lon, double* y_lat, std::size_t n) const {
  std::vector<bool> outside_frame;
  if (frame_half_width_ > 0) {
    outside_frame.resize(n);
    for (std::size_t i = 0; i < n; ++i)
      outside_frame[i] =
          std::fabs(x_lon[i]) > frame_half_width_ || std::fabs(y_lat[i]) > frame_half_height_;
  }
  proj_trans_generic(transform_, PJ_INV, x_lon, sizeof(double), n, y_lat, sizeof(double), n,
                     nullptr, 0, 0, nullptr, 0, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const bool bad = !std::isfinite(x_lon[i]) || !std::isfinite(y_lat[i]) ||
                     std::fabs(y_lat[i]) > 90.0 || (!outside_frame.empty() && outside_frame[i]);
    if (bad) x_lon[i] = y_lat[i] = kNaN;
  }
}

}  // namespace healgrid
