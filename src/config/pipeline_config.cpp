#include "healgrid/config/pipeline_config.hpp"

#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "healgrid/config/dataset_selector.hpp"
#include "healgrid/config/expression.hpp"
#include "healgrid/config/statistic_names.hpp"
#include "healgrid/config/utc_time.hpp"
#include "healgrid/config/yaml_duplicate_keys.hpp"
#include "healgrid/grid/healpix_grid.hpp"
#include "healgrid/io/output_schema.hpp"

namespace healgrid {
namespace {

// Every error names the origin, the key path and (when yaml-cpp knows it) the line.
class Context {
 public:
  // `lines`: where each key path was read (parse_config fills it; validate() looks there).
  explicit Context(std::string origin, std::map<std::string, int>* lines = nullptr)
      : origin_(std::move(origin)), record_(lines), lines_(lines) {}
  Context(std::string origin, const std::map<std::string, int>* lines)
      : origin_(std::move(origin)), lines_(lines) {}

  [[noreturn]] void fail(const std::string& key, const YAML::Node& node,
                         const std::string& what) const {
    std::ostringstream msg;
    msg << origin_;
    if (node.IsDefined() && node.Mark().line >= 0) msg << ":" << node.Mark().line + 1;
    msg << ": " << key << ": " << what;
    throw ConfigError(msg.str());
  }
  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    const int line = line_of(key);
    throw ConfigError(origin_ + (line > 0 ? ":" + std::to_string(line) : "") + ": " + key + ": " +
                      what);
  }

  // Remembers the line of `key` (its value, or the key itself).
  void record(const std::string& key, const YAML::Node& node) const {
    if (record_ && node.IsDefined() && node.Mark().line >= 0)
      record_->emplace(key, node.Mark().line + 1);
  }
  // The line of `key` or, when it was not read (a default), of the nearest enclosing key
  // ("statistics[3].q" -> "statistics[3]"); 0 when unknown.
  int line_of(std::string key) const {
    while (lines_ && !key.empty()) {
      if (const auto it = lines_->find(key); it != lines_->end()) return it->second;
      const auto cut = key.find_last_of(".[");
      if (cut == std::string::npos) break;
      key.erase(cut);
    }
    return 0;
  }

  // Rejects keys not in `allowed`, so a typo never silently falls back to a default.
  void check_keys(const std::string& where, const YAML::Node& map,
                  const std::set<std::string>& allowed) const {
    if (!map.IsMap()) fail(where, map, "expected a mapping");
    for (const auto& kv : map) {
      // A key may be any YAML node ({}: 1 is valid YAML): it must be a plain string here.
      const auto key = str(where.empty() ? "(key)" : where + " (key)", kv.first);
      record(where.empty() ? key : where + "." + key, kv.first);
      if (!allowed.count(key)) {
        std::string list;
        for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
        fail(where.empty() ? key : where + "." + key, kv.first,
             "unknown key (allowed: " + list + ")");
      }
    }
  }

  template <typename T>
  T get(const std::string& key, const YAML::Node& node, const char* type_name) const {
    record(key, node);
    if (!node.IsScalar()) fail(key, node, std::string("expected ") + type_name);
    try {
      return node.as<T>();
    } catch (const YAML::Exception&) {
      fail(key, node, std::string("expected ") + type_name + ", got '" + node.Scalar() + "'");
    }
  }

  std::string str(const std::string& key, const YAML::Node& node) const {
    return get<std::string>(key, node, "a string");
  }
  int integer(const std::string& key, const YAML::Node& node) const {
    return get<int>(key, node, "an integer");
  }
  double number(const std::string& key, const YAML::Node& node) const {
    return get<double>(key, node, "a number");
  }

