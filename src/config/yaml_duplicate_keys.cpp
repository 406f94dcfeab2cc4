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
  std::map<std::string, int> first_line;  // key -> 1-based line of its first appearance
  for (const auto& kv : node) {
    if (!kv.first.IsScalar()) continue;  // non-string keys are refused by the parser itself
    const std::string key = kv.first.Scalar();
    const std::string key_path = path.empty() ? key : path + "." + key;
    const int line = kv.first.Mark().line + 1;
    const auto [it, fresh] = first_line.emplace(key, line);
    if (!fresh)
      throw ConfigError(origin + ":" + std::to_string(line) + ": " + key_path +
                        ": key given twice (lines " + std::to_string(it->second) + " and " +
                        std::to_string(line) + "); keep one");
    walk(kv.second, key_path, origin);
  }
}

}  // namespace

void check_no_duplicate_keys(const YAML::Node& root, const std::string& origin) {
  walk(root, "", origin);
}

}  // namespace healgrid
