// Linked levels: a coarser level of a product whose records each own a contiguous run of the
// points (ICESat-2 ATL03: a 20 m geolocation segment owns its photons through ph_index_beg,
// 1-based and 0 for an empty segment, and segment_ph_cnt; ATL08: land_segments' ph_ndx_beg and
// n_seg_ph over signal_photons). A variable or filter of a level holds one value per segment and
// is broadcast to every point the segment owns. The level's own coordinates (ATL03's
// reference_photon_lat/lon), when given, let the index pass read only the point ranges whose
// segments can touch the run's cells.
#pragma once

#include <string>
#include <vector>

namespace YAML {
class Node;
}

namespace healgrid {

struct LevelSpec {
  std::string name;                 // e.g. "segment", as variables and filters name it
  std::string index_begin;          // dataset template: index of each segment's first point
  std::string count;                // dataset template: points of each segment
  int base = 1;                     // the index of the first point (1 for ICESat-2), 0 or 1
  std::string latitude, longitude;  // optional dataset templates: one position per segment
  bool has_coordinates() const { return !latitude.empty(); }
};

// Parses the `levels` mapping (`name: {index_begin, count, base?, latitude?, longitude?}`).
// Throws ConfigError naming `origin`, the key and the line.
std::vector<LevelSpec> parse_levels(const YAML::Node& levels, const std::string& origin);

}  // namespace healgrid
