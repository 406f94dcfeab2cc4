// `healgrid info`: the figures of a healgrid output, computed from the file alone: the grid,
// cells total / with data (a value in any data variable) and the layout (dense or sparse), the area
// they cover (cells with data x the equal cell area 4 pi R^2 / (12 4^level), R the WGS84 authalic
// radius), each variable's range and mean over the cells holding a value, granules and points used,
// and the time span: the start times (from their names) of the granules that contributed points. As
// text for people and as JSON for scripts.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "healgrid/render/healgrid_output.hpp"

namespace healgrid {

struct VariableSummary {
  std::string name, long_name, units, type;
  std::size_t cells_with_values = 0;
  double min = 0, max = 0, mean = 0;  // NaN when no cell holds a value
};

struct OutputSummary {
  std::string path, title, source, healgrid_version, date_created, history, overrides;
  int level = 0, parent_order = 0;
  // False for a file that does not record healgrid's grid (another tool's xdggs file): its
  // parent order, layout and parent cells are then unknown, not guessed.
  bool grid_recorded = true;
  std::string latitude_convention;
  double cell_size_km = 0, cell_area_km2 = 0;
  std::size_t cells_total = 0, parent_cells = 0, cells_with_data = 0;
  std::string layout;  // "dense" or "sparse" (HealgridOutput::layout)
  double area_km2 = 0;
  std::vector<VariableSummary> variables;
  long long granule_count = 0, granules_used = 0, granules_empty = 0, granules_skipped = 0;
  long long points_used = 0;
  std::string time_start, time_end;  // earliest / latest granule start, "" when unknown
  // A time-windowed output summarised for one window (--time): which, its [start, end) in UTC
  // text, and the points of the whole file (points_used is then the window's).
  std::optional<std::size_t> window;
  std::size_t windows = 0;
  std::string window_start, window_end;
  long long file_points_used = 0;
  std::vector<GranuleRow> granules_not_used;  // "empty: ..." or "skipped: ..." rows
};

OutputSummary summarize_output(const HealgridOutput& output);
std::string summary_text(const OutputSummary& s);
std::string summary_json(const OutputSummary& s);

}  // namespace healgrid
