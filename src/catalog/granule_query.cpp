#include "healgrid/catalog/granule_query.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>

#include "healgrid/config/utc_time.hpp"
#include "healgrid/util/text.hpp"

namespace healgrid {
namespace {

bool contains(const std::vector<int>& v, int x) {
  return v.empty() || std::find(v.begin(), v.end(), x) != v.end();
}

Ring ring_from_json(const nlohmann::json& coords) {
  Ring ring;
  for (const auto& p : coords) {
    if (!p.is_array() || p.size() < 2 || !p[0].is_number() || !p[1].is_number())
      throw std::invalid_argument("GeoJSON position must be [lon, lat]");
    ring.push_back({p[0].get<double>(), p[1].get<double>()});
  }
  return ring;
}

}  // namespace

std::vector<Ring> GranuleQuery::area_rings() const {
  if (bbox) return {bbox_ring(*bbox)};
  return polygon;
}

// ICESat-2 repeats its 1387 reference ground tracks every cycle. Fitted to the start times in
// real granule names (RGT, cycle and region in the name; region k starts about (k-1)/14 of an
// orbit after the RGT's start): RGT 1 of cycle 1 began 2018-09-28T15:32Z (science data from
// 2018-10-13, RGT 234), and cycles last 90.8186 days, which puts cycle 3 at 2019-03-29T06:49Z
// (ATL06 RGT 277 at 2019-04-16T09:39 is 18 days in) and cycle 17 at 2022-09-20T17:52Z (ATL03
// RGT 335 at 2022-10-12T16:16). A flat 91 days from 2018-10-13 starts cycle 3 15 days late.
constexpr std::time_t kCycle1Start = 1538148720;  // 2018-09-28T15:32:00Z
constexpr std::time_t kCycleSeconds = 7846727;    // 90.8186 days
constexpr std::time_t kWindowMargin = 86400;  // a day each side: the fit's error stays far below

std::pair<std::string, std::string> icesat2_cycle_window(int cycle) {
  if (cycle < 1)
    throw std::invalid_argument("ICESat-2 cycle must be >= 1, got " + std::to_string(cycle));
  const std::time_t start = kCycle1Start + static_cast<std::time_t>(cycle - 1) * kCycleSeconds;
  return {utc_timestamp(start - kWindowMargin),
          utc_timestamp(start + kCycleSeconds + kWindowMargin)};
}

double icesat2_cycle_start_seconds(std::int64_t cycle) {
  return static_cast<double>(kCycle1Start) + static_cast<double>(cycle - 1) * kCycleSeconds;
}

std::int64_t icesat2_cycle_of(double utc_seconds) {
  return static_cast<std::int64_t>(
             std::floor((utc_seconds - static_cast<double>(kCycle1Start)) / kCycleSeconds)) +
         1;
}

std::string icesat2_cycle_name_pattern(const std::string& short_name, int cycle) {
  if (cycle < 1 || cycle > 99)
    throw std::invalid_argument("ICESat-2 cycle must be in 1..99, got " + std::to_string(cycle));
  char field[8];
  std::snprintf(field, sizeof field, "%02d", cycle);
  // PRODUCT[-hh]_YYYYMMDDhhmmss_ttttccrr_vvv_nn.h5: cc is the cycle ('?' is one character).
  return short_name + "*_??????????????_????" + field + "??_*";
}

bool in_time_window(const GranuleQuery& q, const std::string& time_start,
                    const std::string& time_end) {
  // Servers' times may carry a UTC offset ("2019-05-01T00:30:00+01:00"): converted to UTC,
  // as the query's own; a time that does not parse selects nothing away.
  const auto seconds = [](const std::string& iso) -> std::optional<double> {
    if (iso.empty()) return std::nullopt;
    try {
      return parse_utc_seconds(iso);
    } catch (const std::invalid_argument&) {
      return std::nullopt;
    }
  };
  // [start, end): a granule starting exactly at `end` belongs to the next window.
  const auto begin = seconds(time_start);
  const auto finish = seconds(time_end.empty() ? time_start : time_end);
  const auto window_start = seconds(q.start), window_end = seconds(q.end);
  if (begin && window_end && *begin >= *window_end) return false;
  if (finish && window_start && *finish < *window_start) return false;
  return true;
}

std::optional<GranuleNameFields> parse_granule_name(const std::string& name) {
  static const std::regex pattern(
      R"((ATL\d\d)(?:-\d\d)?_(\d{14})_(\d{4})(\d{2})(\d{2})_(\d{3})_\d{2}[^/]*$)");
  std::smatch m;
  if (!std::regex_search(name, m, pattern)) return std::nullopt;
  GranuleNameFields f;
  f.product = m[1];
  f.start = m[2];
  f.rgt = std::stoi(m[3]);
  f.cycle = std::stoi(m[4]);
  f.region = std::stoi(m[5]);
  f.version = std::stoi(m[6]);
  return f;
}

bool passes_name_filters(const GranuleQuery& q, const std::string& name) {
  if (q.rgts.empty() && q.cycles.empty() && q.regions.empty()) return true;
  const auto f = parse_granule_name(name);
  return f && contains(q.rgts, f->rgt) && contains(q.cycles, f->cycle) &&
         contains(q.regions, f->region);
}

BoundingBox parse_bbox(const std::string& text) {
  std::vector<double> v;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    try {
      std::size_t used = 0;
      v.push_back(std::stod(item, &used));
      if (used != item.size()) throw std::invalid_argument("");
    } catch (const std::exception&) {
      throw std::invalid_argument("--bbox '" + text + "': expected W,S,E,N in degrees");
    }
  }
  if (v.size() != 4)
    throw std::invalid_argument("--bbox '" + text + "': expected W,S,E,N in degrees");
  const BoundingBox b{v[0], v[1], v[2], v[3]};
  if (b.south < -90 || b.north > 90 || b.south >= b.north || b.west < -180 || b.west > 180 ||
      b.east < -180 || b.east > 180)
    throw std::invalid_argument("--bbox '" + text +
                                "': need -180 <= W,E <= 180 and -90 <= S < N <= 90");
  return b;
}

