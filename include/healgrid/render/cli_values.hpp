// Parsing of the option values of `healgrid render`: sizes "W" or "WxH", comma-separated
// numbers ("lo,hi", "lon_min,lat_min,lon_max,lat_max"). Each throws std::invalid_argument whose
// message names the option and the value it could not read.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace healgrid {

// "1000" -> (1000, 0); "1200x800" -> (1200, 800).
std::pair<int, int> parse_size(const std::string& option, const std::string& text);
// Exactly `count` finite numbers separated by commas.
std::vector<double> parse_numbers(const std::string& option, const std::string& text,
                                  std::size_t count);
// Joins "--opt" "-12,3" into "--opt=-12,3" for the options listed, so that negative numbers
// are not taken for options by the command-line parser.
std::vector<std::string> join_negative_values(const std::vector<std::string>& args,
                                              const std::vector<std::string>& options);

}  // namespace healgrid
