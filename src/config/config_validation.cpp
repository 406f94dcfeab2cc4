// Checks of a parsed pipeline config that look across keys (config/pipeline_config.hpp:
// PipelineConfig::validate): dataset references and groups, levels, expressions, the grid and
// the statistics. Each error names the key and, when known, its line.
#include <algorithm>
#include <set>
#include <stdexcept>

#include "config_context.hpp"
#include "healgrid/config/dataset_selector.hpp"
#include "healgrid/config/expression.hpp"
#include "healgrid/config/statistic_names.hpp"
#include "healgrid/grid/healpix_grid.hpp"
#include "healgrid/io/output_schema.hpp"

namespace healgrid {
namespace {

using config_parse::Context;

bool uses_group(const std::string& path) { return path.find("{group}") != std::string::npos; }

// Every `level:` names a declared level; the levels' datasets join the checked references
// (with several groups they must use {group}, like the coordinates: each beam has its own).
void validate_level_references(const Context& ctx, const PipelineConfig& cfg,
                               std::vector<std::pair<std::string, std::string>>& refs) {
  std::string known;
  for (const auto& l : cfg.levels) known += (known.empty() ? "" : ", ") + l.name;
  auto check = [&](const std::string& key, const std::string& level) {
    if (!level.empty() && cfg.level_index(level) < 0)
      ctx.fail(key, "unknown level '" + level + "' (" +
                        (known.empty() ? std::string("the config declares no levels")
                                       : "declared levels: " + known) +
                        ")");
  };
  for (const auto& v : cfg.variables) check("variables." + v.name + ".level", v.level);
  for (std::size_t i = 0; i < cfg.filters.size(); ++i)
    check("filters[" + std::to_string(i) + "].level", cfg.filters[i].level);
  for (const auto& l : cfg.levels) {
    const auto key = "levels." + l.name;
    std::vector<std::pair<std::string, std::string>> own = {{key + ".index_begin", l.index_begin},
                                                            {key + ".count", l.count}};
    if (l.has_coordinates()) {
      own.emplace_back(key + ".latitude", l.latitude);
      own.emplace_back(key + ".longitude", l.longitude);
    }
    for (const auto& [k, path] : own) {
      if (cfg.groups.size() > 1 && !uses_group(path))
        ctx.fail(k,
                 "must use {group} when several groups are listed (each beam has its own "
                 "segments)");
      refs.emplace_back(k, path);
    }
  }
}

// Every dataset reference parses, and the groups and paths agree: with several groups the
// coordinates must differ per group (else each group reads the same points again); without
// groups no path may use "{group}".
void validate_datasets(const Context& ctx, const PipelineConfig& cfg) {
  std::vector<std::pair<std::string, std::string>> refs = {
      {"coordinates.latitude", cfg.latitude}, {"coordinates.longitude", cfg.longitude}};
  if (!cfg.time.empty()) refs.emplace_back("coordinates.time", cfg.time);
  std::vector<std::string> dataset_variables, derived_variables;
  for (const auto& v : cfg.variables)
    if (v.expression.empty()) {
      refs.emplace_back("variables." + v.name, v.dataset);
      dataset_variables.push_back(v.name);
    } else {
      derived_variables.push_back(v.name);
    }
  for (std::size_t i = 0; i < cfg.filters.size(); ++i)
    if (cfg.filters[i].expression.empty())
      refs.emplace_back("filters[" + std::to_string(i) + "].dataset", cfg.filters[i].dataset);
  validate_level_references(ctx, cfg, refs);
  // Expressions use dataset variables only (one level: no expression of expressions).
  auto check_expression = [&](const std::string& key, const std::string& text) {
    try {
      Expression(text, dataset_variables, derived_variables);
    } catch (const ExpressionError& e) {
      ctx.fail(key, std::string(e.what()) + " (names: the variables read from datasets)");
    }
  };
  for (const auto& v : cfg.variables)
    if (!v.expression.empty())
      check_expression("variables." + v.name + ".expression", v.expression);
  for (std::size_t i = 0; i < cfg.filters.size(); ++i)
    if (!cfg.filters[i].expression.empty())
      check_expression("filters[" + std::to_string(i) + "].expression", cfg.filters[i].expression);
  const bool flat = cfg.groups.size() == 1 && cfg.groups[0].empty();
  for (const auto& [key, text] : refs) {
    try {
      parse_dataset_selector(text);
    } catch (const std::invalid_argument& e) {
      ctx.fail(key, e.what());
    }
    if (flat && uses_group(text))
      ctx.fail(key, "'" + text + "' uses {group} but the config lists no groups");
  }
  if (cfg.groups.size() > 1)
    for (std::size_t i = 0; i < 2; ++i)  // the coordinates
      if (!uses_group(refs[i].second))
        ctx.fail(refs[i].first, "must use {group} when several groups are listed (each of the " +
                                    std::to_string(cfg.groups.size()) +
                                    " groups would read the same points)");
}

// Each statistic: a usable, unique name, known variables, sigma or weight only where the
// function takes one, and q in [0, 1].
void validate_statistics(const Context& ctx, const PipelineConfig& cfg) {
  if (cfg.statistics.empty()) ctx.fail("statistics", "at least one statistic is required");
  std::set<std::string> names;
  for (std::size_t i = 0; i < cfg.statistics.size(); ++i) {
    const auto& s = cfg.statistics[i];
    const auto key = "statistics[" + std::to_string(i) + "]";
    if (const auto problem = statistic_name_problem(s.name); !problem.empty())
      ctx.fail(key + ".name", problem);
    if (!names.insert(s.name).second) ctx.fail(key + ".name", "duplicate name '" + s.name + "'");
    if (cfg.variable_index(s.variable) < 0)
      ctx.fail(key + ".variable", "unknown variable '" + s.variable + "' (not in variables)");
    const bool weighted = s.function == StatFunction::weighted_mean ||
                          s.function == StatFunction::weighted_mean_sigma;
    if (weighted && s.sigma.empty() && s.weight.empty())
      ctx.fail(key + ".sigma", std::string("required for function ") + to_string(s.function) +
                                   " (or weight: a variable or expression, w = 1/sigma^2)");
    if (!s.sigma.empty() && !s.weight.empty())
      ctx.fail(key + ".weight", "give sigma or weight, not both");
    if (!s.sigma.empty() && !weighted)
      ctx.fail(key + ".sigma", std::string("only weighted_mean and weighted_mean_sigma take a "
                                           "sigma, not ") +
                                   to_string(s.function));
    if (!s.weight.empty() && !weighted)
      ctx.fail(key + ".weight", std::string("only weighted_mean and weighted_mean_sigma take a "
                                            "weight, not ") +
                                    to_string(s.function));
    if (!s.weight.empty() && cfg.variable_index(s.weight) < 0)
      ctx.fail(key + ".weight", "unknown variable '" + s.weight + "' (not in variables)");
    if (!s.sigma.empty() && cfg.variable_index(s.sigma) < 0)
      ctx.fail(key + ".sigma", "unknown variable '" + s.sigma + "' (not in variables)");
    if (s.function == StatFunction::quantile && !(s.q >= 0.0 && s.q <= 1.0))
      ctx.fail(key + ".q", "must be in [0, 1]");
  }
}

}  // namespace

int PipelineConfig::level_index(const std::string& name) const {
  for (std::size_t i = 0; i < levels.size(); ++i)
    if (levels[i].name == name) return static_cast<int>(i);
  return -1;
}

int PipelineConfig::variable_index(const std::string& name) const {
  for (std::size_t i = 0; i < variables.size(); ++i)
    if (variables[i].name == name) return static_cast<int>(i);
  return -1;
}

void PipelineConfig::validate() const {
  const Context ctx("config", &key_lines);
  if (groups.empty()) ctx.fail("groups", "at least one group is required");
  if (latitude.empty()) ctx.fail("coordinates.latitude", "missing");
  if (longitude.empty()) ctx.fail("coordinates.longitude", "missing");
  validate_datasets(ctx, *this);
  if (!time_units.empty() && time.empty())
    ctx.fail("coordinates.time_units", "needs coordinates.time (the dataset it describes)");
  if (time_window.active() && time.empty())
    ctx.fail("coordinates.time", "required by the time window (the dataset of each point's time)");
  if (time_windows.active() && time.empty())
    ctx.fail("coordinates.time", "required by time_windows (the dataset of each point's time)");
  if (time_windows.kind == WindowKind::list && time_window.active() &&
      !std::any_of(time_windows.intervals.begin(), time_windows.intervals.end(),
                   [&](const auto& w) { return time_window.meets(w.first, w.second); }))
    ctx.fail("time_windows", "none of the windows meets the time range [" +
                                 (time_window.start.empty() ? "..." : time_window.start) + ", " +
                                 (time_window.end.empty() ? "..." : time_window.end) +
                                 ") (config `time` or --start/--end)");
  if (grid.parent_order < 0 || grid.parent_order > kMaxOrder)
    ctx.fail("grid.parent_order", "must be in 0..29, got " + std::to_string(grid.parent_order));
  if (grid.child_order < grid.parent_order || grid.child_order > kMaxOrder)
    ctx.fail("grid.child_order", "must be in parent_order..29 (parent_order is " +
                                     std::to_string(grid.parent_order) + "), got " +
                                     std::to_string(grid.child_order));
  // The dense layout writes all 4^(child - parent) children of each parent with data.
  if (output.layout == OutputLayout::dense &&
      wide_child_offsets(grid.parent_order, grid.child_order))
    ctx.fail("output.layout",
             "dense needs child_order at most parent_order + 16 (each parent cell with data "
             "is written with all its 4^(child_order - parent_order) cells), got child_order " +
                 std::to_string(grid.child_order) + " with parent_order " +
                 std::to_string(grid.parent_order) + "; use sparse or auto");
  if (output.deflate_level < 0 || output.deflate_level > 9)
    ctx.fail("output.deflate_level", "must be in 0..9");
  check_overview_orders(output.overviews, grid.child_order, "config: output.overviews");
  validate_statistics(ctx, *this);
}

}  // namespace healgrid