 private:
  std::string origin_;
  std::map<std::string, int>* record_ = nullptr;
  const std::map<std::string, int>* lines_ = nullptr;
};

StatFunction parse_function(const Context& ctx, const std::string& key, const YAML::Node& n) {
  static const std::pair<const char*, StatFunction> kNames[] = {
      {"count", StatFunction::count},
      {"min", StatFunction::min},
      {"max", StatFunction::max},
      {"sum", StatFunction::sum},
      {"mean", StatFunction::mean},
      {"weighted_mean", StatFunction::weighted_mean},
      {"weighted_mean_sigma", StatFunction::weighted_mean_sigma},
      {"variance", StatFunction::variance},
      {"std", StatFunction::std},
      {"quantile", StatFunction::quantile},
  };
  const auto name = ctx.str(key, n);
  for (const auto& [text, f] : kNames)
    if (name == text) return f;
  ctx.fail(key, n,
           "unknown statistic '" + name +
               "' (known: count min max sum mean weighted_mean weighted_mean_sigma variance std "
               "quantile)");
}

FilterOp parse_op(const Context& ctx, const std::string& key, const YAML::Node& n) {
  const auto op = ctx.str(key, n);
  if (op == "==") return FilterOp::eq;
  if (op == "!=") return FilterOp::ne;
  if (op == "<") return FilterOp::lt;
  if (op == "<=") return FilterOp::le;
  if (op == ">") return FilterOp::gt;
  if (op == ">=") return FilterOp::ge;
  ctx.fail(key, n, "unknown operator '" + op + "' (known: == != < <= > >=)");
}

void parse_grid(const Context& ctx, const YAML::Node& g, GridSpec& grid) {
  ctx.check_keys("grid", g, {"scheme", "indexing", "parent_order", "child_order", "latitude"});
  if (g["scheme"] && ctx.str("grid.scheme", g["scheme"]) != "healpix")
    ctx.fail("grid.scheme", g["scheme"], "only 'healpix' is supported");
  if (g["indexing"] && ctx.str("grid.indexing", g["indexing"]) != "nested")
    ctx.fail("grid.indexing", g["indexing"], "only 'nested' is supported");
  if (g["parent_order"]) grid.parent_order = ctx.integer("grid.parent_order", g["parent_order"]);
  if (g["child_order"]) grid.child_order = ctx.integer("grid.child_order", g["child_order"]);
  if (g["latitude"]) {
    const auto lat = ctx.str("grid.latitude", g["latitude"]);
    if (lat == "authalic")
      grid.latitude = LatitudeConvention::authalic;
    else if (lat == "geodetic")
      grid.latitude = LatitudeConvention::geodetic;
    else
      ctx.fail("grid.latitude", g["latitude"],
               "unknown latitude convention '" + lat + "' (known: authalic, geodetic)");
  }
}

// `name: PATH` or `name: {dataset: PATH, sentinel: X | [X, ...]}`.
VariableSpec parse_variable(const Context& ctx, const YAML::Node& key, const YAML::Node& value) {
  VariableSpec v;
  v.name = ctx.str("variables (key)", key);
  const auto where = "variables." + v.name;
  // Expressions name variables: muparser's names (a leading digit, a space or '-' would make
  // every expression of the config fail, naming another key).
  static const std::regex name_rule("[A-Za-z][A-Za-z0-9_]*");
  if (!std::regex_match(v.name, name_rule))
    ctx.fail(where, key,
             "'" + v.name +
                 "': a variable name starts with a letter and holds letters, digits "
                 "and _ only (expressions name it)");
  if (!value.IsMap()) {
    v.dataset = ctx.str(where, value);
    return v;
  }
  ctx.check_keys(where, value, {"dataset", "sentinel", "expression", "level"});
  if (value["expression"]) {
    if (value["dataset"] || value["sentinel"] || value["level"])
      ctx.fail(where, value, "give either dataset (with sentinel and level) or expression");
    v.expression = ctx.str(where + ".expression", value["expression"]);
    return v;
  }
  if (!value["dataset"]) ctx.fail(where + ".dataset", value, "missing");
  v.dataset = ctx.str(where + ".dataset", value["dataset"]);
  if (value["level"]) v.level = ctx.str(where + ".level", value["level"]);
  const auto& s = value["sentinel"];
  if (s && s.IsSequence()) {
    for (std::size_t i = 0; i < s.size(); ++i)
      v.sentinels.push_back(ctx.number(where + ".sentinel[" + std::to_string(i) + "]", s[i]));
  } else if (s) {
    v.sentinels.push_back(ctx.number(where + ".sentinel", s));
  }
  for (const double x : v.sentinels)
    if (!std::isfinite(x)) ctx.fail(where + ".sentinel", s, "must be a finite number");
  return v;
}

// `groups` is optional: without it the paths name one flat set of datasets (group "").
void parse_groups(const Context& ctx, const YAML::Node& list, PipelineConfig& cfg) {
  if (!list) {
    cfg.groups = {""};
    return;
  }
  if (!list.IsSequence() || list.size() == 0)
    ctx.fail("groups", list,
             "expected a list of groups (non-empty; leave `groups` out for a flat file)");
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto key = "groups[" + std::to_string(i) + "]";
    const auto name = ctx.str(key, list[i]);
    if (name.empty() || name.find('/') != std::string::npos)
      ctx.fail(key, list[i], "a group name must be non-empty and hold no '/'");
    if (std::find(cfg.groups.begin(), cfg.groups.end(), name) != cfg.groups.end())
      ctx.fail(key, list[i], "group '" + name + "' is listed twice (its points would count twice)");
    cfg.groups.push_back(name);
  }
}

