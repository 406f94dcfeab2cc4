#include "healgrid/render/stored_overviews.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "healgrid/io/output_schema.hpp"
#include "healgrid/write/overview_writer.hpp"

namespace healgrid {
namespace {

// "order_08" -> 8; -1 for any other name.
int order_of(const std::string& name) {
  const std::string prefix = schema::kOverviewOrderPrefix;
  if (name.size() != prefix.size() + 2 || name.compare(0, prefix.size(), prefix) != 0) return -1;
  const std::string digits = name.substr(prefix.size());
  if (!std::isdigit(static_cast<unsigned char>(digits[0])) ||
      !std::isdigit(static_cast<unsigned char>(digits[1])))
    return -1;
  return std::atoi(digits.c_str());
}

// Cells of group `g` with a value (not NaN, not the fill) in any of `variables`, in window
// `time` (row `time` of the (time, cell_ids) statistics).
std::size_t cells_with_values(const io::NcFile& g, const std::vector<std::string>& variables,
                              std::size_t time) {
  std::vector<bool> has(g.dim_length(schema::kCellDim), false);
  for (const auto& name : variables) {
    const int var = g.var_id(name);
    if (g.var_dim_names(var).size() != 2) continue;
    const auto values = g.read_doubles_row(var, time);
    const auto fill = g.number_att(var, schema::kFillValue);
    for (std::size_t i = 0; i < values.size() && i < has.size(); ++i)
      if (!std::isnan(values[i]) && !(fill && values[i] == *fill)) has[i] = true;
  }
  return static_cast<std::size_t>(std::count(has.begin(), has.end(), true));
}

}  // namespace

std::vector<StoredLevel> stored_overview_levels(const io::NcFile& file,
                                                std::optional<std::size_t> time) {
  std::vector<StoredLevel> levels;
  const auto overviews = file.find_group(schema::kOverviewsGroup);
  if (!overviews) return levels;
  for (const auto& name : overviews->group_names()) {
    const int order = order_of(name);
    if (order < 0) continue;
    const auto g = overviews->find_group(name);
    StoredLevel level;
    level.order = order;
    level.cells = level.cells_any_window = g->dim_length(schema::kCellDim);
    for (const auto& v : g->var_names())
      if (schema::is_statistic(v, g->var_dim_names(g->var_id(v)))) level.variables.push_back(v);
    if (time) level.cells = cells_with_values(*g, level.variables, *time);
    level.method = g->text_att(io::kNcGlobal, schema::kOverviewMethod).value_or("");
    levels.push_back(std::move(level));
  }
  return levels;
}

std::optional<CoarseCells> read_stored_level(const io::NcFile& file, int order,
                                             const std::string& variable,
                                             std::optional<std::size_t> time) {
  const auto g = file.find_group(overview_group_path(order));
  if (!g) return std::nullopt;
  const auto var = g->find_var(variable);
  if (!var) return std::nullopt;
  const auto ids = g->read_uint64(g->var_id(schema::kCellIds));
  const bool windowed = g->var_dim_names(*var).size() == 2;
  if (windowed != time.has_value()) return std::nullopt;
  const auto values = windowed ? g->read_doubles_row(*var, *time) : g->read_doubles(*var);
  const auto fill = g->number_att(*var, schema::kFillValue);
  CoarseCells out;
  for (std::size_t i = 0; i < ids.size() && i < values.size(); ++i) {
    if (std::isnan(values[i]) || (fill && values[i] == *fill)) continue;
    out.ids.push_back(ids[i]);
    out.values.push_back(values[i]);
  }
  return out;
}

}  // namespace healgrid
