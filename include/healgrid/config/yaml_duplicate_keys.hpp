// A YAML mapping that gives one key twice is refused: yaml-cpp keeps both entries and lookups
// return the first, while other YAML readers (the embedded `healgrid_config` read back later)
// keep the last, so the two would disagree silently about which value the run used.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

namespace healgrid {

// Walks every mapping at any depth (inside lists too). Throws ConfigError
// "ORIGIN:LINE: KEY.PATH: key given twice (lines A and B)" for the first repeated scalar key.
void check_no_duplicate_keys(const YAML::Node& root, const std::string& origin);

}  // namespace healgrid
