#include "healgrid/render/map_renderer.hpp"

#include <healpix_base.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>

#include "healgrid/config/utc_time.hpp"
#include "healgrid/grid/latitude.hpp"
#include "healgrid/io/output_schema.hpp"
#include "healgrid/render/auto_projection.hpp"
#include "healgrid/render/axis_ticks.hpp"
#include "healgrid/render/coarsen.hpp"
#include "healgrid/render/stored_overviews.hpp"

namespace healgrid {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int kMaxPixels = 20000;  // per side
constexpr int kBboxEdgePoints = 256;

std::string format_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

constexpr double kAuthalicRadiusM = 6371007.2;

// Side (square root of the area) of a HEALPix cell at `order`, metres.
double cell_side_m(int order) {
  return kAuthalicRadiusM * std::sqrt(4.0 * M_PI / (12.0 * std::ldexp(1.0, 2 * order)));
}

// Graticule spacing: a round step (1, 2, 5 x 10^k degrees) giving at most max_lines lines,
// capped at `largest`.
double graticule_step(double span, double max_lines, double largest) {
  return std::min(largest, round_step(std::max(span, 1e-6), max_lines));
}

}  // namespace

std::array<double, 4> checked_bbox(const std::array<double, 4>& bbox) {
  auto [lon0, lat0, lon1, lat1] = bbox;
  if (!(lat0 < lat1) || lat0 < -90 || lat1 > 90 || lon0 < -360 || lon0 > 360 || lon1 < -360 ||
      lon1 > 360 || lon0 == lon1)
    throw std::invalid_argument(
        "--extent: need lon_min,lat_min,lon_max,lat_max with -360 <= lon <= 360, "
        "lon_min != lon_max, -90 <= lat_min < lat_max <= 90");
  if (lon0 > lon1) lon1 += 360;  // 170,..,-170,..: east from 170 across 180 to 190
  if (lon1 - lon0 > 360)
    throw std::invalid_argument("--extent: the box spans more than 360 degrees of longitude");
  return {lon0, lat0, lon1, lat1};
}

bool crosses_antimeridian(double lon_min, double lon_max) {
  // The first multiple of 360 after lon_min + 180 (the next antimeridian east of lon_min)...
  double m = std::ceil((lon_min + 180) / 360) * 360;
  if (m == lon_min + 180) m += 360;
  return m < lon_max + 180;  // ... before lon_max: inside the box, not on its edge
}

double percentile_sorted(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return kNaN;
  const double pos = p / 100.0 * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  const double a = sorted[lo], b = sorted[hi], f = pos - static_cast<double>(lo);
  if (std::isfinite(b - a)) return a + (b - a) * f;
  return a * (1 - f) + b * f;  // -1e308 .. 1e308: the difference overflows, the mix does not
}

double colour_position(double value, double lo, double hi, bool log_scale) {
  if (std::isnan(value)) return 0;
  if (log_scale) {
    if (!(value > 0)) return 0;  // zero and negative values: the low end
    value = std::log10(value), lo = std::log10(lo), hi = std::log10(hi);
  }
  if (std::isinf(value)) return value > 0 ? 1 : 0;  // inf - inf would be NaN
  const double span = hi - lo;
  if (std::isfinite(span)) return (value - lo) / span;
  return (value / 2 - lo / 2) / (hi / 2 - lo / 2);  // a range wider than the largest double
}

std::string granule_time_span(const std::vector<GranuleRow>& granules) {
  std::string first, last;
  for (const auto& g : granules) {
    if (!contributed(g)) continue;
    const auto t = granule_start_time(g.name);
    if (!t) continue;
    if (first.empty() || *t < first) first = *t;
    if (last.empty() || *t > last) last = *t;
  }
  if (first.empty()) return "";
  const std::string a = first.substr(0, 10), b = last.substr(0, 10);
  return a == b ? a : a + " to " + b;
}

