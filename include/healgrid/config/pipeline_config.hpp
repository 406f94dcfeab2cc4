// The pipeline config: what to read from each granule, which points to keep, the grid, and the
// statistics to write. Loaded from YAML (config/atl06.yaml is the shipped default) and validated
// completely at load: every problem is a ConfigError naming the key (and line when known).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "healgrid/config/linked_level.hpp"
#include "healgrid/config/output_layout.hpp"
#include "healgrid/config/overview_orders.hpp"
#include "healgrid/config/time_windows.hpp"

namespace healgrid {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class LatitudeConvention { authalic, geodetic };
enum class FilterOp { eq, ne, lt, le, gt, ge };

enum class StatFunction {
  count,
  min,
  max,
  sum,
  mean,
  weighted_mean,        // sum(x/s^2) / sum(1/s^2), or with a weight w: sum(w x) / sum(w)
  weighted_mean_sigma,  // 1 / sqrt(sum(1/s^2)), or 1 / sqrt(sum(w))
  variance,             // population (ddof 0)
  std,                  // sqrt(variance)
  quantile,             // exact, numpy's default linear interpolation
};

// A dataset path template: "{group}" is replaced by each beam group name; a trailing `[:, k]`
// selects column k of a 2-D dataset (config/dataset_selector.hpp).
struct VariableSpec {
  std::string name;     // name used by statistics, e.g. "h_li"
  std::string dataset;  // e.g. "/{group}/land_ice_segments/h_li"
  // Stored values that mean "no data" besides the dataset's own CF attributes (e.g. GEDI's
  // -9999), compared like _FillValue: in the dataset's type, before scale_factor/add_offset.
  std::vector<double> sentinels = {};
  // A derived variable instead of a dataset: an expression (config/expression.hpp) over the
  // dataset variables, e.g. "h_canopy_abs - h_te_best_fit"; dataset is then empty.
  std::string expression = {};
  // A dataset of a linked level (config/linked_level.hpp): one value per segment, broadcast to
  // the segment's points; empty: the points' own level.
  std::string level = {};
};

// Keep a point only if `dataset <op> value` holds, on the decoded value (scale_factor/add_offset
// applied); a point whose filter value is a fill, missing or out of the valid range is dropped.
struct FilterSpec {
  std::string dataset;
  FilterOp op = FilterOp::eq;
  double value = 0;
  // Or an expression over the dataset variables (dataset empty): the point is kept where it is
  // non-zero, e.g. "quality == 0 and conf in {3, 4}"; its variables are read by the index pass.
  std::string expression = {};
  std::string level = {};  // the dataset's linked level, as for VariableSpec
};

struct StatisticSpec {
  std::string name;  // output variable name, e.g. "h_mean"
  StatFunction function = StatFunction::count;
  std::string variable;  // source variable name (VariableSpec::name)
  std::string sigma;     // sigma variable, for weighted_mean / weighted_mean_sigma
  // Or a weight variable instead of sigma (w, e.g. 1/s^2 or a count): an inline expression of
  // `weight:` becomes a derived variable named "<name>.weight". A point whose weight is not
  // > 0 and finite has no data (dropped like a fill, from every statistic, as sigma <= 0 is).
  std::string weight;
  std::string weight_text;  // `weight:` as written (a variable name or an expression)
  // The variable that weights the points (sigma or weight), empty if none.
  const std::string& weighting() const { return sigma.empty() ? weight : sigma; }
  double q = 0.5;         // for quantile, in [0, 1]
  std::string long_name;  // optional; defaults to a description built from function + source
  std::string units;      // optional; defaults to the source dataset's units attribute
};

struct GridSpec {
  int parent_order = 6;
  int child_order = 12;
  LatitudeConvention latitude = LatitudeConvention::authalic;
};

// Points whose time coordinate lies outside [start, end) (UTC) are dropped; empty: unbounded.
struct TimeWindow {
  std::string start, end;  // as written, e.g. "2019-01-01" or "2019-01-01T06:00:00Z"
  double start_seconds = -std::numeric_limits<double>::infinity();  // POSIX seconds
  double end_seconds = std::numeric_limits<double>::infinity();
  bool active() const { return !start.empty() || !end.empty(); }
  // Whether [from, to) shares some time with the window.
  bool meets(double from, double to) const { return from < end_seconds && to > start_seconds; }
};

struct OutputSpec {
  std::string title;
  int deflate_level = 4;                          // 0 disables compression
  OutputLayout layout = OutputLayout::automatic;  // config/output_layout.hpp
  OverviewOrders overviews;  // coarser levels in their own groups (config/overview_orders.hpp)
};

struct PipelineConfig {
  std::string product;  // e.g. "ATL06"; written as the output's `source`
  // Beam groups, e.g. gt1l..gt3r; a config without `groups` (a flat file) holds the one group ""
  // and its paths must not use "{group}".
  std::vector<std::string> groups;
  // File-name endings a directory input contributes (catalog/granule_list.hpp).
  std::vector<std::string> input_suffixes = {".h5", ".hdf5", ".he5", ".nc", ".nc4"};
  std::string latitude;  // dataset templates of the coordinates
  std::string longitude;
  std::string time;  // optional (may be empty); required by a time window
  // `coordinates.time_units`: the time dataset's CF units ("<unit> since <UTC date>") for
  // products whose time has none (GEDI's delta_time); "" to take them from the file.
  std::string time_units;
  TimeWindow time_window;
  std::vector<LevelSpec> levels;  // linked levels (segments owning runs of points)
  TimeWindows time_windows;  // `time_windows`: one output slice per window (config/time_windows)
  std::vector<VariableSpec> variables;
  std::vector<FilterSpec> filters;
  GridSpec grid;
  std::vector<StatisticSpec> statistics;
  OutputSpec output;
  std::string source_text;               // the YAML text as loaded, kept for provenance
  std::map<std::string, int> key_lines;  // line of each key path read ("statistics[2].q")

  // Index of a variable by name, or -1.
  int variable_index(const std::string& name) const;
  // Index of a linked level by name, or -1.
  int level_index(const std::string& name) const;
  // Re-check the cross-field rules (orders, statistic references); throws ConfigError.
  void validate() const;
};

// Sets the window's bounds from text (each may be empty); throws ConfigError naming `key`.
void set_time_window(TimeWindow& window, const std::string& start, const std::string& end,
                     const std::string& key);

// `origin` names the text in error messages (usually the file path).
PipelineConfig parse_config(const std::string& yaml_text, const std::string& origin);
PipelineConfig load_config_file(const std::string& path);

std::string expand_group(const std::string& dataset_template, const std::string& group);
const char* to_string(StatFunction f);
const char* to_string(FilterOp op);
const char* to_string(LatitudeConvention c);
bool filter_passes(FilterOp op, double value, double threshold);
// valid[i] = 0 for each i < n whose values[i] fails filter_passes(f.op, values[i], f.value).
void keep_passing(const FilterSpec& f, const double* values, std::size_t n, std::uint8_t* valid);

}  // namespace healgrid