// `weight:` names a variable, or is an expression over the dataset variables: then it becomes
// a derived variable of its own, "<statistic>.weight" (a name no expression can use).
std::string parse_weight(const Context& ctx, const std::string& key, const YAML::Node& node,
                         const std::string& statistic, PipelineConfig& cfg) {
  const auto text = ctx.str(key, node);
  if (cfg.variable_index(text) >= 0) return text;
  std::vector<std::string> dataset_variables, derived_variables;
  for (const auto& v : cfg.variables)
    (v.expression.empty() ? dataset_variables : derived_variables).push_back(v.name);
  try {
    Expression(text, dataset_variables, derived_variables);
  } catch (const ExpressionError& e) {
    ctx.fail(key, node,
             "neither a variable nor an expression over the dataset variables: " +
                 std::string(e.what()));
  }
  VariableSpec derived;
  derived.name = statistic + ".weight";
  derived.expression = text;
  if (cfg.variable_index(derived.name) >= 0)
    ctx.fail(key, node, "variable '" + derived.name + "' exists already");
  cfg.variables.push_back(derived);
  return derived.name;
}

void parse_statistics(const Context& ctx, const YAML::Node& list, PipelineConfig& cfg) {
  if (!list.IsSequence()) ctx.fail("statistics", list, "expected a list of statistics");
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto key = "statistics[" + std::to_string(i) + "]";
    const auto& s = list[i];
    ctx.check_keys(key, s,
                   {"name", "function", "variable", "sigma", "weight", "q", "long_name", "units"});
    StatisticSpec spec;
    if (!s["name"]) ctx.fail(key + ".name", s, "missing");
    if (!s["function"]) ctx.fail(key + ".function", s, "missing");
    if (!s["variable"]) ctx.fail(key + ".variable", s, "missing");
    spec.name = ctx.str(key + ".name", s["name"]);
    spec.function = parse_function(ctx, key + ".function", s["function"]);
    spec.variable = ctx.str(key + ".variable", s["variable"]);
    if (s["sigma"]) spec.sigma = ctx.str(key + ".sigma", s["sigma"]);
    if (s["weight"]) {
      spec.weight = parse_weight(ctx, key + ".weight", s["weight"], spec.name, cfg);
      spec.weight_text = ctx.str(key + ".weight", s["weight"]);
    }
    if (s["q"]) spec.q = ctx.number(key + ".q", s["q"]);
    if (s["long_name"]) spec.long_name = ctx.str(key + ".long_name", s["long_name"]);
    if (s["units"]) spec.units = ctx.str(key + ".units", s["units"]);
    if (spec.function == StatFunction::quantile && !s["q"])
      ctx.fail(key + ".q", s, "required for function quantile");
    if (spec.function != StatFunction::quantile && s["q"])
      ctx.fail(key + ".q", s["q"],
               std::string("only quantile takes a q, not ") + to_string(spec.function));
    cfg.statistics.push_back(spec);
  }
}

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
      grid.child_order - grid.parent_order > kMaxOrderDifference)
    ctx.fail("output.layout",
             "dense needs child_order at most parent_order + 16 (each parent cell with data "
             "is written with all its 4^(child_order - parent_order) cells), got child_order " +
                 std::to_string(grid.child_order) + " with parent_order " +
                 std::to_string(grid.parent_order) + "; use sparse or auto");
  if (output.deflate_level < 0 || output.deflate_level > 9)
    ctx.fail("output.deflate_level", "must be in 0..9");
  check_overview_orders(output.overviews, grid.child_order, "config: output.overviews");
  if (statistics.empty()) ctx.fail("statistics", "at least one statistic is required");
  std::set<std::string> names;
  for (std::size_t i = 0; i < statistics.size(); ++i) {
    const auto& s = statistics[i];
    const auto key = "statistics[" + std::to_string(i) + "]";
    if (const auto problem = statistic_name_problem(s.name); !problem.empty())
      ctx.fail(key + ".name", problem);
    if (!names.insert(s.name).second) ctx.fail(key + ".name", "duplicate name '" + s.name + "'");
    if (variable_index(s.variable) < 0)
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
    if (!s.weight.empty() && variable_index(s.weight) < 0)
      ctx.fail(key + ".weight", "unknown variable '" + s.weight + "' (not in variables)");
    if (!s.sigma.empty() && variable_index(s.sigma) < 0)
      ctx.fail(key + ".sigma", "unknown variable '" + s.sigma + "' (not in variables)");
    if (s.function == StatFunction::quantile && !(s.q >= 0.0 && s.q <= 1.0))
      ctx.fail(key + ".q", "must be in [0, 1]");
  }
}

