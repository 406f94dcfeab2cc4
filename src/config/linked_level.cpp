#include "healgrid/config/linked_level.hpp"

#include <yaml-cpp/yaml.h>

#include <set>

#include "healgrid/config/pipeline_config.hpp"

namespace healgrid {
namespace {

[[noreturn]] void fail(const std::string& origin, const YAML::Node& node, const std::string& key,
                       const std::string& what) {
  std::string where = origin;
  if (node.IsDefined() && node.Mark().line >= 0)
    where += ":" + std::to_string(node.Mark().line + 1);
  throw ConfigError(where + ": " + key + ": " + what);
}

std::string text(const std::string& origin, const YAML::Node& node, const std::string& key) {
  if (!node.IsScalar() || node.Scalar().empty())
    fail(origin, node, key, "expected a dataset path (a non-empty string)");
  return node.Scalar();
}

}  // namespace

std::vector<LevelSpec> parse_levels(const YAML::Node& levels, const std::string& origin) {
  if (!levels.IsMap() || levels.size() == 0)
    fail(origin, levels, "levels",
         "expected a mapping of level names to {index_begin, count, base, latitude, longitude}");
  const std::set<std::string> allowed = {"index_begin", "count", "base", "latitude", "longitude"};
  std::vector<LevelSpec> out;
  for (const auto& kv : levels) {
    if (!kv.first.IsScalar() || kv.first.Scalar().empty())
      fail(origin, kv.first, "levels (key)", "a level name must be a non-empty string");
    LevelSpec level;
    level.name = kv.first.Scalar();
    const auto key = "levels." + level.name;
    const auto& m = kv.second;
    if (!m.IsMap()) fail(origin, m, key, "expected a mapping {index_begin, count, base}");
    for (const auto& item : m) {
      const auto name = item.first.IsScalar() ? item.first.Scalar() : std::string("?");
      if (!allowed.count(name))
        fail(origin, item.first, key + "." + name,
             "unknown key (allowed: base, count, index_begin, latitude, longitude)");
    }
    if (!m["index_begin"]) fail(origin, m, key + ".index_begin", "missing");
    if (!m["count"]) fail(origin, m, key + ".count", "missing");
    level.index_begin = text(origin, m["index_begin"], key + ".index_begin");
    level.count = text(origin, m["count"], key + ".count");
    // No default: ATL03 / ATL08 count from 1, other products from 0, and a wrong base shifts
    // every segment's points by one.
    if (!m["base"])
      fail(origin, m, key + ".base", "missing (0 or 1: the index of the first point)");
    const auto& b = m["base"];
    if (!b.IsScalar() || (b.Scalar() != "0" && b.Scalar() != "1"))
      fail(origin, b, key + ".base", "must be 0 or 1 (the index of the first point)");
    level.base = b.Scalar() == "1" ? 1 : 0;
    if (m["latitude"].IsDefined() != m["longitude"].IsDefined())
      fail(origin, m, key, "give both latitude and longitude of the level, or neither");
    if (m["latitude"]) {
      level.latitude = text(origin, m["latitude"], key + ".latitude");
      level.longitude = text(origin, m["longitude"], key + ".longitude");
    }
    out.push_back(level);
  }
  return out;
}

}  // namespace healgrid
