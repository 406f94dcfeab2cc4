// `healgrid render`: a quicklook map of one variable of a healgrid output.
//
// Every map pixel centre is inverse-projected (PROJ) to WGS84 longitude/latitude and looked up
// with HealpixGrid::cell under the file's latitude convention, then found by binary search
// among the cells with data: the picture is exact at any size, with no resampling. Cells
// without a value (fill, or not in the file) are drawn in kMapBackground, points outside the
// projection's domain in kPageBackground, graticule lines blended over both.
//
// The map area is map_width x map_height pixels; pixel (col, row) covers projected
// [x_min + col*dx, x_min + (col+1)*dx] x [y_max - (row+1)*dy, y_max - row*dy] with square pixels
// (dx == dy). The extent is, in order of precedence: a bbox (lon_min, lat_min, lon_max, lat_max:
// the bounding box of its edges, densified to 256 points each, projected), `global` (the whole
// Mollweide ellipse or plate carree frame), else the data's extent (projected cell centres,
// padded by 3% of the span and one cell). When both sizes are given the extent grows to keep
// pixels square. The colour range defaults to the 2nd..98th percentile (numpy's linear
// interpolation) of the values with data (of the positive values with log_scale; symmetric
// about 0 for a diverging colormap).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "healgrid/grid/healpix_grid.hpp"
#include "healgrid/render/colormap.hpp"
#include "healgrid/render/healgrid_output.hpp"
#include "healgrid/render/projection.hpp"
#include "healgrid/render/raster_image.hpp"

namespace healgrid {

constexpr Rgb kPageBackground{255, 255, 255};
constexpr Rgb kMapBackground{224, 224, 224};
constexpr Rgb kInk{0, 0, 0};
constexpr Rgb kGraticule{0, 0, 0};
constexpr double kGraticuleAlpha = 0.35;

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
};

// Everything decided before drawing; identical on every rank for the same file and options.
struct MapPlan {
  ProjectionKind projection = ProjectionKind::south_polar_stereo;
  int map_width = 0, map_height = 0;
  double x_min = 0, x_max = 0, y_min = 0, y_max = 0;  // projected metres of the map area
  double value_min = 0, value_max = 0;                // colour range (data units)
  std::string range_source;                           // "2nd..98th percentile" or "--range"
  double lat_step = 0, lon_step = 0;                  // graticule spacing, degrees
  std::size_t cells_with_data = 0;
};

// Where the pieces of the composed image are (pixels), for the caller's report.
struct ImageLayout {
  int width = 0, height = 0;
  int map_x0 = 0, map_y0 = 0;
  int colorbar_x0 = 0, colorbar_y0 = 0, colorbar_width = 0, colorbar_height = 0;
  int text_scale = 1;
};

// South polar stereographic when every cell with data is south of 45 S, north polar when
// north of 45 N, Mollweide otherwise.
ProjectionKind default_projection(double min_lat, double max_lat);

// Percentile p in [0, 100] of sorted values, numpy's default (linear) interpolation.
double percentile_sorted(const std::vector<double>& sorted, double p);

// "2019-04-16 to 2019-06-25": the start dates of the granules that contributed points, from
// their names ("" when none has a timestamp).
std::string granule_time_span(const std::vector<GranuleRow>& granules);

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

  // The whole picture: title, the map (rows from render_rows, all of them), frame, colorbar.
  RasterImage compose(const std::vector<std::uint8_t>& map_rgb, ImageLayout* layout) const;

 private:
  Rgb colour_of(double value) const;

  void plan_extent(const std::vector<double>& lon, const std::vector<double>& lat);
  void plan_range();
  void plan_graticule();
  void plan_labels(const HealgridOutput& output);

  RenderOptions options_;
  GridVariable variable_;
  HealpixGrid grid_;
  std::unique_ptr<MapProjection> projection_;
  Colormap colormap_;
  std::vector<std::uint64_t> data_ids_;  // cells with a value, increasing
  std::vector<double> data_values_;
  MapPlan plan_;
  std::string title_, subtitle_, colorbar_label_;
};

}  // namespace healgrid