std::string map_time_span(const HealgridOutput& output) {
  // [start, end) as dates: the last day is the end's less a second.
  auto dates = [](double start, double end) {
    const std::string a = std::isfinite(start) ? format_utc(start).substr(0, 10) : "";
    const std::string b = std::isfinite(end) ? format_utc(end - 1).substr(0, 10) : "";
    if (a.empty() || b.empty()) return a.empty() ? (b.empty() ? b : "until " + b) : "from " + a;
    return a == b ? a : a + " to " + b;
  };
  const auto& file = output.file();
  if (const auto w = output.time_index()) {  // the window drawn
    if (const auto bounds = file.find_var(schema::kTimeBounds)) {
      const auto row = file.read_doubles_row(*bounds, *w);
      if (row.size() == 2) return dates(row[0], row[1]);
    }
  }
  const auto start = output.global_text(schema::kTimeCoverageStart);
  const auto end = output.global_text(schema::kTimeCoverageEnd);
  if (!start.empty() || !end.empty()) {  // a run restricted to a time range
    try {
      return dates(start.empty() ? -INFINITY : parse_utc_seconds(start),
                   end.empty() ? INFINITY : parse_utc_seconds(end));
    } catch (const std::invalid_argument&) {
      // not ours: fall back to the granules
    }
  }
  return granule_time_span(output.read_granules());
}

MapRenderer::MapRenderer(const HealgridOutput& output, const RenderOptions& options)
    : options_(options),
      variable_(output.read_variable(options.variable)),
      grid_(std::max(0, output.level() - kMaxOrderDifference), output.level(), output.convention()),
      colormap_(Colormap::named(options.colormap)) {
  if (options.map_width < 16 || options.map_width > kMaxPixels ||
      (options.map_height != 0 && (options.map_height < 16 || options.map_height > kMaxPixels)))
    throw std::invalid_argument("--size: each side must be 16.." + std::to_string(kMaxPixels) +
                                " pixels");
  if (options.range) {
    const auto [lo, hi] = *options.range;
    if (!std::isfinite(lo) || !std::isfinite(hi) || !(lo < hi))
      throw std::invalid_argument("--range: need two finite numbers lo,hi with lo < hi");
    if (options.log_scale && lo <= 0)
      throw std::invalid_argument("--range: with --log the lower bound must be > 0");
  }
  if (options.order && (*options.order < 0 || *options.order > output.level()))
    throw std::invalid_argument("--order: " + std::to_string(*options.order) +
                                " is not between 0 and the file's level " +
                                std::to_string(output.level()));
  for (std::size_t i = 0; i < variable_.values.size(); ++i) {
    if (std::isnan(variable_.values[i])) continue;
    data_ids_.push_back(output.cell_ids()[i]);
    data_values_.push_back(variable_.values[i]);
  }
  plan_.cells_with_data = data_ids_.size();
  plan_.level = plan_.order = output.level();

  // Cell centres (geodetic, for the projection) give the default projection and extent.
  T_Healpix_Base<std::int64_t> base(output.level(), NEST);
  std::vector<double> lon(data_ids_.size()), lat(data_ids_.size());
  for (std::size_t i = 0; i < data_ids_.size(); ++i) {
    const pointing p = base.pix2ang(static_cast<std::int64_t>(data_ids_[i]));
    const double sphere_lat = 90.0 - p.theta * 180.0 / M_PI;
    lat[i] = output.convention() == LatitudeConvention::authalic
                 ? authalic_to_geodetic_deg(sphere_lat)
                 : sphere_lat;
    lon[i] = p.phi * 180.0 / M_PI;
    if (lon[i] > 180.0) lon[i] -= 360.0;
  }
  if (options_.bbox) options_.bbox = checked_bbox(*options_.bbox);
  const bool auto_extent = !options.bbox && !options.global_extent;
  if (data_ids_.empty() && (auto_extent || !options.projection))
    throw std::runtime_error(output.path() + ": variable '" + variable_.name +
                             "' has no cells with data; give --projection and --extent to draw "
                             "an empty map");
  plan_projection(lon, lat);
  plan_warnings(lat);
  keep_shown_hemisphere(lon, lat);
  plan_extent(lon, lat);
  plan_order(output);
  plan_range();
  plan_graticule();
  plan_labels(output);
  plan_.coastline_path = options.coastline_path;
  if (options.coastlines_auto) {
    const double ground_scale = ground_scale_at_centre();
    const double width_km =
        (plan_.x_max - plan_.x_min) * (ground_scale > 0 ? ground_scale : 1) / 1000;
    plan_.coastline_path = default_coastline_path(width_km);
  }
  if (!plan_.coastline_path.empty())
    shorelines_ =
        read_gshhg_shorelines(plan_.coastline_path, plan_.map_lat_min - 1, plan_.map_lat_max + 1);
}

