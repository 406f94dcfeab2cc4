// `healgrid render OUT.nc --png map.png`: a quicklook map of one variable (see
// include/healgrid/render/map_renderer.hpp). Under mpirun the map rows are split into one
// contiguous block per rank; rank 0 gathers them, draws the decorations and writes the PNG.
// Every rank reads the file and plans the map itself, so they agree without talking.
#include <mpi.h>

#include <boost/program_options.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "healgrid/app/command_help.hpp"
#include "healgrid/app/commands.hpp"
#include "healgrid/app/exit_status.hpp"
#include "healgrid/render/axis_ticks.hpp"
#include "healgrid/render/cli_values.hpp"
#include "healgrid/render/coastlines.hpp"
#include "healgrid/render/healgrid_output.hpp"
#include "healgrid/render/map_renderer.hpp"
#include "healgrid/render/raster_image.hpp"
#include "healgrid/util/mpi_util.hpp"

namespace po = boost::program_options;

namespace healgrid {
namespace {

constexpr const char* kDetails = R"(
Each map pixel is inverse-projected (PROJ) to longitude/latitude, converted with
the file's latitude convention and looked up by HEALPix cell id: exact at any
size. Cells without data are drawn light grey, outside the projection's domain
white. The colour range defaults to the 2nd to 98th percentile of the cells'
finite values (symmetric about 0 with a diverging colormap); values beyond it,
+-inf too, take the end colours. An --extent with lon_min > lon_max runs east
across 180 degrees (170,20,-170,30 = 170,20,190,30). --png replaces only a PNG
healgrid wrote, never the input or another file. Continental maps of fine
grids are drawn at a coarser HEALPix order (cells at least 3 pixels wide):
counts summed, min/max of the children, other statistics as count-weighted
means. Coastlines (with Antarctica's ice front, and its grounding line dashed)
come from GSHHG (Debian gmt-gshhg-low). Negative numbers may follow --extent and
--range directly (--extent -60,72,-30,84).
)";

struct Parsed {
  std::string input, png;
  std::string coastline_note;  // why there are no coastlines, when auto found none
  RenderOptions options;
  std::optional<std::size_t> time;  // --time: the window of a time-windowed output
  bool help = false;
};

// The options as typed, before their values are checked.
struct RawArgs {
  std::string projection = "auto", size = "1000", extent = "auto", range, order = "auto";
  std::string coastlines = "auto";
  bool no_graticule = false;
  int time = kNoTime;
};

po::options_description describe(Parsed& out, RawArgs& raw) {
  auto d = options_list("Options");
  // clang-format off
  d.add_options()
    ("help,h", "show this help")
    ("input", value(&out.input, "OUT.nc"), "the healgrid output (NetCDF), positional")
    ("png", value(&out.png, "FILE"),
     "the image to write (PNG), required; an existing FILE is replaced only when it is a PNG "
     "healgrid wrote")
    ("var", value(&out.options.variable, "NAME")->default_value("h_mean"),
     "variable to draw: any variable on the cell_ids dimension")
    ("projection", value(&raw.projection, "NAME")->default_value("auto"),
     "south-polar-stereo (EPSG:3031), north-polar-stereo (EPSG:3413), mollweide, plate-carree,"
     " laea (Lambert azimuthal equal-area centred on the data); auto: polar stereographic when"
     " all data are beyond 45 degrees of one hemisphere, mollweide for data spanning more than"
     " 100 degrees of latitude or 150 of longitude, else laea")
    ("size", value(&raw.size, "WxH")->default_value("1000"),
     "map area in pixels: WIDTH (height from the extent) or WIDTHxHEIGHT")
    ("extent", value(&raw.extent, "EXTENT")->default_value("auto"),
     "auto (the data's extent), global (mollweide, plate-carree) or "
     "lon_min,lat_min,lon_max,lat_max in degrees (lon_min > lon_max: across 180)")
    ("range", value(&raw.range, "LO,HI"), "colour range lo,hi (default: 2nd..98th percentile)")
    ("cmap", value(&out.options.colormap, "NAME")->default_value("viridis"),
     "viridis, cividis or rdbu_r (diverging: blue low, red high)")
    ("log", po::bool_switch(&out.options.log_scale), "logarithmic colour scale (e.g. --var count)")
    ("no-graticule", po::bool_switch(&raw.no_graticule), "leave out the latitude/longitude lines")
    ("time", value(&raw.time, "N"),
     "time window to draw (0-based) of a time-windowed output (config time_windows); required "
     "there")
    ("order", value(&raw.order, "ORDER")->default_value("auto"),
     "HEALPix order to draw (0..the file's level); auto: the finest whose cells are at least 3 "
     "pixels wide")
    ("coastlines", value(&raw.coastlines, "PATH")->default_value("auto"),
     "GSHHG binned shoreline file (binned_GSHHS_[cli].nc), none, or auto: Debian's "
     "/usr/share/gmt-gshhg/binned_GSHHS_i.nc for maps under 2500 km wide, else _l.nc");
  // clang-format on
  return d;
}

// Checks the typed values into `out` (throws std::invalid_argument naming the option).
void apply(const RawArgs& raw, Parsed& out) {
  if (out.input.empty()) throw std::invalid_argument("the output file to render is missing");
  if (out.png.empty()) throw std::invalid_argument("--png: the image path is missing");
  check_png_target(out.png, out.input);  // before the work: never the input, nor a stranger
  if (raw.projection != "auto") out.options.projection = parse_projection(raw.projection);
  const auto [w, hgt] = parse_size("--size", raw.size);
  out.options.map_width = w;
  out.options.map_height = hgt;
  if (raw.extent == "global") {
    out.options.global_extent = true;
  } else if (raw.extent != "auto") {
    const auto v = parse_numbers("--extent", raw.extent, 4);
    out.options.bbox = std::array<double, 4>{v[0], v[1], v[2], v[3]};
  }
  if (!raw.range.empty()) {
    const auto v = parse_numbers("--range", raw.range, 2);
    out.options.range = std::array<double, 2>{v[0], v[1]};
  }
  Colormap::named(out.options.colormap);  // validates the name
  out.options.graticule = !raw.no_graticule;
  if (raw.time != kNoTime && raw.time < 0)
    throw std::invalid_argument("--time " + std::to_string(raw.time) +
                                ": expected a window number >= 0");
  if (raw.time >= 0) out.time = static_cast<std::size_t>(raw.time);
  if (raw.order != "auto") {
    const auto v = parse_numbers("--order", raw.order, 1);
    if (v[0] != std::floor(v[0]) || v[0] < 0 || v[0] > 29)
      throw std::invalid_argument("--order: expected auto or an integer 0..29, got '" + raw.order +
                                  "'");
    out.options.order = static_cast<int>(v[0]);
  }
  if (raw.coastlines == "auto") {
    out.options.coastlines_auto = true;
    if (default_coastline_path().empty())
      out.coastline_note =
          "none: GSHHG not installed (Debian gmt-gshhg-low), or give "
          "--coastlines PATH";
  } else if (raw.coastlines != "none") {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(raw.coastlines, ec))
      throw std::invalid_argument("--coastlines: no such file '" + raw.coastlines + "'");
    out.options.coastline_path = raw.coastlines;
  }
}

// Returns 0, or 2 with `error` set.
int parse(const std::vector<std::string>& raw_args, Parsed& out, std::string& error,
          std::string& help) {
  RawArgs raw;
  const auto d = describe(out, raw);
  help = format_help(
      {{"[mpirun -np N] healgrid render OUT.nc --png MAP.png [options]"},
       "Draws one variable of a healgrid output as a map picture in a polar or global "
       "projection, with title, colorbar and graticule.",
       {&d},
       kDetails + 1,  // without its leading newline
       {"healgrid render antarctica.nc --png h_mean.png",
        "healgrid render greenland.nc --png count.png --var count --log --size 1600x1200",
        "mpirun -np 4 healgrid render out.nc --png map.png --extent -60,72,-30,84"}});
  po::positional_options_description positional;
  positional.add("input", 1);
  try {
    const auto args = join_negative_values(raw_args, {"--extent", "--range"});
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(d).positional(positional).run(), vm);
    po::notify(vm);
    if (vm.count("help")) {
      out.help = true;
      return 0;
    }
    apply(raw, out);
  } catch (const std::exception& e) {
    error = e.what();
    return 2;
  }
  return 0;
}