// `output.overviews`: `all`, `none`, one order or a list of orders (config/overview_orders.hpp).
static OverviewOrders parse_overviews(const Context& ctx, const YAML::Node& node) {
  std::string text;
  if (node.IsSequence()) {
    for (std::size_t i = 0; i < node.size(); ++i)
      text += (i ? "," : "") + std::to_string(ctx.integer("output.overviews", node[i]));
    if (node.size() == 0) text = "none";
  } else {
    text = ctx.str("output.overviews", node);
  }
  try {
    return parse_overview_orders(text, "output.overviews");
  } catch (const ConfigError& e) {
    ctx.fail("output.overviews", node, std::string(e.what()).substr(18));  // without the key
  }
}

static void parse_input_suffixes(const Context& ctx, const YAML::Node& list, PipelineConfig& cfg) {
  if (!list.IsSequence() || list.size() == 0)
    ctx.fail("input_suffixes", list, "expected a non-empty list of file-name endings");
  cfg.input_suffixes.clear();
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto key = "input_suffixes[" + std::to_string(i) + "]";
    cfg.input_suffixes.push_back(ctx.str(key, list[i]));
    if (cfg.input_suffixes.back().empty()) ctx.fail(key, list[i], "must not be empty");
  }
}

static void parse_coordinates(const Context& ctx, const YAML::Node& c, PipelineConfig& cfg) {
  if (!c) ctx.fail("coordinates", "missing (latitude and longitude paths)");
  ctx.check_keys("coordinates", c, {"latitude", "longitude", "time"});
  if (!c["latitude"]) ctx.fail("coordinates.latitude", c, "missing");
  if (!c["longitude"]) ctx.fail("coordinates.longitude", c, "missing");
  cfg.latitude = ctx.str("coordinates.latitude", c["latitude"]);
  cfg.longitude = ctx.str("coordinates.longitude", c["longitude"]);
  if (c["time"]) cfg.time = ctx.str("coordinates.time", c["time"]);
}

static void parse_filters(const Context& ctx, const YAML::Node& fl, PipelineConfig& cfg) {
  if (!fl.IsSequence()) ctx.fail("filters", fl, "expected a list");
  for (std::size_t i = 0; i < fl.size(); ++i) {
    const auto key = "filters[" + std::to_string(i) + "]";
    ctx.check_keys(key, fl[i], {"dataset", "op", "value", "expression", "level"});
    if (fl[i]["expression"]) {
      if (fl[i]["dataset"] || fl[i]["op"] || fl[i]["value"] || fl[i]["level"])
        ctx.fail(key, fl[i], "give either dataset, op, value (and level), or expression");
      FilterSpec f;
      f.expression = ctx.str(key + ".expression", fl[i]["expression"]);
      cfg.filters.push_back(f);
      continue;
    }
    if (!fl[i]["dataset"]) ctx.fail(key + ".dataset", fl[i], "missing");
    if (!fl[i]["op"])  // no default: a filter meant as ">=" must not become "=="
      ctx.fail(key + ".op", fl[i], "missing (one of == != < <= > >=)");
    if (!fl[i]["value"]) ctx.fail(key + ".value", fl[i], "missing");
    FilterSpec f;
    f.dataset = ctx.str(key + ".dataset", fl[i]["dataset"]);
    f.op = parse_op(ctx, key + ".op", fl[i]["op"]);
    f.value = ctx.number(key + ".value", fl[i]["value"]);
    if (fl[i]["level"]) f.level = ctx.str(key + ".level", fl[i]["level"]);
    cfg.filters.push_back(f);
  }
}

