#include "healgrid/read/time_coordinate.hpp"

#include <cctype>
#include <stdexcept>
#include <string>

#include "healgrid/config/utc_time.hpp"
#include "healgrid/io/h5_handle.hpp"
#include "healgrid/read/cf_decoding.hpp"

namespace healgrid {
namespace {

constexpr const char* kGpsEpochDataset = "/ancillary_data/atlas_sdp_gps_epoch";

double unit_seconds(const std::string& unit) {
  if (unit == "seconds" || unit == "second" || unit == "s" || unit == "sec") return 1;
  if (unit == "minutes" || unit == "minute" || unit == "min") return 60;
  if (unit == "hours" || unit == "hour" || unit == "h") return 3600;
  if (unit == "days" || unit == "day" || unit == "d") return 86400;
  return 0;
}

// CF's `calendar`: the day counts of `units` are read as the standard (Gregorian) calendar's,
// so any other (noleap, 360_day, julian, ...) would put points in the wrong days: refused.
void require_standard_calendar(hid_t time_dataset) {
  if (H5Aexists(time_dataset, "calendar") <= 0) return;
  std::string calendar = h5::string_attribute(time_dataset, "calendar");
  for (auto& c : calendar) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (calendar == "standard" || calendar == "gregorian" || calendar == "proleptic_gregorian" ||
      calendar.empty())
    return;
  throw CfAttributeError("calendar \"" + calendar +
                         "\": only the standard (Gregorian) calendar is supported");
}

}  // namespace

TimeBase read_time_base(hid_t file, hid_t time_dataset) {
  TimeBase base;
  if (h5_path_exists(file, kGpsEpochDataset)) {
    H5Handle epoch(H5Dopen2(file, kGpsEpochDataset, H5P_DEFAULT), H5Dclose);
    H5Handle space(H5Dget_space(epoch.get()), H5Sclose);
    double gps = 0;
    if (!epoch.valid() || H5Sget_simple_extent_npoints(space.get()) != 1 ||
        H5Dread(epoch.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, &gps) < 0)
      throw CfAttributeError(std::string(kGpsEpochDataset) + " is not one readable number");
    base.offset = gps_to_utc_seconds(gps);
    return base;
  }
  const auto units = h5::string_attribute(time_dataset, "units");
  require_standard_calendar(time_dataset);
  const auto since = units.find(" since ");
  if (since != std::string::npos) {
    base.scale = unit_seconds(units.substr(0, since));
    try {
      base.offset = parse_utc_seconds(units.substr(since + 7));
    } catch (const std::invalid_argument& e) {
      throw CfAttributeError("units \"" + units + "\": " + e.what());
    }
    if (base.scale == 0)
      throw CfAttributeError("units \"" + units + "\": unknown time unit (seconds, minutes, " +
                             "hours or days)");
    return base;
  }
  throw CfAttributeError(std::string("no epoch for the time: neither ") + kGpsEpochDataset +
                         " in the file nor units \"seconds since ...\" on the dataset (units \"" +
                         units + "\")");
}

}  // namespace healgrid
