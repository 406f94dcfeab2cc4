// The parse context of a pipeline config (internal to src/config): every error names the
// config's origin, the key path and, when yaml-cpp knows it, the line. Shared by the parser
// (pipeline_config.cpp) and the checks that run after it (config_validation.cpp).
#pragma once

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "healgrid/config/pipeline_config.hpp"

namespace healgrid::config_parse {

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
  // A leading zero is refused: yaml-cpp reads 011 as octal 9 (YAML 1.1), the command line as 11.
  int integer(const std::string& key, const YAML::Node& node) const {
    const std::string text = node.IsScalar() ? node.Scalar() : std::string();
    const std::size_t digits = text.find_first_not_of("+-");
    if (digits != std::string::npos && text.size() > digits + 1 && text[digits] == '0' &&
        std::isdigit(static_cast<unsigned char>(text[digits + 1]))) {
      record(key, node);
      fail(key, node,
           "'" + text +
               "' has a leading 0, which YAML reads as an octal number: write it "
               "without the leading 0");
    }
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

}  // namespace healgrid::config_parse
