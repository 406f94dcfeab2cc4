// `healgrid render`: a quicklook map of one variable of a healgrid output.
//
// Every map pixel centre is inverse-projected (PROJ) to WGS84 longitude/latitude and looked up
// with HealpixGrid::cell under the file's latitude convention at the drawn order, then found by
// binary search among the drawn cells with data: the picture is exact at any size, with no
// resampling. Cells without a value (fill, or not in the file) are drawn in kMapBackground,
// points outside the projection's domain in kPageBackground, graticule lines blended over both.
//
// The drawn order is the file's level, `--order N`, or by default the finest order whose cells
// (the square root of their area) are at least kMinCellPixels pixels wide, so that a
// continental map of a fine grid shows visible cells, never sub-pixel hairlines; the file's
// cells are then combined per coarse cell as include/healgrid/render/coarsen.hpp says.
//
// The map area is map_width x map_height pixels; pixel (col, row) covers projected
// [x_min + col*dx, x_min + (col+1)*dx] x [y_max - (row+1)*dy, y_max - row*dy] with square pixels
// (dx == dy). The extent is, in order of precedence: a bbox (lon_min, lat_min, lon_max, lat_max:
// the bounding box of its edges, densified to 256 points each, projected; lon_min > lon_max
// for a box across the antimeridian, see checked_bbox; Mollweide and plate carree maps of a
// box across the antimeridian are centred on the box's middle meridian), `global` (the whole
// Mollweide ellipse or plate carree frame), else the data's extent (projected cell centres,
// padded by 3% of the span and one cell, then widened to an aspect ratio (height / width)
// between 1/kMaxLandscape and kMaxPortrait). When both sizes are given the extent grows to keep
// pixels square. The colour range defaults to the 2nd..98th percentile (numpy's linear
// interpolation) of the drawn finite values (of the positive ones with log_scale; symmetric
// about 0 for a diverging colormap); values outside the range, +-inf included, take the end
// colours. Without a finite value to scale by, the range is 0..1 (1..10 with log_scale) with a
// warning.
//
// The default projection (auto) is polar stereographic when every cell with data lies beyond
// 45 degrees of one hemisphere, Mollweide when the data span more than 100 degrees of latitude
// or 150 of longitude, else Lambert azimuthal equal-area centred on the data.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "healgrid/grid/healpix_grid.hpp"
#include "healgrid/render/auto_projection.hpp"
#include "healgrid/render/coastlines.hpp"
#include "healgrid/render/colormap.hpp"
#include "healgrid/render/healgrid_output.hpp"
#include "healgrid/render/projection.hpp"
#include "healgrid/render/raster_image.hpp"

namespace healgrid {

class MapCanvas;

constexpr Rgb kPageBackground{255, 255, 255};
constexpr Rgb kMapBackground{224, 224, 224};
constexpr Rgb kInk{0, 0, 0};
constexpr Rgb kGraticule{0, 0, 0};
constexpr double kGraticuleAlpha = 0.35;
constexpr double kMinCellPixels = 3.0;            // automatic order: drawn cells at least this wide
constexpr double kMaxPortrait = 1.25;             // auto extent: height / width at most this
constexpr double kMaxLandscape = 2.0;             // auto extent: width / height at most this
constexpr long long kMaxMapPixels = 200'000'000;  // map area, both sides together
constexpr int kMaxMapSide = 20000;                // pixels per side

struct RenderOptions {
  std::string variable = "h_mean";
  std::optional<ProjectionKind> projection;  // nullopt: from the data (see default_projection)
  int map_width = 1000;
  int map_height = 0;                         // 0: from the extent's aspect ratio
  std::optional<std::array<double, 4>> bbox;  // lon_min, lat_min, lon_max, lat_max (degrees)
  bool global_extent = false;
  std::optional<std::array<double, 2>> range;  // colour range; nullopt: percentiles
  std::string colormap = "viridis";
  bool log_scale = false;
  bool graticule = true;
  std::optional<int> order;      // drawn HEALPix order; nullopt: automatic
  std::string coastline_path;    // GSHHG binned file; "": no coastlines (unless automatic)
  bool coastlines_auto = false;  // the Debian file of the map's scale (default_coastline_path)
};

// Everything decided before drawing; identical on every rank for the same file and options.
struct MapPlan {
  ProjectionKind projection = ProjectionKind::south_polar_stereo;
  ProjectionSpec projection_spec;
  std::string crs;  // the PROJ definition (pyproj reads it too)
  int map_width = 0, map_height = 0;
  double x_min = 0, x_max = 0, y_min = 0, y_max = 0;  // projected metres of the map area
  double value_min = 0, value_max = 0;                // colour range (data units)
  std::string range_source;                           // "2nd..98th percentile" or "--range"
  double lat_step = 0, lon_step = 0;                  // graticule spacing, degrees
  double map_lat_min = -90, map_lat_max = 90;         // latitudes the map area shows
  std::size_t cells_with_data = 0;                    // in the file
  int level = 0;                                      // the file's HEALPix level
  int order = 0;                                      // the drawn order (<= level)
  std::string order_source;                           // "file level", "--order", "automatic: ..."
  std::string coarsen_rule;       // how children combine ("" when order == level)
  std::size_t cells_drawn = 0;    // cells with a value at the drawn order, on the map
  std::size_t cells_off_map = 0;  // and those off it (other hemisphere, beyond the extent)
  std::vector<std::string> warnings;
  std::string coastline_path;  // the GSHHG file drawn; "" for none
};

// A graticule label: text at a position on the page relative to the map area's top-left
// corner; `inside` labels sit over the map (parallels that cross no edge of the frame).
struct GraticuleLabel {
  std::string text;
  double x = 0, y = 0;    // anchor, map pixels
  int edge = 0;           // 0 top, 1 right, 2 bottom, 3 left, 4 inside
  bool meridian = false;  // a meridian's label, else a parallel's
};

// Where the pieces of the composed image are (pixels), for the caller's report.
struct ImageLayout {
  int width = 0, height = 0;
  int map_x0 = 0, map_y0 = 0;
  int colorbar_x0 = 0, colorbar_y0 = 0, colorbar_width = 0, colorbar_height = 0;
  int font_px = 12;
  std::vector<std::array<int, 4>> inside_label_boxes;  // x0, y0, w, h in map pixels
  int coastline_segments = 0;                          // polylines drawn
  double scale_bar_km = 0;                             // 0: none
  std::vector<double> colorbar_ticks;                  // the labelled values
};

// An --extent box lon_min, lat_min, lon_max, lat_max checked and with lon_min < lon_max:
// lon_min > lon_max is a box across the antimeridian (170,20,-170,30 is 170,20,190,30, as in
// GeoJSON / STAC bounding boxes). Throws std::invalid_argument naming --extent: latitudes
// outside [-90, 90] or not lat_min < lat_max, longitudes outside [-360, 360], lon_min ==
// lon_max, or a box more than 360 degrees wide.
std::array<double, 4> checked_bbox(const std::array<double, 4>& bbox);

// Percentile p in [0, 100] of sorted finite values, numpy's default (linear) interpolation.
double percentile_sorted(const std::vector<double>& sorted, double p);

// Where `value` falls in the colour range lo < hi (finite; lo > 0 with log_scale): 0 at lo, 1
// at hi, beyond them outside [0, 1] (Colormap::at clamps); +inf gives 1, -inf, NaN and (log)
// values <= 0 give 0. Never NaN for a non-NaN value, even when hi - lo overflows.
double colour_position(double value, double lo, double hi, bool log_scale);

// "2019-04-16 to 2019-06-25": the start dates of the granules that contributed points, from
// their names ("" when none has a timestamp).
std::string granule_time_span(const std::vector<GranuleRow>& granules);

// The dates of the map title: a window's [start, end) when `output` reads one window; else the
// run's time range (time_coverage_start/end) when it had one; else granule_time_span. The end
// is exclusive: its last day is shown. "" when none is known.
std::string map_time_span(const HealgridOutput& output);

class MapRenderer {
 public:
  // Reads the variable and plans the map; throws std::invalid_argument / runtime_error with a
  // message naming the file, variable or option at fault.
  MapRenderer(const HealgridOutput& output, const RenderOptions& options);