std::vector<Ring> geojson_rings(const nlohmann::json& g) {
  const std::string type = g.value("type", "");
  if (type == "FeatureCollection") {
    std::vector<Ring> all;
    for (const auto& f : g.at("features")) {
      auto r = geojson_rings(f);
      all.insert(all.end(), r.begin(), r.end());
    }
    return all;
  }
  if (type == "Feature") return geojson_rings(g.at("geometry"));
  if (type == "Polygon") return {ring_from_json(g.at("coordinates").at(0))};
  if (type == "MultiPolygon") {
    std::vector<Ring> all;
    for (const auto& poly : g.at("coordinates")) all.push_back(ring_from_json(poly.at(0)));
    return all;
  }
  throw std::invalid_argument("GeoJSON type '" + type +
                              "' is not supported (Polygon, MultiPolygon, Feature, "
                              "FeatureCollection)");
}

std::vector<Ring> read_geojson_area(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument(path + ": cannot read the GeoJSON area file");
  try {
    auto rings = geojson_rings(nlohmann::json::parse(in));
    for (const auto& r : rings)
      if (r.size() < 3) throw std::invalid_argument("a polygon ring needs at least 3 positions");
    if (rings.empty()) throw std::invalid_argument("no polygon in the file");
    return rings;
  } catch (const std::exception& e) {
    throw std::invalid_argument(path + ": " + e.what());
  }
}

std::vector<int> parse_int_list(const std::string& text, const std::string& what) {
  std::vector<int> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    int a = 0, b = 0;
    char tail = 0;
    if (std::sscanf(item.c_str(), "%d-%d%c", &a, &b, &tail) == 2 && a <= b) {
      for (int x = a; x <= b; ++x) out.push_back(x);
    } else if (std::sscanf(item.c_str(), "%d%c", &a, &tail) == 1) {
      out.push_back(a);
    } else {
      throw std::invalid_argument(what + " '" + text + "': expected numbers like 1,5,7-9");
    }
  }
  return out;
}

nlohmann::json query_to_json(const GranuleQuery& q) {
  nlohmann::json j = {
      {"short_name", q.short_name}, {"version", q.version}, {"provider", q.provider},
      {"start", q.start},           {"end", q.end},         {"rgts", q.rgts},
      {"cycles", q.cycles},         {"regions", q.regions}};
  if (q.bbox) j["bbox"] = {q.bbox->west, q.bbox->south, q.bbox->east, q.bbox->north};
  if (!q.polygon.empty()) {
    nlohmann::json polys = nlohmann::json::array();
    for (const auto& r : q.polygon) {
      nlohmann::json ring = nlohmann::json::array();
      for (const auto& p : r) ring.push_back({p.lon, p.lat});
      polys.push_back({ring});
    }
    j["polygon"] = {{"type", "MultiPolygon"}, {"coordinates", polys}};
    j["polygon_file"] = q.polygon_file;
  }
  return j;
}

GranuleQuery query_from_json(const nlohmann::json& j) {
  GranuleQuery q;
  q.short_name = j.value("short_name", q.short_name);
  q.version = j.value("version", q.version);
  q.provider = j.value("provider", q.provider);
  q.start = j.value("start", "");
  q.end = j.value("end", "");
  q.rgts = j.value("rgts", std::vector<int>{});
  q.cycles = j.value("cycles", std::vector<int>{});
  q.regions = j.value("regions", std::vector<int>{});
  if (j.contains("bbox")) {
    const auto b = j.at("bbox").get<std::vector<double>>();
    if (b.size() != 4) throw std::invalid_argument("query.bbox must hold 4 numbers");
    q.bbox = BoundingBox{b[0], b[1], b[2], b[3]};
  }
  if (j.contains("polygon")) q.polygon = geojson_rings(j.at("polygon"));
  q.polygon_file = j.value("polygon_file", "");
  return q;
}

}  // namespace healgrid
