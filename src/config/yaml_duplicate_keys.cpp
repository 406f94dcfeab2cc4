#include "healgrid/config/yaml_duplicate_keys.hpp"

#include <map>

#include "healgrid/config/pipeline_config.hpp"

namespace healgrid {
namespace {

void walk(const YAML::Node& node, const std::string& path, const std::string& origin) {
  if (node.IsSequence()) {
    for (std::size_t i = 0; i < node.size(); ++i)
      walk(node[i], path + "[" + std::to_string(i) + "]", origin);
    return;
  }
  if (!node.IsMap()) return;
  std::map<std::string, YAML::Mark> first;  // key -> where it first appears
  for (const auto& kv : node) {
    if (!kv.first.IsScalar()) continue;  // non-string keys are refused by the parser itself
    const std::string key = kv.first.Scalar();
    const std::string key_path = path.empty() ? key : path + "." + key;
    const YAML::Mark at = kv.first.Mark();
    const auto [it, fresh] = first.emplace(key, at);
    if (!fresh) {
      const YAML::Mark before = it->second;
      // Both on one line (a flow mapping): the columns tell them apart.
      const std::string where =
          before.line == at.line
              ? "line " + std::to_string(at.line + 1) + ", columns " +
                    std::to_string(before.column + 1) + " and " + std::to_string(at.column + 1)
              : "lines " + std::to_string(before.line + 1) + " and " + std::to_string(at.line + 1);
      throw ConfigError(origin + ":" + std::to_string(at.line + 1) + ": " + key_path +
                        ": key given twice (" + where + "); keep one");
    }
    walk(kv.second, key_path, origin);
  }
}

}  // namespace

void check_no_duplicate_keys(const YAML::Node& root, const std::string& origin) {
  walk(root, "", origin);
}

}  // namespace healgrid