void report(const Parsed& p, const MapRenderer& r, const ImageLayout& L, long long pixels,
            int ranks, double t_plan, double t_render, double t_png) {
  const MapPlan& m = r.plan();
  std::printf("healgrid render: wrote %s (%dx%d px) in %.2f s on %d rank(s)\n", p.png.c_str(),
              L.width, L.height, t_plan + t_render + t_png, ranks);
  std::printf("  variable: %s (%s%s%s), %zu cells with data, %lld map pixels with data\n",
              r.variable().name.c_str(), r.variable().long_name.c_str(),
              r.variable().units.empty() ? "" : ", ", r.variable().units.c_str(), m.cells_with_data,
              pixels);
  std::printf("  projection: %s (%s)\n", to_string(m.projection), m.crs.c_str());
  std::printf("  order: %d of level %d (%s)%s%s, %zu cells drawn", m.order, m.level,
              m.order_source.c_str(), m.coarsen_rule.empty() ? "" : ", ", m.coarsen_rule.c_str(),
              m.cells_drawn);
  if (m.cells_off_map > 0) std::printf(", %zu off the map", m.cells_off_map);
  std::printf("\n");
  std::printf("  map area: x0=%d y0=%d width=%d height=%d pixels\n", L.map_x0, L.map_y0,
              m.map_width, m.map_height);
  std::printf("  extent: x_min=%.17g x_max=%.17g y_min=%.17g y_max=%.17g (projected metres)\n",
              m.x_min, m.x_max, m.y_min, m.y_max);
  std::printf("  range: %.17g .. %.17g (%s), colormap %s, %s scale\n", m.value_min, m.value_max,
              m.range_source.c_str(), p.options.colormap.c_str(),
              p.options.log_scale ? "log" : "linear");
  std::printf("  colorbar: x0=%d y0=%d width=%d height=%d pixels\n", L.colorbar_x0, L.colorbar_y0,
              L.colorbar_width, L.colorbar_height);
  std::printf("  colorbar ticks:");
  for (const auto& t : tick_texts(L.colorbar_ticks)) std::printf(" %s", t.c_str());
  std::printf("\n");
  if (p.options.graticule)
    std::printf("  graticule: %g deg latitude, %g deg longitude\n", m.lat_step, m.lon_step);
  else
    std::printf("  graticule: off\n");
  if (!m.coastline_path.empty())
    std::printf("  coastlines: %s, %d lines drawn\n", m.coastline_path.c_str(),
                L.coastline_segments);
  else
    std::printf("  coastlines: %s\n", p.coastline_note.empty() ? "off" : p.coastline_note.c_str());
  if (L.scale_bar_km > 0) std::printf("  scale bar: %g km\n", L.scale_bar_km);
  for (const auto& box : L.inside_label_boxes)
    std::printf("  graticule label inside: x0=%d y0=%d width=%d height=%d\n", box[0], box[1],
                box[2], box[3]);
  std::printf("  seconds: read+plan %.2f, render %.2f, png %.2f\n", t_plan, t_render, t_png);
}