  const MapPlan& plan() const { return plan_; }
  const GridVariable& variable() const { return variable_; }

  // Map rows [first_row, last_row) as packed RGB (map_width * 3 bytes a row) into `rgb`;
  // returns the number of pixels that show a cell with data.
  std::size_t render_rows(int first_row, int last_row, std::uint8_t* rgb) const;

  // The whole picture: title, the map (rows from render_rows, all of them) with coastlines and
  // graticule labels, frame, scale bar, colorbar.
  RasterImage compose(const std::vector<std::uint8_t>& map_rgb, ImageLayout* layout) const;

  // Labels where graticule lines cross the frame, and inside labels for parallels that cross
  // none (map pixels; see GraticuleLabel).
  std::vector<GraticuleLabel> graticule_labels() const;

 private:
  Rgb colour_of(double value) const;

  void plan_projection(const std::vector<double>& lon, const std::vector<double>& lat);
  void plan_extent(const std::vector<double>& lon, const std::vector<double>& lat);
  void plan_order(const HealgridOutput& output);
  // The values of the drawn cells on the map: in the hemisphere a polar map shows, the centre
  // within the map area widened by two cells (cells its edge cuts). Counts cells_drawn.
  std::vector<double> values_on_map(LatitudeConvention convention);
  // The colour range: --range, or percentiles of `values` (those on the map).
  void plan_range(std::vector<double> values);
  void plan_graticule();
  void plan_labels(const HealgridOutput& output);
  void plan_warnings(const std::vector<double>& lat);
  // +1 / -1 for a north / south polar stereographic map (it shows that hemisphere only), else 0.
  int shown_hemisphere() const;
  // Leaves out of the extent's cell centres those of the hemisphere the map does not show.
  void keep_shown_hemisphere(std::vector<double>& lon, std::vector<double>& lat);
  // Point counts of the cells with a value (the file's count statistic), for count-weighted
  // means; empty when the file has no count.
  std::vector<double> count_weights(const HealgridOutput& output) const;
  // Ground metres per projected metre at the map centre (for the scale bar).
  double ground_scale_at_centre() const;
  // The drawing steps of compose (map_compose.cpp).
  void draw_coastlines(MapCanvas& canvas, int x0, int y0, ImageLayout& layout) const;
  void draw_graticule_labels(MapCanvas& canvas, int x0, int y0, double font_px,
                             ImageLayout& layout) const;
  void draw_colorbar(MapCanvas& canvas, ImageLayout& layout, double font_px) const;
  void draw_scale_bar(MapCanvas& canvas, int x, int y, double font_px, ImageLayout& layout) const;

  RenderOptions options_;
  GridVariable variable_;
  HealpixGrid grid_;
  std::unique_ptr<MapProjection> projection_;
  Colormap colormap_;
  std::vector<std::uint64_t> data_ids_;  // drawn cells with a value, increasing
  std::vector<double> data_values_;
  MapPlan plan_;
  std::string title_, subtitle_, colorbar_label_;
  std::vector<ShoreLine> shorelines_;  // read at planning time, so every rank agrees on errors
};

}  // namespace healgrid
