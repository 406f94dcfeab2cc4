#include "healgrid/render/coastlines.hpp"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <stdexcept>

#include "healgrid/io/nc_file.hpp"

namespace healgrid {
namespace {

constexpr const char* kDebianLow = "/usr/share/gmt-gshhg/binned_GSHHS_l.nc";
constexpr const char* kDebianIntermediate = "/usr/share/gmt-gshhg/binned_GSHHS_i.nc";

std::vector<std::int64_t> read_integers(const io::NcFile& nc, const char* name) {
  const auto values = nc.read_doubles(nc.var_id(name));
  return std::vector<std::int64_t>(values.begin(), values.end());
}

ShoreKind kind_of(std::int64_t level, bool antarctic) {
  if (antarctic) return ShoreKind::ice_front;
  switch (level) {
    case 2:
      return ShoreKind::lake;
    case 3:
      return ShoreKind::island_in_lake;
    case 4:
      return ShoreKind::pond;
    case 6:
      return ShoreKind::grounding_line;
    default:
      return ShoreKind::coast;
  }
}

std::runtime_error not_gshhg(const std::string& path, const std::string& why) {
  return std::runtime_error("--coastlines: " + path + " is not a GSHHG binned shoreline file (" +
                            why + ")");
}

std::vector<ShoreLine> read_shorelines(const std::string& path, double lat_min, double lat_max) {
  const auto nc = io::NcFile::open_read(path);
  const double bin_degrees = read_integers(nc, "Bin_size_in_minutes").at(0) / 60.0;
  const std::int64_t bins_in_360 = read_integers(nc, "N_bins_in_360_longitude_range").at(0);
  const auto first_segment = read_integers(nc, "Id_of_first_segment_in_a_bin");
  const auto segments_in_bin = read_integers(nc, "N_segments_in_a_bin");
  const auto segment_info = read_integers(nc, "Embedded_npts_levels_exit_entry_for_a_segment");
  const auto first_point = read_integers(nc, "Id_of_first_point_in_a_segment");
  const auto antarctic = read_integers(nc, "Embedded_ANT_flag");
  const auto dx = read_integers(nc, "Relative_longitude_from_SW_corner_of_bin");
  const auto dy = read_integers(nc, "Relative_latitude_from_SW_corner_of_bin");
  if (!(bin_degrees > 0) || bins_in_360 <= 0 || first_segment.size() != segments_in_bin.size() ||
      segment_info.size() != first_point.size() || antarctic.size() != segment_info.size() ||
      dx.size() != dy.size())
    throw not_gshhg(path, "inconsistent bin, segment or point arrays");
  const double scale = bin_degrees / 65535.0;
  const auto segments = static_cast<std::int64_t>(segment_info.size());
  std::vector<ShoreLine> out;
  for (std::size_t b = 0; b < first_segment.size(); ++b) {
    const double lon_sw = static_cast<double>(b % bins_in_360) * bin_degrees;
    const double lat_sw = 90.0 - static_cast<double>(b / bins_in_360 + 1) * bin_degrees;
    if (lat_sw > lat_max || lat_sw + bin_degrees < lat_min) continue;
    for (std::int64_t s = first_segment[b]; s < first_segment[b] + segments_in_bin[b]; ++s) {
      if (s < 0 || s >= segments)
        throw not_gshhg(
            path, "segment " + std::to_string(s) + " of bin " + std::to_string(b) + " is missing");
      const std::int64_t count = segment_info[s] >> 9, level = (segment_info[s] >> 6) & 7;
      const std::int64_t start = first_point[s];
      if (count < 0 || start < 0 || start + count > static_cast<std::int64_t>(dx.size()))
        throw not_gshhg(path, "the points of segment " + std::to_string(s) + " are out of range");
      ShoreLine line;
      line.kind = kind_of(level, antarctic[s] != 0);
      for (std::int64_t p = start; p < start + count; ++p) {
        line.lon.push_back(lon_sw + static_cast<double>(dx[p] & 0xffff) * scale);
        line.lat.push_back(lat_sw + static_cast<double>(dy[p] & 0xffff) * scale);
      }
      if (line.lon.size() >= 2) out.push_back(std::move(line));
    }
  }
  return out;
}

}  // namespace

std::string default_coastline_path(double map_width_km) {
  std::error_code ec;
  if (map_width_km < kIntermediateBelowKm &&
      std::filesystem::is_regular_file(kDebianIntermediate, ec))
    return kDebianIntermediate;
  return std::filesystem::is_regular_file(kDebianLow, ec) ? kDebianLow : "";
}

std::vector<ShoreLine> read_gshhg_shorelines(const std::string& path, double lat_min,
                                             double lat_max) {
  try {
    return read_shorelines(path, lat_min, lat_max);
  } catch (const std::runtime_error& e) {
    if (std::string(e.what()).find("GSHHG") != std::string::npos) throw;
    throw not_gshhg(path, e.what());
  } catch (const std::out_of_range&) {
    throw not_gshhg(path, "an empty scalar");
  }
}

}  // namespace healgrid
