// Shorelines for `healgrid render`, read at run time from GSHHG (Wessel & Smith; LGPL) in the
// binned netCDF form GMT reads, as Debian's gmt-gshhg-low installs it:
// /usr/share/gmt-gshhg/binned_GSHHS_{c,l,i}.nc (crude, low, intermediate).
//
// The file cuts every shoreline polygon into segments inside 10-degree bins (bin b has its
// south-west corner at longitude (b % bins_in_360) * size, latitude 90 - (b / bins_in_360 + 1)
// * size). A segment's `Embedded_npts_levels_exit_entry_for_a_segment` packs its point count
// (bits 9 and up) and level (bits 6-8); its points are offsets from the bin's corner in
// 1/65535 of the bin size (unsigned 16-bit). Levels: 1 land, 2 lake, 3 island in a lake,
// 4 pond; Antarctica comes twice: the ice front (level 1 segments flagged by
// `Embedded_ANT_flag`, reported here as ice_front) and the grounding line (level 6).
// Segments are drawn as they are: the cuts at bin edges add no line of their own.
#pragma once

#include <string>
#include <vector>

namespace healgrid {

enum class ShoreKind { coast, lake, island_in_lake, pond, ice_front, grounding_line };

struct ShoreLine {
  ShoreKind kind = ShoreKind::coast;
  std::vector<double> lon, lat;  // degrees, WGS84; longitudes in [0, 360]
};

// The Debian file for a map `map_width_km` wide, when installed: the intermediate resolution
// (binned_GSHHS_i.nc, 1 km tolerance) below kIntermediateBelowKm, else the low one (_l, 5 km);
// "" when neither is installed.
constexpr double kIntermediateBelowKm = 2500;
std::string default_coastline_path(double map_width_km = 1e9);

// Every segment with a point in [lat_min, lat_max]. Throws std::runtime_error naming the file
// and the variable when it is not a readable GSHHG binned file.
std::vector<ShoreLine> read_gshhg_shorelines(const std::string& path, double lat_min,
                                             double lat_max);

}  // namespace healgrid
