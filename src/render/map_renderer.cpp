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
#include "healgrid/render/coarsen.hpp"
#include "healgrid/render/stored_overviews.hpp"

namespace healgrid {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

constexpr double kAuthalicRadiusM = 6371007.2;

// Side (square root of the area) of a HEALPix cell at `order`, metres.
double cell_side_m(int order) {
  return kAuthalicRadiusM * std::sqrt(4.0 * M_PI / (12.0 * std::ldexp(1.0, 2 * order)));
}

// The centres of nested cells `ids` at `order`: longitude in [-180, 180], geodetic latitude.
void cell_centres(const std::vector<std::uint64_t>& ids, int order, LatitudeConvention convention,
                  std::vector<double>& lon, std::vector<double>& lat) {
  const T_Healpix_Base<std::int64_t> base(order, NEST);
  lon.resize(ids.size());
  lat.resize(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const pointing p = base.pix2ang(static_cast<std::int64_t>(ids[i]));
    const double sphere_lat = 90.0 - p.theta * 180.0 / M_PI;
    lat[i] = convention == LatitudeConvention::authalic ? authalic_to_geodetic_deg(sphere_lat)
                                                        : sphere_lat;
    lon[i] = p.phi * 180.0 / M_PI;
    if (lon[i] > 180.0) lon[i] -= 360.0;
  }
}

}  // namespace

std::vector<double> MapRenderer::values_on_map(LatitudeConvention convention) {
  std::vector<double> x, y, values;
  cell_centres(data_ids_, plan_.order, convention, x, y);
  const int sign = shown_hemisphere();
  std::size_t other_hemisphere = 0;  // keep_shown_hemisphere warns of them
  for (std::size_t i = 0; i < y.size(); ++i)
    if (sign * y[i] < 0) {  // projected, it could land on the map
      x[i] = y[i] = kNaN;
      ++other_hemisphere;
    }
  projection_->forward(x.data(), y.data(), x.size());
  const double margin = 2 * cell_side_m(plan_.order);
  for (std::size_t i = 0; i < x.size(); ++i)
    if (x[i] >= plan_.x_min - margin && x[i] <= plan_.x_max + margin &&
        y[i] >= plan_.y_min - margin && y[i] <= plan_.y_max + margin)
      values.push_back(data_values_[i]);
  plan_.cells_drawn = values.size();
  plan_.cells_off_map = data_values_.size() - values.size();
  const std::size_t beyond = plan_.cells_off_map - std::min(plan_.cells_off_map, other_hemisphere);
  if (beyond > 0 && !values.empty())
    plan_.warnings.push_back(std::to_string(beyond) + " of " + std::to_string(data_values_.size()) +
                             " cells with data (order " + std::to_string(plan_.order) +
                             ") lie beyond the map's extent");
  return values;
}

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
  if (options.map_width < 16 || options.map_width > kMaxMapSide ||
      (options.map_height != 0 && (options.map_height < 16 || options.map_height > kMaxMapSide)))
    throw std::invalid_argument("--size: each side must be 16.." + std::to_string(kMaxMapSide) +
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
  std::vector<double> lon, lat;
  cell_centres(data_ids_, output.level(), output.convention(), lon, lat);
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
  plan_range(values_on_map(output.convention()));
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
  // A world map is cut at lon_0 + 180: a box is centred on its own middle, or a box across
  // that line would land in halves at both edges and the extent would be the whole world.
  const bool world = plan_.projection_spec.kind == ProjectionKind::mollweide ||
                     plan_.projection_spec.kind == ProjectionKind::plate_carree;
  if (world && bbox) {
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
      return;
    }
    const CoarsenRule rule = coarsen_rule_for(variable_.cell_method);
    std::vector<double> weights;
    if (rule == CoarsenRule::weighted_mean) weights = count_weights(output);
    CoarseCells coarse = coarsen(data_ids_, data_values_, weights, plan_.level, order, rule);
    data_ids_ = std::move(coarse.ids);
    data_values_ = std::move(coarse.values);
    plan_.coarsen_rule = rule != CoarsenRule::weighted_mean || !weights.empty() ? to_string(rule)
                         : data_ids_.empty() ? "mean of children (no cell holds data)"
                                             : "mean of children (the file has no count)";
    grid_ = HealpixGrid(std::max(0, order - kMaxOrderDifference), order, output.convention());
  }
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
