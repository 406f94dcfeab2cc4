#include "healgrid/render/healgrid_output.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <regex>
#include <stdexcept>

#include "healgrid/config/utc_time.hpp"
#include "healgrid/grid/healpix_grid.hpp"
#include "healgrid/io/output_schema.hpp"
#include "healgrid/util/require.hpp"

namespace healgrid {
namespace {

[[noreturn]] void not_healgrid(const std::string& path, const std::string& why) {
  throw std::runtime_error(path + " is not a healgrid output: " + why);
}

}  // namespace

HealgridOutput::HealgridOutput(const std::string& path, std::optional<std::size_t> time)
    : reader_(io::NcFile::open_read(path)) {
  const auto cell_var = reader_.find_var(schema::kCellIds);
  if (!cell_var) not_healgrid(path, "it has no variable 'cell_ids'");
  if (reader_.var_dim_names(*cell_var) != std::vector<std::string>{schema::kCellDim})
    not_healgrid(path, "variable 'cell_ids' is not on the dimension 'cell_ids'");
  if (reader_.text_att(*cell_var, schema::kGridName).value_or("") != schema::kHealpix)
    not_healgrid(path, "cell_ids has no attribute grid_name = \"healpix\"");
  if (reader_.text_att(*cell_var, schema::kIndexingScheme).value_or("") != schema::kNested)
    not_healgrid(path, "cell_ids has no attribute indexing_scheme = \"nested\"");
  const auto level = reader_.number_att(*cell_var, schema::kLevel);
  if (!level || *level != std::floor(*level) || *level < 0 || *level > kMaxOrder)
    not_healgrid(path, "cell_ids has no integer attribute level in [0, 29]");
  level_ = static_cast<int>(*level);
  const auto parent = reader_.number_att(io::kNcGlobal, schema::kParentOrder);
  parent_order_recorded_ = parent && *parent >= 0 && *parent <= level_;
  parent_order_ = parent_order_recorded_ ? static_cast<int>(*parent) : level_;

  const auto convention = reader_.text_att(io::kNcGlobal, schema::kLatitudeConvention);
  if (!convention) not_healgrid(path, "no global attribute latitude_convention");
  if (*convention == schema::kAuthalic) {
    convention_ = LatitudeConvention::authalic;
  } else if (*convention == schema::kGeodetic) {
    convention_ = LatitudeConvention::geodetic;
  } else {
    throw std::runtime_error(path + ": global attribute latitude_convention = '" + *convention +
                             "' (expected authalic or geodetic)");
  }

  cell_ids_ = reader_.read_uint64(*cell_var);
  const std::uint64_t cells_at_level = 12ull << (2 * level_);
  for (std::size_t i = 0; i < cell_ids_.size(); ++i) {
    if (cell_ids_[i] >= cells_at_level)
      throw std::runtime_error(path + ": cell_ids[" + std::to_string(i) +
                               "] = " + std::to_string(cell_ids_[i]) + " is not a cell of level " +
                               std::to_string(level_));
    if (i > 0 && cell_ids_[i] <= cell_ids_[i - 1])
      throw std::runtime_error(path + ": cell_ids are not strictly increasing at index " +
                               std::to_string(i));
  }
  // Time windows (write/time_axis): statistics on (time, cell_ids); one window is read.
  const std::vector<std::string> windowed = {schema::kTimeDim, schema::kCellDim};
  for (const auto& name : reader_.var_names()) {
    const auto dims = reader_.var_dim_names(reader_.var_id(name));
    if (schema::is_statistic(name, dims)) variable_names_.push_back(name);
    if (dims == windowed) windows_ = reader_.dim_length(schema::kTimeDim);
  }
  if (windows_ > 0 && !time) {
    // The windows by their dates, so the choice needs no other tool (the first 12 and the last;
    // one row of time_bnds each, not the points per window).
    const int bounds_var = reader_.var_id(schema::kTimeBounds);
    std::string listed;
    for (std::size_t w = 0; w < windows_; ++w) {
      if (w == 12 && windows_ > 13) {
        listed += ", ...";
        w = windows_ - 1;
      }
      const auto b = reader_.read_doubles_row(bounds_var, w);
      if (b.size() != 2) break;
      listed +=
          (w ? ", " : "") + std::to_string(w) + ": " + format_utc(b[0]) + " to " + format_utc(b[1]);
    }
    throw WindowChoiceError(path + ": a time-windowed output (" + std::to_string(windows_) +
                            " windows, statistics on (time, cell_ids)): choose one with "
                            "--time 0.." +
                            std::to_string(windows_ - 1) + " (" + listed + ")");
  }
  if (time && (windows_ == 0 || *time >= windows_)) {
    throw WindowChoiceError(path + ": --time " + std::to_string(*time) + ": " +
                            (windows_ == 0 ? std::string("the output has no time windows")
                                           : "out of range, the output has windows 0.." +
                                                 std::to_string(windows_ - 1)));
  }
  time_ = time;
}

std::string HealgridOutput::global_text(const std::string& name) const {
  return reader_.text_att(io::kNcGlobal, name).value_or("");
}

std::string HealgridOutput::layout() const {
  return global_text(schema::kLayout) == schema::kSparse ? schema::kSparse : schema::kDense;
}

std::optional<long long> HealgridOutput::global_integer(const std::string& name) const {
  const auto value = reader_.number_att(io::kNcGlobal, name);
  if (!value) return std::nullopt;
  return static_cast<long long>(*value);
}

GridVariable HealgridOutput::read_variable(const std::string& name) const {
  bool known = false;
  std::string available;
  for (const auto& v : variable_names_) {
    known = known || v == name;
    available += (available.empty() ? "" : ", ") + v;
  }
  if (!known)
    throw std::invalid_argument(path() + ": no variable '" + name + "' on the cell_ids dimension" +
                                " (available: " + (available.empty() ? "none" : available) + ")");
  const int var = reader_.var_id(name);
  GridVariable out;
  out.name = name;
  out.long_name = reader_.text_att(var, schema::kLongName).value_or(name);
  out.units = reader_.text_att(var, schema::kUnits).value_or("");
  out.type = reader_.var_type_name(var);
  if (auto statistic = reader_.text_att(var, schema::kStatistic)) {
    out.cell_method = *statistic;
  } else {  // files before healgrid_statistic: the function in cell_methods, "cell_ids: count"
    std::string methods = reader_.text_att(var, schema::kCellMethods).value_or("");
    // A time-windowed statistic's methods start with its time axis: "time: cell_ids: count".
    if (methods.rfind(std::string(schema::kTimeDim) + ": ", 0) == 0)
      methods.erase(0, std::string(schema::kTimeDim).size() + 2);
    out.cell_method =
        methods.substr(methods.find(':') == std::string::npos ? 0 : methods.find(':') + 1);
    out.cell_method.erase(0, out.cell_method.find_first_not_of(' '));
  }
  out.values = reader_.var_dim_names(var).size() == 2 ? reader_.read_doubles_row(var, *time_)
                                                      : reader_.read_doubles(var);
  const auto fill = reader_.number_att(var, schema::kFillValue);
  if (fill && !std::isnan(*fill)) {
    for (double& v : out.values)
      if (v == *fill) v = std::numeric_limits<double>::quiet_NaN();
  }
  return out;
}

std::vector<GranuleRow> HealgridOutput::read_granules() const {
  const auto name_var = reader_.find_var(schema::kGranuleName);
  if (!name_var) return {};
  const auto names = reader_.read_strings(*name_var);
  std::vector<GranuleRow> rows(names.size());
  for (std::size_t i = 0; i < rows.size(); ++i) rows[i].name = names[i];
  if (const auto v = reader_.find_var(schema::kGranuleStatus)) {
    const auto statuses = reader_.read_strings(*v);
    for (std::size_t i = 0; i < rows.size() && i < statuses.size(); ++i)
      rows[i].status = statuses[i];
  }
  auto integers = [&](const char* var_name, std::int64_t GranuleRow::*field) {
    const auto v = reader_.find_var(var_name);
    if (!v) return;
    const auto values = reader_.read_doubles(*v);
    for (std::size_t i = 0; i < rows.size() && i < values.size(); ++i)
      rows[i].*field = static_cast<std::int64_t>(values[i]);
  };
  integers(schema::kGranuleBytes, &GranuleRow::bytes);
  integers(schema::kGranulePointsUsed, &GranuleRow::points_used);
  // An output of zero granules still has one (empty) provenance row.
  if (rows.size() == 1 && rows[0].name.empty()) rows.clear();
  return rows;
}

namespace {

// GEDI's stamp is a day of the year: the month and day of `doy` (1..366) in `year`, or nullopt.
std::optional<std::pair<int, int>> month_day(int year, int doy) {
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  const int days[] = {31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  for (int month = 0; month < 12 && doy > 0; ++month) {
    if (doy <= days[month]) return std::make_pair(month + 1, doy);
    doy -= days[month];
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> granule_start_time(const std::string& granule_name) {
  static const std::regex kIcesat2(
      R"(ATL\d\d[A-Za-z0-9-]*_(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})_)");
  static const std::regex kGedi(R"(GEDI\d\d_[A-Z]_(\d{4})(\d{3})(\d{2})(\d{2})(\d{2})_)");
  std::smatch m;
  if (std::regex_search(granule_name, m, kIcesat2))
    return m[1].str() + "-" + m[2].str() + "-" + m[3].str() + "T" + m[4].str() + ":" + m[5].str() +
           ":" + m[6].str() + "Z";
  if (!std::regex_search(granule_name, m, kGedi)) return std::nullopt;
  const auto md = month_day(std::stoi(m[1].str()), std::stoi(m[2].str()));
  if (!md) return std::nullopt;
  char text[32];
  std::snprintf(text, sizeof text, "%s-%02d-%02dT%s:%s:%sZ", m[1].str().c_str(), md->first,
                md->second, m[3].str().c_str(), m[4].str().c_str(), m[5].str().c_str());
  return std::string(text);
}

HealgridOutput::Window HealgridOutput::window(std::size_t w) const {
  HEALGRID_REQUIRE(w < windows_, "a window of the file");
  Window out;
  const auto bounds = reader_.read_doubles_row(reader_.var_id(schema::kTimeBounds), w);
  if (bounds.size() == 2) out.start = bounds[0], out.end = bounds[1];
  const auto points = reader_.read_doubles(reader_.var_id(schema::kTimePointsUsed));
  if (w < points.size()) out.points_used = static_cast<long long>(points[w]);
  return out;
}

}  // namespace healgrid