void MapRenderer::plan_projection(const std::vector<double>& lon, const std::vector<double>& lat) {
  plan_.projection_spec = default_projection(lon, lat);
  const auto& bbox = options_.bbox;  // checked_bbox: lon_min < lon_max
  if (options_.projection && *options_.projection != plan_.projection_spec.kind) {
    // An explicit laea is centred on the data (or on the --extent box) as the auto one is.
    ProjectionSpec centred = plan_.projection_spec;
    if (centred.kind != ProjectionKind::laea) centred = laea_centred_on(lon, lat);
    if (bbox) {
      const auto [lon0, lat0, lon1, lat1] = *bbox;
      centred.lon_0 = std::remainder((lon0 + lon1) / 2, 360.0);
      centred.lat_0 = (lat0 + lat1) / 2;
    }
    plan_.projection_spec = {*options_.projection, centred.lon_0, centred.lat_0};
  }
  // A world map is cut at lon_0 + 180: a box across that line is centred on its own middle,
  // or its two halves would land at both edges and the extent would be the whole world.
  const bool world = plan_.projection_spec.kind == ProjectionKind::mollweide ||
                     plan_.projection_spec.kind == ProjectionKind::plate_carree;
  if (world && bbox && crosses_antimeridian((*bbox)[0], (*bbox)[2])) {
    plan_.projection_spec.lon_0 = std::remainder(((*bbox)[0] + (*bbox)[2]) / 2, 360.0);
    plan_.projection_spec.lat_0 = 0;
  }
  plan_.projection = plan_.projection_spec.kind;
  plan_.crs = crs_definition(plan_.projection_spec);
  projection_ = std::make_unique<MapProjection>(plan_.projection_spec);
}

void MapRenderer::plan_order(const HealgridOutput& output) {
  const double pixel_m = (plan_.x_max - plan_.x_min) / plan_.map_width;
  int order = plan_.level;
  if (options_.order) {
    order = *options_.order;
    plan_.order_source = "--order";
  } else {
    while (order > 0 && cell_side_m(order) < kMinCellPixels * pixel_m) --order;
    char why[96];
    std::snprintf(why, sizeof why, "automatic: cells >= %g pixels", kMinCellPixels);
    plan_.order_source = order == plan_.level ? "file level" : why;
  }
  plan_.order = order;
  if (order < plan_.level) {
    // A stored overview level holds the statistic of the points themselves: drawn as it is.
    if (auto stored =
            read_stored_level(output.file(), order, variable_.name, output.time_index())) {
      data_ids_ = std::move(stored->ids);
      data_values_ = std::move(stored->values);
      plan_.coarsen_rule = "stored overview level";
      grid_ = HealpixGrid(std::max(0, order - kMaxOrderDifference), order, output.convention());
      plan_.cells_drawn = data_ids_.size();
      return;
    }
    const CoarsenRule rule = coarsen_rule_for(variable_.cell_method);
    std::vector<double> weights;
    if (rule == CoarsenRule::weighted_mean) weights = count_weights(output);
    CoarseCells coarse = coarsen(data_ids_, data_values_, weights, plan_.level, order, rule);
    data_ids_ = std::move(coarse.ids);
    data_values_ = std::move(coarse.values);
    plan_.coarsen_rule = rule == CoarsenRule::weighted_mean && weights.empty()
                             ? "mean of children (the file has no count)"
                             : to_string(rule);
    grid_ = HealpixGrid(std::max(0, order - kMaxOrderDifference), order, output.convention());
  }
  plan_.cells_drawn = data_ids_.size();
}