// Rank 0: the ranks' errors, once when they failed alike (same file, same options).
void print_failure(const std::vector<std::string>& messages, int status) {
  std::set<std::string> texts;
  for (const auto& m : messages) texts.insert(m.substr(m.find(": ") + 2));
  const char* hint = status == 2 ? " (try healgrid render --help)" : "";
  if (texts.size() == 1) {
    std::fprintf(stderr, "healgrid render: %s%s\n", texts.begin()->c_str(), hint);
  } else {
    for (const auto& m : messages) std::fprintf(stderr, "healgrid render: %s%s\n", m.c_str(), hint);
  }
}

// The ranks' row blocks gathered on rank 0, in rank order (= row order); empty elsewhere.
std::vector<std::uint8_t> gather_rows(const Communicator& comm, const MapPlan& plan,
                                      const std::vector<std::uint8_t>& rows) {
  const int row_bytes = plan.map_width * 3;
  std::vector<int> counts(comm.size), displs(comm.size);
  for (int r = 0; r < comm.size; ++r) {
    const long long a = static_cast<long long>(plan.map_height) * r / comm.size;
    const long long b = static_cast<long long>(plan.map_height) * (r + 1) / comm.size;
    counts[r] = static_cast<int>((b - a) * row_bytes);
    displs[r] = static_cast<int>(a * row_bytes);
  }
  std::vector<std::uint8_t> map_rgb(comm.is_root() ? std::size_t(plan.map_height) * row_bytes : 0);
  MPI_Gatherv(rows.data(), static_cast<int>(rows.size()), MPI_UNSIGNED_CHAR, map_rgb.data(),
              counts.data(), displs.data(), MPI_UNSIGNED_CHAR, 0, comm.comm);
  return map_rgb;
}

}  // namespace

