#include "healgrid/render/coastline_json.hpp"

#include <cmath>
#include <cstdio>
#include <vector>

#include "healgrid/render/coastlines.hpp"

namespace healgrid {
namespace {

const char* kind_name(ShoreKind kind) {
  switch (kind) {
    case ShoreKind::coast:
      return "coast";
    case ShoreKind::lake:
      return "lake";
    case ShoreKind::island_in_lake:
      return "island_in_lake";
    case ShoreKind::pond:
      return "pond";
    case ShoreKind::ice_front:
      return "ice_front";
    case ShoreKind::grounding_line:
      return "grounding_line";
  }
  return "coast";
}

double wrap180(double lon) {
  const double w = std::fmod(lon + 180.0, 360.0);
  return (w < 0 ? w + 360.0 : w) - 180.0;
}

bool in_box(const CoastlineBox& box, double lon, double lat) {
  if (lat < box.lat_min || lat > box.lat_max) return false;
  const double arc = box.lon_east - box.lon_west;
  if (arc >= 360.0) return true;
  const double from_west = std::fmod(lon - box.lon_west + 720.0, 360.0);
  return from_west <= arc;
}

// Indexes of the points kept by the decimation (see the header).
std::vector<std::size_t> decimated(const ShoreLine& line, double tolerance) {
  std::vector<std::size_t> keep = {0};
  for (std::size_t i = 1; i + 1 < line.lon.size(); ++i) {
    const auto last = keep.back();
    const double dlat = line.lat[i] - line.lat[last];
    double dlon = std::fabs(line.lon[i] - line.lon[last]);
    if (dlon > 180) dlon = 360 - dlon;
    dlon *= std::cos(line.lat[i] * M_PI / 180.0);
    if (std::hypot(dlat, dlon) >= tolerance) keep.push_back(i);
  }
  if (line.lon.size() > 1) keep.push_back(line.lon.size() - 1);
  return keep;
}

void append_number(std::string& out, double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", v);
  out += buf;
}

}  // namespace

std::string coastlines_json(const std::string& gshhg_path, const CoastlineBox& box) {
  const auto lines = read_gshhg_shorelines(gshhg_path, box.lat_min, box.lat_max);
  const auto slash = gshhg_path.find_last_of('/');
  std::string out =
      "{\"source\": \"" + gshhg_path.substr(slash + 1) + "\", \"tolerance_degrees\": ";
  append_number(out, box.tolerance_degrees);
  out += ", \"lines\": [";
  bool first_line = true;
  for (const auto& line : lines) {
    bool inside = false;
    for (std::size_t i = 0; i < line.lon.size() && !inside; ++i)
      inside = in_box(box, line.lon[i], line.lat[i]);
    if (!inside) continue;
    out += first_line ? "\n" : ",\n";
    first_line = false;
    out += "{\"kind\": \"";
    out += kind_name(line.kind);
    out += "\", \"points\": [";
    bool first_point = true;
    for (const auto i : decimated(line, box.tolerance_degrees)) {
      if (!first_point) out += ',';
      first_point = false;
      append_number(out, wrap180(line.lon[i]));
      out += ',';
      append_number(out, line.lat[i]);
    }
    out += "]}";
  }
  out += "]}\n";
  return out;
}

}  // namespace healgrid