static void parse_output(const Context& ctx, const YAML::Node& o, OutputSpec& out) {
  ctx.check_keys("output", o, {"deflate_level", "layout", "overviews", "title"});
  if (o["layout"]) {
    const auto word = ctx.str("output.layout", o["layout"]);
    const auto layout = parse_output_layout(word);
    if (!layout)
      ctx.fail("output.layout", o["layout"],
               "unknown layout '" + word + "' (known: auto, dense, sparse)");
    out.layout = *layout;
  }
  if (o["deflate_level"])
    out.deflate_level = ctx.integer("output.deflate_level", o["deflate_level"]);
  if (o["title"]) out.title = ctx.str("output.title", o["title"]);
  if (const auto& ov = o["overviews"]) out.overviews = parse_overviews(ctx, ov);
}

PipelineConfig parse_config(const std::string& yaml_text, const std::string& origin) {
  std::map<std::string, int> lines;
  const Context ctx(origin, &lines);
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    // `{dataset: /{group}/x}`: YAML reads the braces of {group} as a mapping inside a mapping.
    std::istringstream text(yaml_text);
    std::string line;
    for (int i = 0; i <= e.mark.line && std::getline(text, line); ++i) {
    }
    const bool braces =
        line.find("{group}") != std::string::npos && line.find('{') < line.find("{group}");
    throw ConfigError(origin + ":" + std::to_string(e.mark.line + 1) + ": invalid YAML: " + e.msg +
                      (braces ? " (inside { }, quote a path with {group}: \"/{group}/x\")" : ""));
  }
  if (!root.IsMap()) ctx.fail("(top level)", root, "expected a mapping of keys");
  check_no_duplicate_keys(root, origin);
  ctx.check_keys(
      "", root,
      {"product", "title", "groups", "input_suffixes", "coordinates", "time", "time_windows",
       "levels", "variables", "filters", "grid", "output", "statistics"});

  PipelineConfig cfg;
  cfg.source_text = yaml_text;
  if (root["product"]) cfg.product = ctx.str("product", root["product"]);
  if (root["title"]) cfg.output.title = ctx.str("title", root["title"]);

  parse_groups(ctx, root["groups"], cfg);
  if (const auto& list = root["input_suffixes"]) parse_input_suffixes(ctx, list, cfg);
  parse_coordinates(ctx, root["coordinates"], cfg);

  if (const auto& t = root["time"]) {
    ctx.check_keys("time", t, {"start", "end"});
    try {
      set_time_window(cfg.time_window, t["start"] ? ctx.str("time.start", t["start"]) : "",
                      t["end"] ? ctx.str("time.end", t["end"]) : "", "time");
    } catch (const ConfigError& e) {
      throw ConfigError(origin + ": " + e.what());
    }
  }

  if (root["levels"]) cfg.levels = parse_levels(root["levels"], origin);
  if (const auto& tw = root["time_windows"]) cfg.time_windows = parse_time_windows(tw, origin);

  if (!root["variables"]) ctx.fail("variables", "missing (name: dataset path)");
  const auto& vars = root["variables"];
  if (!vars.IsMap()) ctx.fail("variables", vars, "expected a mapping of name: dataset path");
  for (const auto& kv : vars) cfg.variables.push_back(parse_variable(ctx, kv.first, kv.second));

  if (const auto& fl = root["filters"]) parse_filters(ctx, fl, cfg);
  if (root["grid"]) parse_grid(ctx, root["grid"], cfg.grid);

  if (const auto& o = root["output"]) parse_output(ctx, o, cfg.output);
  if (!root["statistics"]) ctx.fail("statistics", "missing (list of output statistics)");
  parse_statistics(ctx, root["statistics"], cfg);

  cfg.key_lines = std::move(lines);
  try {
    cfg.validate();
  } catch (const ConfigError& e) {
    // validate() names the key and line; prefix the file instead of the generic "config".
    std::string msg = e.what();
    if (msg.rfind("config:", 0) == 0) msg = origin + msg.substr(6);
    throw ConfigError(msg);
  }
  return cfg;
}

