// A finished healgrid output opened for reading (render, info). Opening checks that the file is
// a healgrid output: a strictly increasing uint64 coordinate `cell_ids` with `grid_name =
// "healpix"`, `indexing_scheme = "nested"` and an integer `level`, and the global attribute
// `latitude_convention` (authalic|geodetic). Anything else throws std::runtime_error naming the
// file and what is missing. Data variables are the variables on the `cell_ids` dimension other
// than the coordinates (cell_ids, healpix_index). Names: io/output_schema.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "healgrid/config/pipeline_config.hpp"
#include "healgrid/io/nc_file.hpp"

namespace healgrid {

// A time-windowed output opened without choosing a window, or with one it does not have (a
// usage error: the message lists the windows).
// The value of `--time N` (render, info) when the option is not given: a negative N is refused.
inline constexpr int kNoTime = -2147483647 - 1;

struct WindowChoiceError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

struct GridVariable {
  std::string name;
  std::string long_name;       // the name when the file has none
  std::string units;           // "" when absent
  std::string type;            // NetCDF type, e.g. "float32"
  std::string cell_method;     // the statistic: healgrid_statistic ("count", "min", ...), or in
                               // older files the function in `cell_methods`; "" if none
  std::vector<double> values;  // one per cell id; NaN where the file holds _FillValue
};

struct GranuleRow {
  std::string name;
  std::int64_t bytes = 0;
  std::int64_t points_used = 0;
  std::string status;  // "used", "empty: ...", "skipped: ..."
};

class HealgridOutput {
 public:
  // `time`: the window to read of a time-windowed output (statistics on (time, cell_ids));
  // required there, refused elsewhere (std::invalid_argument naming the file and the count).
  explicit HealgridOutput(const std::string& path, std::optional<std::size_t> time = std::nullopt);

  const std::string& path() const { return reader_.path(); }
  const io::NcFile& file() const { return reader_; }  // e.g. for render/stored_overviews
  int level() const { return level_; }
  int parent_order() const { return parent_order_; }  // the level when the file has none
  // Whether the file records its parent order (healgrid's outputs; other xdggs files do not).
  bool parent_order_recorded() const { return parent_order_recorded_; }
  LatitudeConvention convention() const { return convention_; }
  const std::vector<std::uint64_t>& cell_ids() const { return cell_ids_; }
  // The global healgrid_layout: "sparse" (only cells with data) or "dense" (every child of each
  // parent cell with data; also files written before the attribute existed). Readers need not
  // care: cell_ids lists the stored cells either way.
  std::string layout() const;
  const std::vector<std::string>& variable_names() const { return variable_names_; }
  // The window read (time-windowed outputs) and the number of windows (0: none).
  std::optional<std::size_t> time_index() const { return time_; }
  std::size_t windows() const { return windows_; }
  // Window w of a time-windowed output: [start, end) in POSIX seconds (time_bnds) and the
  // points it used (time_points_used). REQUIRES: w < windows().
  struct Window {
    double start = 0, end = 0;
    long long points_used = 0;
  };
  Window window(std::size_t w) const;

  // Global text attribute ("" when absent) and integer attribute (nullopt when absent).
  std::string global_text(const std::string& name) const;
  std::optional<long long> global_integer(const std::string& name) const;

  // Throws std::invalid_argument naming the file, the variable and the available ones when it
  // is unknown.
  GridVariable read_variable(const std::string& name) const;
  // The `granules` provenance; empty when the file has none.
  std::vector<GranuleRow> read_granules() const;

 private:
  io::NcFile reader_;
  int level_ = 0;
  int parent_order_ = 0;
  bool parent_order_recorded_ = false;
  LatitudeConvention convention_ = LatitudeConvention::authalic;
  std::vector<std::uint64_t> cell_ids_;
  std::vector<std::string> variable_names_;
  std::optional<std::size_t> time_;
  std::size_t windows_ = 0;
};

// Whether a provenance row gave points to the grid (status "used", or points_used > 0).
inline bool contributed(const GranuleRow& g) { return g.status == "used" || g.points_used > 0; }

// Start time of a granule from its name (ATL06_YYYYMMDDhhmmss_..., any "processed_" prefix or
// other ATLxx product; GEDI02_A_YYYYDDDhhmmss_... with a day of the year), as
// "YYYY-MM-DDThh:mm:ssZ"; nullopt when the name has no timestamp.
std::optional<std::string> granule_start_time(const std::string& granule_name);

}  // namespace healgrid
