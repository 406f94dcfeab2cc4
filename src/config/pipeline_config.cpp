#include "healgrid/config/pipeline_config.hpp"

#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "config_context.hpp"
#include "healgrid/config/expression.hpp"
#include "healgrid/config/utc_time.hpp"
#include "healgrid/config/yaml_duplicate_keys.hpp"
#include "healgrid/io/output_schema.hpp"
#include "healgrid/util/text.hpp"

namespace healgrid {
namespace {

using config_parse::Context;

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
  if (v.name == "and" || v.name == "or" || v.name == "not" || v.name == "in")
    ctx.fail(where, key,
             "'" + v.name +
                 "': a word of the expressions (and, or, not, in) cannot name a "
                 "variable: choose another name");
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

}  // namespace

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
  ctx.check_keys("coordinates", c, {"latitude", "longitude", "time", "time_units"});
  if (!c["latitude"]) ctx.fail("coordinates.latitude", c, "missing");
  if (!c["longitude"]) ctx.fail("coordinates.longitude", c, "missing");
  cfg.latitude = ctx.str("coordinates.latitude", c["latitude"]);
  cfg.longitude = ctx.str("coordinates.longitude", c["longitude"]);
  if (c["time"]) cfg.time = ctx.str("coordinates.time", c["time"]);
  if (c["time_units"]) {
    cfg.time_units = ctx.str("coordinates.time_units", c["time_units"]);
    const auto since = lower_case(cfg.time_units).find(" since ");  // any case, as a dataset's
    try {
      if (since == std::string::npos) throw std::invalid_argument("no \" since \"");
      parse_utc_seconds(cfg.time_units.substr(since + 7), true);
    } catch (const std::invalid_argument& e) {
      ctx.fail("coordinates.time_units", c["time_units"],
               std::string("expected CF units \"<unit> since <UTC date>\" (e.g. \"seconds since "
                           "2018-01-01T00:00:00Z\"): ") +
                   e.what());
    }
  }
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
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;  // before any allocation below
    throw ConfigError(path + ": cannot read config file: " + std::strerror(err));
  }
  if (!S_ISREG(st.st_mode))
    throw ConfigError(path + ": not a config file (" +
                      (S_ISDIR(st.st_mode) ? "a directory" : "not a regular file") + ")");
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {  // errno from the open underneath (permissions), when it set one
    const int err = errno;
    throw ConfigError(path + ": cannot read config file" +
                      (err != 0 ? std::string(": ") + std::strerror(err) : std::string()));
  }
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

}  // namespace healgrid