int render_command(const std::vector<std::string>& args) {
  const Communicator mpi = Communicator::world();
  Parsed parsed;
  std::string error, help;
  int rc = parse(args, parsed, error, help);
  if (rc == 0 && parsed.help) {
    if (mpi.rank == 0) std::fputs(help.c_str(), stdout);
    return 0;
  }

  // Read, plan and render this rank's rows; the failure (if any) is agreed before any exchange.
  const double t0 = MPI_Wtime();
  double t_plan = 0;
  std::unique_ptr<MapRenderer> renderer;
  std::vector<std::uint8_t> rows;
  int first_row = 0, last_row = 0;
  long long pixels = 0;
  if (rc == 0) {
    rc = exit_status_of(
        [&] {
          const HealgridOutput output(parsed.input, parsed.time);
          renderer = std::make_unique<MapRenderer>(output, parsed.options);
          t_plan = MPI_Wtime() - t0;
          const int height = renderer->plan().map_height, width = renderer->plan().map_width;
          first_row = static_cast<int>(static_cast<long long>(height) * mpi.rank / mpi.size);
          last_row = static_cast<int>(static_cast<long long>(height) * (mpi.rank + 1) / mpi.size);
          rows.resize(std::size_t(last_row - first_row) * width * 3);
          pixels = static_cast<long long>(renderer->render_rows(first_row, last_row, rows.data()));
        },
        error);
  }
  std::vector<std::string> messages;
  const bool ok = mpi.all_ok(error, &messages);
  const int agreed = mpi.max(rc);
  if (!ok || agreed != 0) {
    if (mpi.is_root()) print_failure(messages, agreed);
    return agreed != 0 ? agreed : 1;
  }
  const auto map_rgb = gather_rows(mpi, renderer->plan(), rows);
  long long total_pixels = 0;
  MPI_Reduce(&pixels, &total_pixels, 1, MPI_LONG_LONG, MPI_SUM, 0, mpi.comm);
  const double t_render = MPI_Wtime() - t0 - t_plan;

  rc = 0;
  if (mpi.rank == 0) {
    try {
      ImageLayout layout;
      const RasterImage image = renderer->compose(map_rgb, &layout);
      write_png(image, parsed.png);
      for (const auto& warning : renderer->plan().warnings)
        std::fprintf(stderr, "healgrid render: warning: %s\n", warning.c_str());
      if (total_pixels == 0 && renderer->plan().cells_with_data > 0)
        std::fprintf(stderr,
                     "healgrid render: warning: no cell with data falls inside the map "
                     "(check --extent and --projection)\n");
      report(parsed, *renderer, layout, total_pixels, mpi.size, t_plan, t_render,
             MPI_Wtime() - t0 - t_plan - t_render);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "healgrid render: %s\n", e.what());
      rc = 1;
    }
  }
  MPI_Bcast(&rc, 1, MPI_INT, 0, mpi.comm);
  return rc;
}

}  // namespace healgrid