std::vector<double> MapRenderer::count_weights(const HealgridOutput& output) const {
  // The count statistic is usually named "count"; any variable whose statistic is count
  // will do.
  std::vector<std::string> names = output.variable_names();
  std::stable_partition(names.begin(), names.end(),
                        [](const std::string& n) { return n == "count"; });
  for (const auto& name : names) {
    GridVariable counts = output.read_variable(name);
    if (counts.cell_method != "count") continue;
    std::vector<double> weights;
    weights.reserve(data_ids_.size());
    for (std::size_t i = 0; i < counts.values.size(); ++i)
      if (!std::isnan(variable_.values[i])) weights.push_back(counts.values[i]);
    return weights;
  }
  return {};
}

void MapRenderer::plan_warnings(const std::vector<double>& lat) {
  const bool south = plan_.projection == ProjectionKind::south_polar_stereo;
  const bool north = plan_.projection == ProjectionKind::north_polar_stereo;
  if (!south && !north) return;
  std::size_t in_hemisphere = 0;
  for (double l : lat) in_hemisphere += south ? l < 0 : l > 0;
  if (lat.empty() || in_hemisphere > 0) return;
  plan_.warnings.push_back(std::string("no cell with data lies in the ") +
                           (south ? "southern" : "northern") + " hemisphere that " +
                           to_string(plan_.projection) + " shows; try --projection " +
                           (south ? "north-polar-stereo" : "south-polar-stereo") + " or auto");
}

int MapRenderer::shown_hemisphere() const {
  if (plan_.projection == ProjectionKind::north_polar_stereo) return 1;
  if (plan_.projection == ProjectionKind::south_polar_stereo) return -1;
  return 0;
}

