#include "healgrid/render/output_summary.hpp"

#include <cmath>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "healgrid/config/utc_time.hpp"
#include "healgrid/grid/healpix_grid.hpp"
#include "healgrid/io/output_schema.hpp"
#include "healgrid/util/text.hpp"

namespace healgrid {
namespace {

std::string short_number(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

}  // namespace

OutputSummary summarize_output(const HealgridOutput& output) {
  OutputSummary s;
  s.path = output.path();
  s.title = output.global_text(schema::kTitle);
  s.source = output.global_text(schema::kSource);
  s.healgrid_version = output.global_text(schema::kHealgridVersion);
  s.date_created = output.global_text(schema::kDateCreated);
  s.history = output.global_text(schema::kHistory);
  s.overrides = output.global_text(schema::kHealgridOverrides);
  s.level = output.level();
  s.parent_order = output.parent_order();
  s.grid_recorded = output.parent_order_recorded();
  s.latitude_convention = to_string(output.convention());
  const HealpixGrid grid(s.parent_order, s.level, output.convention());
  s.cell_size_km = grid.child_cell_size_km();
  s.cell_area_km2 = s.cell_size_km * s.cell_size_km;
  s.cells_total = output.cell_ids().size();
  s.layout = output.layout();
  // Distinct parents of the (sorted) ids: right for both layouts.
  std::int64_t last_parent = -1;
  for (const auto id : output.cell_ids()) {
    const auto parent = grid.parent_of(static_cast<std::int64_t>(id));
    s.parent_cells += parent != last_parent;
    last_parent = parent;
  }

  std::vector<bool> has_data(s.cells_total, false);
  for (const auto& name : output.variable_names()) {
    const GridVariable v = output.read_variable(name);
    VariableSummary vs{v.name, v.long_name, v.units, v.type};
    double sum = 0;
    vs.min = std::numeric_limits<double>::infinity();
    vs.max = -vs.min;
    for (std::size_t i = 0; i < v.values.size(); ++i) {
      const double x = v.values[i];
      if (std::isnan(x)) continue;
      has_data[i] = true;
      ++vs.cells_with_values;
      sum += x;
      vs.min = std::min(vs.min, x);
      vs.max = std::max(vs.max, x);
    }
    if (vs.cells_with_values == 0) vs.min = vs.max = std::numeric_limits<double>::quiet_NaN();
    vs.mean = vs.cells_with_values ? sum / static_cast<double>(vs.cells_with_values)
                                   : std::numeric_limits<double>::quiet_NaN();
    s.variables.push_back(vs);
  }
  for (bool b : has_data) s.cells_with_data += b;
  s.area_km2 = static_cast<double>(s.cells_with_data) * s.cell_area_km2;

  const auto granules = output.read_granules();
  long long points_from_rows = 0;
  for (const auto& g : granules) {
    ++s.granule_count;
    points_from_rows += g.points_used;
    if (g.status.rfind("skipped", 0) == 0) {
      ++s.granules_skipped;
      s.granules_not_used.push_back(g);
      continue;
    }
    ++s.granules_used;
    if (g.status.rfind("empty", 0) == 0) {
      ++s.granules_empty;
      s.granules_not_used.push_back(g);
    }
    if (!contributed(g)) continue;
    if (const auto t = granule_start_time(g.name)) {
      if (s.time_start.empty() || *t < s.time_start) s.time_start = *t;
      if (s.time_end.empty() || *t > s.time_end) s.time_end = *t;
    }
  }
  s.points_used = output.global_integer(schema::kPointsUsed).value_or(points_from_rows);
  if (const auto w = output.time_index()) {  // the cells and variables above are the window's
    const auto window = output.window(*w);
    s.window = *w;
    s.windows = output.windows();
    s.window_start = format_utc(window.start);
    s.window_end = format_utc(window.end);
    s.file_points_used = s.points_used;
    s.points_used = window.points_used;
  }
  return s;
}

std::string summary_text(const OutputSummary& s) {
  std::ostringstream o;
  o << s.path << "\n";
  if (!s.title.empty()) o << "  title:      " << s.title << "\n";
  o << "  product:    " << (s.source.empty() ? "?" : s.source) << ", healgrid "
    << (s.healgrid_version.empty() ? "?" : s.healgrid_version) << ", created "
    << (s.date_created.empty() ? "?" : s.date_created) << "\n";
  o << "  grid:       HEALPix nested, level " << s.level << " (cells ~"
    << short_number(s.cell_size_km) << " km, " << short_number(s.cell_area_km2)
    << " km^2), parent order "
    << (s.grid_recorded ? std::to_string(s.parent_order) : "not recorded (not a healgrid file?)")
    << ", " << s.latitude_convention << " latitude\n";
  o << "  cells:      " << s.cells_total << " in the file ("
    << (s.grid_recorded ? s.layout + " layout, " + std::to_string(s.parent_cells) + " parent cells"
                        : std::string("layout not recorded"))
    << "), " << s.cells_with_data << " with data, covering " << short_number(s.area_km2)
    << " km^2\n";
  if (s.window)
    o << "  window:     " << *s.window << " of 0.." << s.windows - 1 << ", " << s.window_start
      << " to " << s.window_end << " (end exclusive): " << s.points_used
      << " points used; cells and variables are this window's\n";
  o << "  granules:   " << s.granule_count << " (" << s.granules_used
    << " read: " << s.granules_used - s.granules_empty << " with points, " << s.granules_empty
    << " empty; " << s.granules_skipped << " skipped), "
    << (s.window ? s.file_points_used : s.points_used) << " points used"
    << (s.window ? " in all windows" : "") << "\n";
  o << "  time span:  "
    << (s.time_start.empty() ? std::string("unknown (no timestamps in the granule names)")
                             : s.time_start + " to " + s.time_end + " (granule start times)")
    << "\n";
  if (!s.overrides.empty()) o << "  overrides:  " << s.overrides << "\n";
  o << "  variables (over the cells holding a value):\n";
  for (const auto& v : s.variables) {
    o << "    " << v.name << " (" << v.type << (v.units.empty() ? "" : ", " + v.units)
      << "): " << v.cells_with_values << " cells";
    if (v.cells_with_values)
      o << ", min " << short_number(v.min) << ", max " << short_number(v.max) << ", mean "
        << short_number(v.mean);
    o << "  -- " << v.long_name << "\n";
  }
  if (!s.granules_not_used.empty()) {
    o << "  granules not contributing:\n";
    for (const auto& g : s.granules_not_used) o << "    " << g.name << ": " << g.status << "\n";
  }
  return o.str();
}

std::string summary_json(const OutputSummary& s) {
  using Json = nlohmann::ordered_json;
  // Undefined figures (no cells with values: NaN) are null.
  auto number = [](double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); };
  auto text_or_null = [](const std::string& t) { return t.empty() ? Json(nullptr) : Json(t); };
  Json not_used = Json::array();
  for (const auto& g : s.granules_not_used)
    not_used.push_back({{"name", g.name}, {"status", g.status}});
  Json variables = Json::array();
  for (const auto& v : s.variables)
    variables.push_back({{"name", v.name},
                         {"long_name", v.long_name},
                         {"units", v.units},
                         {"type", v.type},
                         {"cells_with_values", v.cells_with_values},
                         {"min", number(v.min)},
                         {"max", number(v.max)},
                         {"mean", number(v.mean)}});
  const Json doc = {{"file", s.path},
                    {"title", s.title},
                    {"source", s.source},
                    {"healgrid_version", s.healgrid_version},
                    {"date_created", s.date_created},
                    {"history", s.history},
                    {"overrides", s.overrides},
                    {"grid",
                     {{"level", s.level},
                      {"parent_order", s.grid_recorded ? Json(s.parent_order) : Json()},
                      {"indexing_scheme", "nested"},
                      {"latitude_convention", s.latitude_convention},
                      {"cell_size_km", number(s.cell_size_km)},
                      {"cell_area_km2", number(s.cell_area_km2)}}},
                    {"cells",
                     {{"total", s.cells_total},
                      {"layout", s.grid_recorded ? Json(s.layout) : Json()},
                      {"parent_cells", s.grid_recorded ? Json(s.parent_cells) : Json()},
                      {"with_data", s.cells_with_data},
                      {"area_km2", number(s.area_km2)}}},
                    {"granules",
                     {{"count", s.granule_count},
                      {"used", s.granules_used},
                      {"empty", s.granules_empty},
                      {"skipped", s.granules_skipped},
                      {"points_used", s.window ? s.file_points_used : s.points_used},
                      {"time_start", text_or_null(s.time_start)},
                      {"time_end", text_or_null(s.time_end)},
                      {"not_used", not_used}}},
                    {"time_window", s.window ? Json{{"index", *s.window},
                                                    {"start", s.window_start},
                                                    {"end", s.window_end},
                                                    {"points_used", s.points_used}}
                                             : Json(nullptr)},
                    {"variables", variables}};
  // Invalid UTF-8 in the file's attributes is replaced, never an exception.
  return doc.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace healgrid