void set_time_window(TimeWindow& window, const std::string& start, const std::string& end,
                     const std::string& key) {
  TimeWindow w;
  try {
    w.start = start;
    if (!start.empty()) w.start_seconds = parse_utc_seconds(start);
    w.end = end;
    if (!end.empty()) w.end_seconds = parse_utc_seconds(end);
  } catch (const std::invalid_argument& e) {
    throw ConfigError(key + ": " + e.what());
  }
  if (!(w.start_seconds < w.end_seconds))
    throw ConfigError(key + ": the start " + start + " is not before the end " + end);
  window = w;
}

PipelineConfig load_config_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
    throw ConfigError(path + ": not a config file (" +
                      (S_ISDIR(st.st_mode) ? "a directory" : "not a regular file") + ")");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path + ": cannot read config file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), path);
}

std::string expand_group(const std::string& dataset_template, const std::string& group) {
  std::string out = dataset_template;
  const std::string token = "{group}";
  for (auto pos = out.find(token); pos != std::string::npos; pos = out.find(token, pos)) {
    out.replace(pos, token.size(), group);
    pos += group.size();
  }
  return out;
}

const char* to_string(StatFunction f) {
  switch (f) {
    case StatFunction::count:
      return "count";
    case StatFunction::min:
      return "min";
    case StatFunction::max:
      return "max";
    case StatFunction::sum:
      return "sum";
    case StatFunction::mean:
      return "mean";
    case StatFunction::weighted_mean:
      return "weighted_mean";
    case StatFunction::weighted_mean_sigma:
      return "weighted_mean_sigma";
    case StatFunction::variance:
      return "variance";
    case StatFunction::std:
      return "std";
    case StatFunction::quantile:
      return "quantile";
  }
  return "?";
}

const char* to_string(FilterOp op) {
  switch (op) {
    case FilterOp::eq:
      return "==";
    case FilterOp::ne:
      return "!=";
    case FilterOp::lt:
      return "<";
    case FilterOp::le:
      return "<=";
    case FilterOp::gt:
      return ">";
    case FilterOp::ge:
      return ">=";
  }
  return "?";
}

const char* to_string(LatitudeConvention c) {
  return c == LatitudeConvention::authalic ? "authalic" : "geodetic";
}

namespace {

// One branch-free loop per operator (vectorised), not a switch per value.
template <typename Passes>
void keep_where(const double* values, std::size_t n, std::uint8_t* valid, Passes passes) {
  for (std::size_t i = 0; i < n; ++i) valid[i] = passes(values[i]) ? valid[i] : std::uint8_t{0};
}

}  // namespace

void keep_passing(const FilterSpec& f, const double* values, std::size_t n, std::uint8_t* valid) {
  const double t = f.value;
  switch (f.op) {
    case FilterOp::eq:
      return keep_where(values, n, valid, [t](double v) { return v == t; });
    case FilterOp::ne:
      return keep_where(values, n, valid, [t](double v) { return v != t; });
    case FilterOp::lt:
      return keep_where(values, n, valid, [t](double v) { return v < t; });
    case FilterOp::le:
      return keep_where(values, n, valid, [t](double v) { return v <= t; });
    case FilterOp::gt:
      return keep_where(values, n, valid, [t](double v) { return v > t; });
    case FilterOp::ge:
      return keep_where(values, n, valid, [t](double v) { return v >= t; });
  }
}

bool filter_passes(FilterOp op, double value, double threshold) {
  std::uint8_t valid = 1;
  keep_passing(FilterSpec{"", op, threshold}, &value, 1, &valid);
  return valid != 0;
}

}  // namespace healgrid
