// What `healgrid resolve` asks a catalog server for: a collection (short name, version,
// provider), a time window [start, end), an area (bbox or GeoJSON polygon) and optional RGT /
// cycle / region filters applied to the granule file name (ATLxx_YYYYMMDDhhmmss_ttttccrr_vvv_nn
// .h5). An ICESat-2 cycle is selected by the cycle field of the granule names.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "healgrid/catalog/footprint.hpp"

namespace healgrid {

struct GranuleQuery {
  std::string short_name = "ATL06";
  std::string version = "006";
  std::string provider = "NSIDC_CPRD";
  std::string start, end;  // ISO 8601 UTC ("" = open)
  std::optional<BoundingBox> bbox;
  std::vector<Ring> polygon;               // outer rings of a GeoJSON (Multi)Polygon, lon/lat
  std::string polygon_file;                // where `polygon` came from (recorded in the catalog)
  std::vector<int> rgts, cycles, regions;  // name filters; empty = any

  bool has_area() const { return bbox.has_value() || !polygon.empty(); }
  std::vector<Ring> area_rings() const;  // the bbox as a ring, or the polygon
};

// A search window [start, end) as ISO 8601 UTC holding every granule of the cycle: the
// cycle's start and end from real granule names (see the .cpp), a day wider each side. Not
// exact at the edges: keep only granules named with the cycle (passes_name_filters).
std::pair<std::string, std::string> icesat2_cycle_window(int cycle);
// The fitted start of a cycle (POSIX seconds; any integer cycle, also < 1, on the same 91-day
// grid) and the cycle whose [start, next start) holds `utc_seconds`: the time windows of
// `time_windows: cycle` (config/time_windows.hpp).
double icesat2_cycle_start_seconds(std::int64_t cycle);
std::int64_t icesat2_cycle_of(double utc_seconds);
// CMR readable_granule_name pattern of the cycle's granules ("ATL06*_??????????????_????22??_*"),
// the way icepyx selects cycles; sent with options[readable_granule_name][pattern]=true.
std::string icesat2_cycle_name_pattern(const std::string& short_name, int cycle);
// False when a granule acquired over [time_start, time_end] lies outside the query's window
// [start, end) ("--end" is exclusive: a granule starting exactly at it is left out). Times are
// ISO 8601 UTC, fractions of seconds allowed; unparsable times pass.
bool in_time_window(const GranuleQuery& query, const std::string& time_start,
                    const std::string& time_end);

struct GranuleNameFields {
  std::string product;  // "ATL06"
  std::string start;    // YYYYMMDDhhmmss
  int rgt = 0, cycle = 0, region = 0, version = 0;
};
// Parses ATL06_20190221121851_08410203_005_01.h5 (also with a "processed_" prefix or a
// directory); nullopt when the name does not follow the ICESat-2 pattern.
std::optional<GranuleNameFields> parse_granule_name(const std::string& name);
// True when the name passes the query's RGT / cycle / region filters (a name that cannot be
// parsed passes only when there are no filters).
bool passes_name_filters(const GranuleQuery& query, const std::string& name);

// "W,S,E,N" degrees; west > east crosses the antimeridian. Throws std::invalid_argument.
BoundingBox parse_bbox(const std::string& text);
// Outer rings of a GeoJSON Polygon / MultiPolygon / Feature / FeatureCollection.
std::vector<Ring> geojson_rings(const nlohmann::json& geometry);
// Reads a GeoJSON file; throws std::invalid_argument naming the file.
std::vector<Ring> read_geojson_area(const std::string& path);
// "1,2,5-7" -> {1,2,5,6,7}; throws std::invalid_argument naming `what`.
std::vector<int> parse_int_list(const std::string& text, const std::string& what);

nlohmann::json query_to_json(const GranuleQuery& query);
GranuleQuery query_from_json(const nlohmann::json& j);

}  // namespace healgrid
