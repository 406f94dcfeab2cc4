#include "healgrid/read/angle_units.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "healgrid/read/cf_decoding.hpp"
#include "healgrid/util/text.hpp"

namespace healgrid {
namespace {

std::string normalized(const std::string& units) {
  std::string s = trimmed(units);
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// "degrees_north" -> "north", "degreeN" -> "n", "decimal degrees" -> "", "deg" -> "";
// false when `s` is no spelling of degrees.
bool degree_direction(const std::string& s, std::string& direction) {
  std::string rest = s;
  if (rest.rfind("decimal", 0) == 0) {
    const auto start = rest.find_first_not_of(" _", 7);
    rest = start == std::string::npos ? "" : rest.substr(start);
  }
  for (const char* word : {"degrees", "degree", "deg", "arc_degree", "angular_degree",
                           "\xC2\xB0" /* the degree sign */}) {
    const std::string w = word;
    if (rest.rfind(w, 0) != 0) continue;
    rest = rest.substr(w.size());
    const auto start = rest.find_first_not_of(" _");
    direction = start == std::string::npos ? "" : rest.substr(start);
    if (!direction.empty() && direction[0] == '(') direction.clear();  // "degrees (WGS84)"
    return true;
  }
  return false;
}

bool one_of(const std::string& s, std::initializer_list<const char*> words) {
  return std::any_of(words.begin(), words.end(), [&](const char* w) { return s == w; });
}

}  // namespace

double degrees_per_unit(const std::string& units, CoordinateAxis axis) {
  const bool latitude = axis == CoordinateAxis::latitude;
  const std::string s = normalized(units);
  const std::string quoted = "units \"" + units + "\"";
  if (s.empty()) return 1;
  if (one_of(s, {"radians", "radian", "rad"})) return 180.0 / M_PI;
  std::string direction;
  if (degree_direction(s, direction)) {
    if (direction.empty()) return 1;
    const bool north = one_of(direction, {"north", "n"}), east = one_of(direction, {"east", "e"});
    if ((latitude && north) || (!latitude && east)) return 1;
    if (north || east)
      throw CfAttributeError(quoted + " are the " + (latitude ? "longitude" : "latitude") +
                             "'s: are coordinates.latitude and coordinates.longitude swapped?");
    if (one_of(direction, {"south", "s", "west", "w"}))
      throw CfAttributeError(quoted + ": healgrid reads " +
                             (latitude ? "latitudes north" : "longitudes east") +
                             "-positive (degrees_" + (latitude ? "north" : "east") + ")");
  }
  throw CfAttributeError(quoted + " are not an angle healgrid knows: a " +
                         (latitude ? "latitude" : "longitude") + " must be in degrees (degrees_" +
                         (latitude ? "north" : "east") + ", degrees) or radians");
}

}  // namespace healgrid
