#include "healgrid/read/time_coordinate.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <utility>

#include "healgrid/config/utc_time.hpp"
#include "healgrid/io/h5_handle.hpp"
#include "healgrid/read/cf_decoding.hpp"
#include "healgrid/read/granule_error.hpp"
#include "healgrid/util/text.hpp"

namespace healgrid {
namespace {

constexpr const char* kGpsEpochDataset = "/ancillary_data/atlas_sdp_gps_epoch";
constexpr double kGpsEpochUnix = 315964800.0;  // 1980-01-06T00:00:00Z
constexpr double kEpochTolerance = 1.0;        // seconds between two epochs that agree

double unit_seconds(const std::string& name) {
  const std::string unit = lower_case(name);
  // cftime's names, any case (cftime lowers them), and nanoseconds (xarray writes them for
  // datetime64[ns]); months and years are no fixed number of seconds: refused.
  static const std::pair<const char*, double> kUnits[] = {{"nanoseconds", 1e-9},
                                                          {"nanosecond", 1e-9},
                                                          {"nanosecs", 1e-9},
                                                          {"nanosec", 1e-9},
                                                          {"ns", 1e-9},
                                                          {"microseconds", 1e-6},
                                                          {"microsecond", 1e-6},
                                                          {"microsecs", 1e-6},
                                                          {"microsec", 1e-6},
                                                          {"us", 1e-6},
                                                          {"usec", 1e-6},
                                                          {"usecs", 1e-6},
                                                          {"milliseconds", 1e-3},
                                                          {"millisecond", 1e-3},
                                                          {"millisecs", 1e-3},
                                                          {"millisec", 1e-3},
                                                          {"msecs", 1e-3},
                                                          {"msec", 1e-3},
                                                          {"ms", 1e-3},
                                                          {"seconds", 1},
                                                          {"second", 1},
                                                          {"secs", 1},
                                                          {"sec", 1},
                                                          {"s", 1},
                                                          {"minutes", 60},
                                                          {"minute", 60},
                                                          {"mins", 60},
                                                          {"min", 60},
                                                          {"hours", 3600},
                                                          {"hour", 3600},
                                                          {"hrs", 3600},
                                                          {"hr", 3600},
                                                          {"h", 3600},
                                                          {"days", 86400},
                                                          {"day", 86400},
                                                          {"d", 86400}};
  for (const auto& [name, seconds] : kUnits)
    if (unit == name) return seconds;
  return 0;
}

// CF's `calendar`: the day counts of `units` are read as the standard (Gregorian) calendar's,
// so any other (noleap, 360_day, julian, ...) would put points in the wrong days: refused.
// Returns whether it is CF's mixed standard calendar (standard, gregorian, or none given): Julian
// before 1582-10-15; false for proleptic_gregorian.
bool standard_calendar_is_mixed(hid_t time_dataset) {
  if (H5Aexists(time_dataset, "calendar") <= 0) return true;
  const std::string calendar = lower_case(h5::string_attribute(time_dataset, "calendar"));
  if (calendar == "proleptic_gregorian") return false;
  if (calendar == "standard" || calendar == "gregorian" || calendar.empty()) return true;
  throw CfAttributeError("calendar \"" + calendar +
                         "\": only the standard (Gregorian) calendar is supported");
}

// Days since 1970-01-01 of the Julian-calendar date y-m-d (its Julian day number - 2440588).
long long days_from_julian(long long y, long long m, long long d) {
  const long long a = (14 - m) / 12, yy = y + 4800 - a, mm = m + 12 * a - 3;
  return d + (153 * mm + 2) / 5 + 365 * yy + yy / 4 - 32083 - 2440588;
}

// The epoch of `units` (parsed as a proleptic Gregorian date: `offset`) in the mixed standard
// calendar: a date before 1582-10-15 is a Julian one (Julian 0001-01-01 is proleptic Gregorian
// 0000-12-30); 1582-10-05..14 do not exist there.
double mixed_calendar_epoch(double offset, const std::string& units) {
  constexpr long long kGregorianStart = -141427;  // 1582-10-15, days since 1970-01-01
  const auto days = static_cast<long long>(std::floor(offset / 86400.0));
  if (days >= kGregorianStart) return offset;
  const CivilDate written = civil_from_days(days);  // the date as the units write it
  const long long y = written.year, m = written.month, d = written.day;
  if (y == 1582 && m == 10 && d >= 5)
    throw CfAttributeError("units \"" + units + "\": 1582-10-05 to 1582-10-14 do not exist in " +
                           "the standard calendar (Julian until 1582-10-04, Gregorian from " +
                           "1582-10-15)");
  return offset + static_cast<double>(days_from_julian(y, m, d) - days) * 86400.0;
}

// CF units "<unit> since <date>"; nothing when `units` has no " since ". Throws
// CfAttributeError on an unknown unit or date.
std::optional<TimeBase> cf_time_base(const std::string& units) {
  // " since " in any case, as cftime and UDUNITS read it.
  const auto since = lower_case(units).find(" since ");
  if (since == std::string::npos) return std::nullopt;
  TimeBase base;
  base.scale = unit_seconds(units.substr(0, since));
  const std::string epoch = units.substr(since + 7);
  try {
    base.offset = parse_utc_seconds(epoch, true);
  } catch (const std::invalid_argument& e) {
    // 29 February of a year divisible by 4 before 1583 is a Julian date (1500-02-29), which the
    // standard calendar reads the epoch in: parsed as 1 March, the day back taken there.
    static const std::regex kJulianLeapDay(R"(^\s*(\d{1,4})-0?2-29)");
    std::smatch m;
    const int year = std::regex_search(epoch, m, kJulianLeapDay) ? std::stoi(m[1].str()) : 0;
    if (year == 0 || year % 4 != 0 || year > 1582)
      throw CfAttributeError("units \"" + units + "\": " + e.what());
    try {
      base.offset = parse_utc_seconds(m[1].str() + "-03-01" + epoch.substr(m[0].length()), true);
    } catch (const std::invalid_argument&) {
      throw CfAttributeError("units \"" + units + "\": " + e.what());
    }
    base.julian_leap_day = true;
  }
  if (base.scale == 0)
    throw CfAttributeError("units \"" + units + "\": unknown time unit (nanoseconds, " +
                           "microseconds, milliseconds, seconds, minutes, hours or days)");
  return base;
}

// The ICESat-2 epoch: the GPS seconds of the stored value 0, read from the file.
double atlas_gps_epoch(hid_t file) {
  H5Handle epoch(H5Dopen2(file, kGpsEpochDataset, H5P_DEFAULT), H5Dclose);
  H5Handle space(H5Dget_space(epoch.get()), H5Sclose);
  double gps = 0;
  if (!epoch.valid() || H5Sget_simple_extent_npoints(space.get()) != 1 ||
      H5Dread(epoch.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, &gps) < 0)
    throw CfAttributeError(std::string(kGpsEpochDataset) + " is not one readable number");
  // NaN, a fill value (3.4e38) or a time before GPS began would make every time NaN or
  // absurd, and the granule's points silently fall out of every window.
  constexpr double kGpsSecondsUntil3000 = 3.2e10;
  if (!(gps >= 0 && gps < kGpsSecondsUntil3000))
    throw CfAttributeError(std::string(kGpsEpochDataset) + " is " + number_text(gps) +
                           ", not GPS seconds of a time between 1980 and 3000");
  return gps;
}

// Whether the CF epoch is the ATLAS one: the same instant in UTC, or the same date read on the
// GPS time scale (leap seconds apart), within a second; the unit must be seconds.
void require_agreement(const TimeBase& cf, double gps, const std::string& units) {
  const double utc = gps_to_utc_seconds(gps);
  const double leap = gps + kGpsEpochUnix - utc;
  const double apart = cf.offset - utc;
  if (cf.scale == 1 &&
      (std::fabs(apart) <= kEpochTolerance || std::fabs(apart - leap) <= kEpochTolerance))
    return;
  throw CfAttributeError("units \"" + units + "\" disagree with " + kGpsEpochDataset + " " +
                         number_text(gps) + " (GPS seconds: seconds since " + format_utc(utc) +
                         "): the two epochs give different times; fix one of them");
}

}  // namespace

double TimeBase::across_leap_seconds(double value) const {
  const double gps = gps_epoch + value * scale;
  return value * scale + offset + (gps_leap_seconds(gps_epoch) - gps_leap_seconds(gps));
}

double TimeBase::utc_floor(double value) const {
  double shift = offset;  // whole seconds: the epoch's, with the leap seconds crossed
  if (!(value >= steady_from && value < steady_until))
    shift += gps_leap_seconds(gps_epoch) - gps_leap_seconds(gps_epoch + value * scale);
  const double product = value * scale;
  const double product_error = std::fma(value, scale, -product);  // exact
  const double sum = product + shift;
  const double back = sum - shift;  // TwoSum: sum + sum_error == product + shift, exactly
  const double sum_error = (product - back) + (shift - (sum - back));
  // The sign of the rounded sum of the two errors is the sign of their exact sum.
  return sum_error + product_error < 0 ? std::nextafter(sum, -HUGE_VAL) : sum;
}

namespace {

// The units the time is read with: the dataset's, or the config's for a dataset without any;
// both given, they must agree (the same scale and epoch), or which one holds is ambiguous.
std::string time_units(hid_t time_dataset, const std::string& config_units) {
  const auto own = h5::string_attribute(time_dataset, "units");
  if (config_units.empty() || own == config_units) return own;
  if (own.empty()) return config_units;
  bool same = false;
  try {
    const auto a = cf_time_base(own), b = cf_time_base(config_units);
    same = a && b && a->scale == b->scale && a->offset == b->offset;
  } catch (const CfAttributeError&) {
    same = false;  // one of them is no CF time unit: not the same
  }
  if (same) return own;
  throw CfAttributeError("its units \"" + own + "\" disagree with coordinates.time_units \"" +
                         config_units + "\" (remove the config key, or fix it)");
}

}  // namespace

TimeBase read_time_base(hid_t file, hid_t time_dataset, const std::string& config_units) {
  const auto units = time_units(time_dataset, config_units);
  char file_name[4096] = {};
  H5Fget_name(file, file_name, sizeof file_name);
  const bool atlas = granule_path_exists(file, file_name, kGpsEpochDataset);
  std::optional<TimeBase> cf = [&]() -> std::optional<TimeBase> {
    try {
      return cf_time_base(units);
    } catch (const CfAttributeError&) {
      if (!atlas) throw;  // unusable units beside the ATLAS epoch: the epoch alone, as before
      return std::nullopt;
    }
  }();
  if (atlas) {
    const double gps = atlas_gps_epoch(file);
    if (cf) require_agreement(*cf, gps, units);
    TimeBase base;
    base.offset = gps_to_utc_seconds(gps);
    const LeapSpan span = gps_leap_span(gps);
    base.steady_from = span.from - gps;
    base.steady_until = span.until - gps;
    base.gps_epoch = gps;
    return base;
  }
  if (cf) {
    if (standard_calendar_is_mixed(time_dataset))
      cf->offset = mixed_calendar_epoch(cf->offset, units) - (cf->julian_leap_day ? 86400.0 : 0);
    else if (cf->julian_leap_day)
      throw CfAttributeError("units \"" + units +
                             "\": 29 February of that year exists only in the Julian calendar, "
                             "not in the dataset's proleptic Gregorian one");
    return *cf;
  }
  throw CfAttributeError(std::string("no epoch for the time: neither ") + kGpsEpochDataset +
                         " in the file nor units \"seconds since ...\" on the dataset (units \"" +
                         units +
                         "\"); when the product states its epoch elsewhere, give it as config "
                         "coordinates.time_units (e.g. \"seconds since 2018-01-01T00:00:00Z\")");
}

}  // namespace healgrid