void MapRenderer::keep_shown_hemisphere(std::vector<double>& lon, std::vector<double>& lat) {
  // A polar stereographic map shows its own hemisphere: the other projects ever farther out
  // and would swamp the extent (the antipode is at infinity). Its cells leave the extent;
  // render_rows leaves its pixels blank.
  const int sign = shown_hemisphere();
  if (sign == 0) return;
  std::size_t kept = 0;
  for (std::size_t i = 0; i < lat.size(); ++i)
    if (sign * lat[i] >= 0) {
      lon[kept] = lon[i];
      lat[kept++] = lat[i];
    }
  const std::size_t other = lat.size() - kept;
  lon.resize(kept);
  lat.resize(kept);
  if (other > 0 && kept > 0)
    plan_.warnings.push_back(std::to_string(other) + " of " + std::to_string(other + kept) +
                             " cells with data lie in the other hemisphere, which " +
                             to_string(plan_.projection) + " does not show");
  if (kept == 0)  // nothing to show: an empty map of the polar cap beyond 60 degrees
    for (int k = 0; k < 8; ++k) {
      lon.push_back(-180.0 + 45.0 * k);
      lat.push_back(sign * 60.0);
    }
}

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
  if (options_.bbox) {
    const auto [lon0, lat0, lon1, lat1] = *options_.bbox;  // checked_bbox
    std::vector<double> xs, ys;
    for (int k = 0; k < kBboxEdgePoints; ++k) {
      const double f = k / double(kBboxEdgePoints - 1);
      const double lo = lon0 + f * (lon1 - lon0), la = lat0 + f * (lat1 - lat0);
      xs.insert(xs.end(), {lo, lo, lon0, lon1});
      ys.insert(ys.end(), {lat0, lat1, la, la});
    }
    include(xs, ys);
  } else if (options_.global_extent) {
    if (plan_.projection != ProjectionKind::mollweide &&
        plan_.projection != ProjectionKind::plate_carree)
      throw std::invalid_argument("--extent global needs --projection mollweide or plate-carree");
    include({-180.0, 180.0, 0.0, 0.0}, {0.0, 0.0, -90.0, 90.0});
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
    if (rows > kMaxPixels)
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

void MapRenderer::plan_range() {
  // Percentiles of the finite values only: one +inf (a float overflow in the file) would make
  // the range infinite; +-inf cells are drawn in the end colours (colour_position).
  std::vector<double> v;
  for (double x : data_values_)
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
  } else if (!data_values_.empty()) {  // every value infinite (or none positive with --log)
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

Rgb MapRenderer::colour_of(double value) const {
  return colormap_.at(colour_position(value, plan_.value_min, plan_.value_max, options_.log_scale));
}

std::size_t MapRenderer::render_rows(int first_row, int last_row, std::uint8_t* rgb) const {
  const int w = plan_.map_width;
  const double pixel = (plan_.x_max - plan_.x_min) / w;
  std::vector<double> lon(w), lat(w), below_lon(w), below_lat(w);
  auto inverse_row = [&](int row, std::vector<double>& lo, std::vector<double>& la) {
    if (row >= plan_.map_height) {
      std::fill(lo.begin(), lo.end(), kNaN);
      std::fill(la.begin(), la.end(), kNaN);
      return;
    }
    for (int c = 0; c < w; ++c) {
      lo[c] = plan_.x_min + (c + 0.5) * pixel;
      la[c] = plan_.y_max - (row + 0.5) * pixel;
    }
    projection_->inverse(lo.data(), la.data(), w);
    if (const int sign = shown_hemisphere(); sign != 0)  // the other hemisphere is off the map
      for (int c = 0; c < w; ++c)
        if (sign * la[c] < 0) lo[c] = la[c] = kNaN;
  };
  // A graticule line is drawn on a pixel whose latitude (longitude) band differs from its right
  // or lower neighbour's: one-pixel lines at multiples of the steps. Meridians stop at the last
  // parallel before a pole, where they would merge into a blot.
  const double lat_step = plan_.lat_step, lon_step = plan_.lon_step;
  const double meridian_limit = 90.0 - std::min(lat_step, 10.0);
  auto crosses = [&](double lat_a, double lon_a, double lat_b, double lon_b) {
    if (std::isnan(lat_b)) return false;
    if (std::floor(lat_a / lat_step) != std::floor(lat_b / lat_step)) return true;
    return std::fabs(lat_a) < meridian_limit && std::fabs(lat_b) < meridian_limit &&
           std::floor(lon_a / lon_step) != std::floor(lon_b / lon_step);
  };

  std::size_t with_data = 0;
  inverse_row(first_row, lon, lat);
  for (int row = first_row; row < last_row; ++row) {
    if (options_.graticule) inverse_row(row + 1, below_lon, below_lat);
    std::uint8_t* out = rgb + std::size_t(row - first_row) * w * 3;
    for (int c = 0; c < w; ++c) {
      Rgb colour = kPageBackground;
      if (!std::isnan(lat[c])) {
        const auto cell = static_cast<std::uint64_t>(grid_.cell(lat[c], lon[c]));
        const auto it = std::lower_bound(data_ids_.begin(), data_ids_.end(), cell);
        if (it != data_ids_.end() && *it == cell) {
          colour = colour_of(data_values_[it - data_ids_.begin()]);
          ++with_data;
        } else {
          colour = kMapBackground;
        }
        if (options_.graticule && ((c + 1 < w && crosses(lat[c], lon[c], lat[c + 1], lon[c + 1])) ||
                                   crosses(lat[c], lon[c], below_lat[c], below_lon[c]))) {
          auto mix = [](std::uint8_t top, std::uint8_t bottom) {
            return static_cast<std::uint8_t>(
                std::lround(top * kGraticuleAlpha + bottom * (1 - kGraticuleAlpha)));
          };
          colour = Rgb{mix(kGraticule.r, colour.r), mix(kGraticule.g, colour.g),
                       mix(kGraticule.b, colour.b)};
        }
      }
      out[3 * c] = colour.r;
      out[3 * c + 1] = colour.g;
      out[3 * c + 2] = colour.b;
    }
    if (options_.graticule) {
      lon.swap(below_lon);
      lat.swap(below_lat);
    } else if (row + 1 < last_row) {
      inverse_row(row + 1, lon, lat);
    }
  }
  return with_data;
}

}  // namespace healgrid
