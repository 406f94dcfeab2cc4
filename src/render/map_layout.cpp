// The map's layout, planned once per render (render/map_renderer.hpp): the extent and pixel
// size, the colour range, the graticule and the title and labels.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "healgrid/io/output_schema.hpp"
#include "healgrid/render/axis_ticks.hpp"
#include "healgrid/render/map_renderer.hpp"

namespace healgrid {
namespace {

constexpr int kBboxEdgePoints = 256;  // points along each edge of an --extent box
// Degrees from a world map's centre kept just inside its cut (lon_0 +- 180 project to either edge).
constexpr double kInsideCut = 180.0 - 1e-9;

std::string format_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

// Graticule spacing: a round step (1, 2, 5 x 10^k degrees) giving at most max_lines lines,
// capped at `largest`.
double graticule_step(double span, double max_lines, double largest) {
  return std::min(largest, round_step(std::max(span, 1e-6), max_lines));
}

}  // namespace

void MapRenderer::plan_extent(const std::vector<double>& lon, const std::vector<double>& lat) {
  double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y0 = x0, y1 = -x0;
  auto include = [&](std::vector<double> xs, std::vector<double> ys) {
    projection_->forward(xs.data(), ys.data(), xs.size());
    for (std::size_t i = 0; i < xs.size(); ++i) {
      if (std::isnan(xs[i])) continue;
      x0 = std::min(x0, xs[i]);
      x1 = std::max(x1, xs[i]);
      y0 = std::min(y0, ys[i]);
      y1 = std::max(y1, ys[i]);
    }
  };
  const bool world = plan_.projection == ProjectionKind::mollweide ||
                     plan_.projection == ProjectionKind::plate_carree;
  // A world map centred on lon_0 is cut at lon_0 +- 180, where both edges meet: a longitude
  // there is kept just inside the edge its side of the box (or the map) reaches.
  const double lon_centre = plan_.projection_spec.lon_0;
  if (options_.bbox) {
    const auto [lon0, lat0, lon1, lat1] = *options_.bbox;  // checked_bbox
    const double mid = (lon0 + lon1) / 2;  // the centre of a world map (plan_projection)
    const auto inside_cut = [&](double lo) {
      return world ? mid + std::clamp(lo - mid, -kInsideCut, kInsideCut) : lo;
    };
    std::vector<double> xs, ys;
    for (int k = 0; k < kBboxEdgePoints; ++k) {
      const double f = k / double(kBboxEdgePoints - 1);
      const double lo = inside_cut(lon0 + f * (lon1 - lon0)), la = lat0 + f * (lat1 - lat0);
      xs.insert(xs.end(), {lo, lo, inside_cut(lon0), inside_cut(lon1)});
      ys.insert(ys.end(), {lat0, lat1, la, la});
    }
    include(xs, ys);
  } else if (options_.global_extent) {
    if (plan_.projection != ProjectionKind::mollweide &&
        plan_.projection != ProjectionKind::plate_carree)
      throw std::invalid_argument("--extent global needs --projection mollweide or plate-carree");
    include({lon_centre - kInsideCut, lon_centre + kInsideCut, lon_centre, lon_centre},
            {0.0, 0.0, -90.0, 90.0});
  } else {
    include(lon, lat);
    const double pad_cell = grid_.child_cell_size_km() * 1000.0;
    const double pad_x = 0.03 * (x1 - x0) + pad_cell, pad_y = 0.03 * (y1 - y0) + pad_cell;
    x0 -= pad_x, x1 += pad_x, y0 -= pad_y, y1 += pad_y;
    // A long, thin data area (a few tracks) gets room around it rather than a strip of a map.
    const double min_w = (y1 - y0) / kMaxPortrait, min_h = (x1 - x0) / kMaxLandscape;
    if (x1 - x0 < min_w) {
      const double grow = (min_w - (x1 - x0)) / 2;
      x0 -= grow, x1 += grow;
    }
    if (y1 - y0 < min_h) {
      const double grow = (min_h - (y1 - y0)) / 2;
      y0 -= grow, y1 += grow;
    }
  }
  if (!(x1 > x0) || !(y1 > y0))
    throw std::invalid_argument(std::string("--extent: the area does not project to a ") +
                                "non-empty region in " + to_string(plan_.projection));
  const double cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
  int w = options_.map_width, h = options_.map_height;
  double pixel = 0;
  if (h == 0) {
    pixel = (x1 - x0) / w;
    const double rows = std::round((y1 - y0) / pixel);
    if (rows > kMaxMapSide)
      throw std::invalid_argument("--size: the extent is " + format_number(rows) +
                                  " pixels tall at this width; give WIDTHxHEIGHT");
    h = std::max(16, static_cast<int>(rows));
  } else {
    pixel = std::max((x1 - x0) / w, (y1 - y0) / h);
  }
  if (static_cast<long long>(w) * h > kMaxMapPixels)
    throw std::invalid_argument("--size: " + std::to_string(w) + "x" + std::to_string(h) +
                                " is more than " + std::to_string(kMaxMapPixels / 1000000) +
                                " million map pixels");
  plan_.map_width = w;
  plan_.map_height = h;
  plan_.x_min = cx - pixel * w / 2, plan_.x_max = cx + pixel * w / 2;
  plan_.y_min = cy - pixel * h / 2, plan_.y_max = cy + pixel * h / 2;
}

void MapRenderer::plan_range(std::vector<double> values) {
  // Percentiles of the finite values only: one +inf (a float overflow in the file) would make
  // the range infinite; +-inf cells are drawn in the end colours (colour_position).
  std::vector<double> v;
  for (double x : values)
    if (std::isfinite(x) && (!options_.log_scale || x > 0)) v.push_back(x);
  std::sort(v.begin(), v.end());
  double lo = options_.log_scale ? 1 : 0, hi = options_.log_scale ? 10 : 1;
  constexpr double kLargest = std::numeric_limits<double>::max();
  if (options_.range) {
    lo = (*options_.range)[0], hi = (*options_.range)[1];
    plan_.range_source = "--range";
  } else if (!v.empty()) {
    lo = percentile_sorted(v, 2), hi = percentile_sorted(v, 98);
    plan_.range_source = "2nd..98th percentile";
    if (plan_.cells_off_map > 0) plan_.range_source += " of the cells on the map";
    if (colormap_.diverging() && !options_.log_scale) {
      hi = std::max(std::fabs(lo), std::fabs(hi));
      lo = -hi;
      plan_.range_source += ", symmetric about 0";
    }
    if (!(hi > lo)) {  // one distinct value: widen so that it maps to the middle
      const double d = options_.log_scale ? 0 : (lo == 0 ? 1 : std::fabs(lo) * 0.01);
      lo = std::max(-kLargest, options_.log_scale ? lo / 2 : lo - d);
      hi = std::min(kLargest, options_.log_scale ? hi * 2 : hi + d);
      plan_.range_source += " (one value, widened)";
    }
  } else if (!values.empty()) {  // every value infinite (or none positive with --log)
    plan_.range_source = "default: no finite";
    plan_.range_source += options_.log_scale ? " positive value" : " value";
    plan_.warnings.push_back("'" + variable_.name + "' has no finite" +
                             (options_.log_scale ? " positive" : "") +
                             " value to scale the colours by; drawn with the range " +
                             format_number(lo) + ".." + format_number(hi) + " (give --range)");
  } else {
    plan_.range_source = "no data";
  }
  plan_.value_min = lo, plan_.value_max = hi;
}

void MapRenderer::plan_graticule() {
  constexpr int kSamples = 65;
  std::vector<double> xs, ys;
  for (int j = 0; j < kSamples; ++j)
    for (int i = 0; i < kSamples; ++i) {
      xs.push_back(plan_.x_min + (plan_.x_max - plan_.x_min) * i / (kSamples - 1));
      ys.push_back(plan_.y_min + (plan_.y_max - plan_.y_min) * j / (kSamples - 1));
    }
  projection_->inverse(xs.data(), ys.data(), xs.size());
  double lat0 = 90, lat1 = -90;
  std::vector<double> lons;
  for (std::size_t k = 0; k < xs.size(); ++k) {
    if (std::isnan(ys[k])) continue;
    lat0 = std::min(lat0, ys[k]);
    lat1 = std::max(lat1, ys[k]);
    lons.push_back(xs[k]);
  }
  // A pole inside the map: every longitude is on it.
  bool pole_inside = false;
  for (double pole : {-90.0, 90.0}) {
    double x = 0, y = pole;
    projection_->forward(&x, &y, 1);
    pole_inside =
        pole_inside || (x > plan_.x_min && x < plan_.x_max && y > plan_.y_min && y < plan_.y_max);
  }
  // Round steps (1, 2, 5 x 10^k degrees); around a pole every meridian meets the map, so they
  // are spaced by 20 degrees at most (18 of them), parallels by 10.
  plan_.lat_step = graticule_step(lat1 - lat0, 6, 10);
  plan_.lon_step = pole_inside ? 20.0 : graticule_step(longitude_span(lons), 7, 20);
  if (!pole_inside && longitude_span(lons) / plan_.lon_step > 7)  // wide maps: 30, 60, 90
    for (double wide : {30.0, 60.0, 90.0})
      if (plan_.lon_step < wide && longitude_span(lons) / plan_.lon_step > 7) plan_.lon_step = wide;
  plan_.map_lat_min = lat0, plan_.map_lat_max = lat1;
}

void MapRenderer::plan_labels(const HealgridOutput& output) {
  char cell[160];
  const HealpixGrid file_grid(std::max(0, plan_.level - kMaxOrderDifference), plan_.level,
                              output.convention());
  std::snprintf(cell, sizeof cell, "level %d (~%.3g km cells)", plan_.level,
                file_grid.child_cell_size_km());
  title_ = variable_.name;
  const std::string source = output.global_text(schema::kSource);
  if (!source.empty()) title_ += " | " + source;
  title_ += std::string(" | ") + cell;
  if (plan_.order < plan_.level) {
    std::snprintf(cell, sizeof cell, " drawn at order %d (~%.3g km cells, %s)", plan_.order,
                  grid_.child_cell_size_km(), plan_.coarsen_rule.c_str());
    title_ += cell;
  }
  const std::string span = map_time_span(output);
  if (!span.empty()) title_ += " | " + span;

  std::string crs = plan_.crs;
  if (plan_.projection == ProjectionKind::plate_carree) crs = "eqc";
  if (plan_.projection == ProjectionKind::laea)
    crs = "centre " + format_number(plan_.projection_spec.lon_0) + ", " +
          format_number(plan_.projection_spec.lat_0);
  subtitle_ = std::string(to_string(plan_.projection)) + " (" + crs + ") | " +
              std::to_string(plan_.cells_with_data) + " cells with data";
  if (plan_.cells_off_map > 0)  // the colour range is of those on the map
    subtitle_ += ", " + std::to_string(plan_.cells_drawn) +
                 (plan_.order < plan_.level ? " of order " + std::to_string(plan_.order) : "") +
                 " on the map";
  if (options_.graticule)
    subtitle_ += " | graticule " + format_number(plan_.lat_step) + "\u00b0 lat, " +
                 format_number(plan_.lon_step) + "\u00b0 lon";
  if (!options_.coastline_path.empty() || options_.coastlines_auto)
    subtitle_ += " | coastlines GSHHG";
  colorbar_label_ = variable_.long_name;
  if (!variable_.units.empty()) colorbar_label_ += " [" + variable_.units + "]";
  if (options_.log_scale) colorbar_label_ += ", log scale";
}

double MapRenderer::ground_scale_at_centre() const {
  const bool projected = plan_.projection == ProjectionKind::south_polar_stereo ||
                         plan_.projection == ProjectionKind::north_polar_stereo ||
                         plan_.projection == ProjectionKind::laea;
  if (!projected) return 0;  // world maps: the scale varies too much for one bar
  const double cx = (plan_.x_min + plan_.x_max) / 2, cy = (plan_.y_min + plan_.y_max) / 2;
  const double half = (plan_.x_max - plan_.x_min) / 200;
  double lon[2] = {cx - half, cx + half}, lat[2] = {cy, cy};
  projection_->inverse(lon, lat, 2);
  if (std::isnan(lon[0]) || std::isnan(lon[1])) return 0;
  // Great-circle distance on the mean Earth sphere (haversine): good to ~0.5% for a scale bar.
  constexpr double kMeanRadiusM = 6371008.8, kRad = M_PI / 180;
  const double a = std::pow(std::sin((lat[1] - lat[0]) * kRad / 2), 2) +
                   std::cos(lat[0] * kRad) * std::cos(lat[1] * kRad) *
                       std::pow(std::sin((lon[1] - lon[0]) * kRad / 2), 2);
  const double ground = 2 * kMeanRadiusM * std::asin(std::min(1.0, std::sqrt(a)));
  return ground / (2 * half);
}

}  // namespace healgrid
