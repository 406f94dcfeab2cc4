// The time coordinate's base: CF units and calendars, ICESat-2's ATLAS epoch and leap
// seconds, config units for a dataset without units.
#include "healgrid/read/time_coordinate.hpp"

#include <gtest/gtest.h>
#include <hdf5_hl.h>
#include <unistd.h>

#include <cfloat>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>

#include "cf_test_files.hpp"
#include "healgrid/config/dataset_selector.hpp"
#include "healgrid/config/utc_time.hpp"
#include "healgrid/read/angle_units.hpp"
#include "healgrid/read/granule_reader.hpp"
#include "scratch_h5_file.hpp"

namespace healgrid {
namespace {

using namespace cf_test;

// A time dataset with CF units beside ICESat-2's /ancillary_data/atlas_sdp_gps_epoch: the
// epochs must agree (ICESat-2: "seconds since 2018-01-01", GPS 1198800018); others are refused.
TimeBase time_base_with_atlas_epoch(const std::string& units, bool with_epoch = true,
                                    double epoch = 1198800018.0) {
  ScratchH5File f(std::string("time_") + std::to_string(units.size()) + "_");
  Writer w(f);
  if (with_epoch)
    w.dataset<double>("/ancillary_data/atlas_sdp_gps_epoch", H5T_NATIVE_DOUBLE, {1}, {epoch});
  const auto t = w.dataset<double>("/t", H5T_NATIVE_DOUBLE, {2}, {0.0, 1.0});
  if (!units.empty()) w.string_attribute(t, "units", units);
  w.finish();
  H5Handle ds(H5Dopen2(f.get(), "/t", H5P_DEFAULT), H5Dclose);
  return read_time_base(f.get(), ds.get());
}

// CF's standard (and gregorian) calendar is Julian before 1582-10-15, as cftime reads it;
// proleptic_gregorian is not.
TimeBase time_base_in_calendar(const std::string& units, const std::string& calendar) {
  ScratchH5File f(std::string("cal_") + std::to_string(units.size() + calendar.size()) + "_");
  Writer w(f);
  const auto t = w.dataset<double>("/t", H5T_NATIVE_DOUBLE, {1}, {0.0});
  w.string_attribute(t, "units", units);
  if (!calendar.empty()) w.string_attribute(t, "calendar", calendar);
  w.finish();
  H5Handle ds(H5Dopen2(f.get(), "/t", H5P_DEFAULT), H5Dclose);
  return read_time_base(f.get(), ds.get());
}

// config coordinates.time_units stands for a time dataset without units (GEDI's delta_time); a
// dataset with units of its own must agree with it (same scale and epoch, any spelling).
TEST(TimeCoordinate, ConfigUnitsStandForADatasetWithoutUnits) {
  const auto base = [](const std::string& own, const std::string& config) {
    ScratchH5File f(std::string("cfgunits_") + std::to_string(own.size()) + "_");
    Writer w(f);
    const auto t = w.dataset<double>("/t", H5T_NATIVE_DOUBLE, {1}, {0.0});
    if (!own.empty()) w.string_attribute(t, "units", own);
    w.finish();
    H5Handle ds(H5Dopen2(f.get(), "/t", H5P_DEFAULT), H5Dclose);
    return read_time_base(f.get(), ds.get(), config);
  };
  const auto gedi = base("", "seconds since 2018-01-01T00:00:00Z");
  EXPECT_EQ(gedi.scale, 1.0);
  EXPECT_EQ(gedi.offset, 1514764800.0);  // 2018-01-01T00:00:00Z in POSIX seconds
  EXPECT_EQ(base("", "days since 2000-01-01").scale, 86400.0);
  EXPECT_THROW(base("", ""), CfAttributeError);  // no epoch anywhere
  EXPECT_EQ(base("seconds since 2018-01-01 00:00:00", "seconds since 2018-01-01T00:00:00Z").offset,
            1514764800.0);
  try {
    base("seconds since 2000-01-01", "seconds since 2018-01-01");
    ADD_FAILURE() << "disagreeing units accepted";
  } catch (const CfAttributeError& e) {
    EXPECT_NE(std::string(e.what()).find("disagree with coordinates.time_units"), std::string::npos)
        << e.what();
  }
}

TEST(TimeCoordinate, MillisecondsAndMicrosecondsSinceAnEpoch) {
  const auto ms = time_base_in_calendar("milliseconds since 2019-07-16 00:00:00", "");
  EXPECT_EQ(ms.scale, 1e-3);
  EXPECT_EQ(ms.offset, parse_utc_seconds("2019-07-16"));
  EXPECT_EQ(time_base_in_calendar("microseconds since 2019-07-16", "").scale, 1e-6);
  EXPECT_THROW(time_base_in_calendar("fortnights since 2019-07-16", ""), CfAttributeError);
}

// cftime's unit names in any case, nanoseconds (xarray's datetime64[ns]) and " since " in any
// case; months and years (no fixed length) refused.
TEST(TimeCoordinate, UnitNamesAsCftimeReadsThemAndNanoseconds) {
  const std::pair<const char*, double> units[] = {{"nanoseconds since 2019-02-01 00:00:00", 1e-9},
                                                  {"ns since 2019-02-01", 1e-9},
                                                  {"Seconds since 2019-02-01", 1.0},
                                                  {"secs SINCE 2019-02-01", 1.0},
                                                  {"hrs since 2019-02-01", 3600.0},
                                                  {"Hours Since 2019-02-01", 3600.0},
                                                  {"mins since 2019-02-01", 60.0},
                                                  {"msecs since 2019-02-01", 1e-3},
                                                  {"DAYS since 2019-02-01", 86400.0}};
  for (const auto& [text, scale] : units) {
    const auto base = time_base_in_calendar(text, "");
    EXPECT_EQ(base.scale, scale) << text;
    EXPECT_EQ(base.offset, parse_utc_seconds("2019-02-01")) << text;
  }
  for (const char* text : {"months since 2019-02-01", "years since 2019-02-01",
                           "common_years since 2019-02-01", "weeks since 2019-02-01"})
    EXPECT_THROW(time_base_in_calendar(text, ""), CfAttributeError) << text;
}

TEST(TimeCoordinate, StandardCalendarIsJulianBefore1582) {
  const double day = 86400;
  // Julian 0001-01-01 is proleptic Gregorian 0000-12-30; Julian 1582-10-04 is the day before
  // Gregorian 1582-10-15.
  EXPECT_EQ(time_base_in_calendar("days since 0001-01-01", "standard").offset,
            parse_utc_seconds("0001-01-01") - 2 * day);
  EXPECT_EQ(time_base_in_calendar("days since 0001-01-01", "").offset,
            parse_utc_seconds("0001-01-01") - 2 * day);
  EXPECT_EQ(time_base_in_calendar("hours since 1582-10-04 12:00:00", "gregorian").offset,
            parse_utc_seconds("1582-10-14T12:00:00Z"));
  EXPECT_EQ(time_base_in_calendar("days since 1582-10-15", "standard").offset,
            parse_utc_seconds("1582-10-15"));
  EXPECT_EQ(time_base_in_calendar("days since 0001-01-01", "proleptic_gregorian").offset,
            parse_utc_seconds("0001-01-01"));
  EXPECT_EQ(time_base_in_calendar("days since 2000-01-01", "standard").offset,
            parse_utc_seconds("2000-01-01"));
  EXPECT_THROW(time_base_in_calendar("days since 1582-10-10", "standard"), CfAttributeError);
  // 29 February 1500 exists in the Julian calendar only: Gregorian 1500-03-10 (cftime decodes
  // 189611 days since it as 2019-04-29); it used to be refused as no date.
  EXPECT_EQ(time_base_in_calendar("days since 1500-02-29", "standard").offset,
            parse_utc_seconds("1500-03-10"));
  EXPECT_EQ(time_base_in_calendar("hours since 1000-2-29 06:00", "").offset,
            parse_utc_seconds("1000-03-06T06:00:00Z"));
  EXPECT_THROW(time_base_in_calendar("days since 1500-02-29", "proleptic_gregorian"),
               CfAttributeError);
  EXPECT_THROW(time_base_in_calendar("days since 1501-02-29", "standard"), CfAttributeError);
}

TEST(TimeCoordinate, CfUnitsBesideTheAtlasEpochMustAgreeWithIt) {
  const double y2018 = parse_utc_seconds("2018-01-01");
  for (const char* agreeing : {"seconds since 2018-01-01", "seconds since 2018-01-01 00:00:00.5",
                               "seconds since 2018-01-01T00:00:18Z", "seconds", ""}) {
    const auto base = time_base_with_atlas_epoch(agreeing);
    EXPECT_EQ(base.scale, 1.0) << agreeing;
    EXPECT_EQ(base.offset, y2018) << agreeing;  // the ATLAS epoch, as before
  }
  for (const char* disagreeing : {"days since 2019-03-01", "seconds since 2019-03-01",
                                  "days since 2018-01-01", "seconds since 2018-01-01T00:00:02"}) {
    try {
      time_base_with_atlas_epoch(disagreeing);
      ADD_FAILURE() << disagreeing << " was accepted";
    } catch (const CfAttributeError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(disagreeing), std::string::npos) << what;
      EXPECT_NE(what.find("atlas_sdp_gps_epoch 1198800018"), std::string::npos) << what;
      EXPECT_NE(what.find("2018-01-01T00:00:00Z"), std::string::npos) << what;
    }
  }
  // Without the ATLAS epoch the CF units alone define the time.
  const auto days = time_base_with_atlas_epoch("days since 2019-03-01", false);
  EXPECT_EQ(days.scale, 86400.0);
  EXPECT_EQ(days.offset, parse_utc_seconds("2019-03-01"));
}

TEST(TimeCoordinate, AtlasGpsTimesCrossLeapSecondsThroughTheTable) {
  // delta_time is GPS seconds since the epoch: each time goes through the leap-second table,
  // not only the epoch (GPS - UTC was 17 s in 2016, 18 s since 2017-01-01).
  const auto base = time_base_with_atlas_epoch("seconds since 2018-01-01");
  const double epoch = 1198800018.0, gps_unix = 315964800.0;  // the GPS epoch in POSIX time
  auto value_of = [&](const char* utc, int leaps) {
    return parse_utc_seconds(utc) - gps_unix + leaps - epoch;
  };
  EXPECT_EQ(base.utc(0), parse_utc_seconds("2018-01-01"));
  EXPECT_EQ(base.utc(value_of("2016-06-01", 17)), parse_utc_seconds("2016-06-01"));
  EXPECT_EQ(base.utc(value_of("2017-01-01", 18)), parse_utc_seconds("2017-01-01"));
  EXPECT_EQ(base.utc(value_of("2016-12-31T23:59:59Z", 17)),
            parse_utc_seconds("2016-12-31T23:59:59Z"));
  EXPECT_EQ(base.utc(value_of("2010-03-01T12:00:00Z", 15)),
            parse_utc_seconds("2010-03-01T12:00:00Z"));
  EXPECT_EQ(base.utc(2e9), 2e9 + parse_utc_seconds("2018-01-01"));  // no leap since 2017
  EXPECT_TRUE(std::isnan(base.utc(std::nan(""))));
  // An epoch before a leap second: the times after it are corrected too.
  const auto early = time_base_with_atlas_epoch("", true, 1e9);  // 2011-09-14T01:46:40 GPS
  const double at_2018 = parse_utc_seconds("2018-01-01") - gps_unix + 18 - 1e9;
  EXPECT_EQ(early.utc(at_2018), parse_utc_seconds("2018-01-01"));
  // An epoch that is no GPS time would put every point outside every window: refused.
  for (double bad : {std::nan(""), 3.4028234663852886e38, -1.0, 1e300}) {
    try {
      time_base_with_atlas_epoch("", true, bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const CfAttributeError& e) {
      EXPECT_NE(std::string(e.what()).find("atlas_sdp_gps_epoch is "), std::string::npos)
          << e.what();
    }
  }
}

// Instants within half a double step of a window boundary (1.2e-7 s at 2018's POSIX seconds)
// are on their own side of it: 2018-10-13T23:59:59.9999999 (ATLAS delta_time 24710400 - 1e-7)
// used to round to 2018-10-14 and fall in the next day's window, and out of --end 2018-10-14.
TEST(TimeCoordinate, InstantsJustBeforeABoundaryStayBeforeIt) {
  const auto base = time_base_with_atlas_epoch("seconds since 2018-01-01");
  const double boundary = parse_utc_seconds("2018-10-14");
  const double at = 24710400.0;  // delta_time of the boundary
  ASSERT_EQ(base.utc(at), boundary);
  EXPECT_EQ(base.utc(at - 1e-7), boundary);             // the plain rounded sum: on the boundary
  for (const double before : {1e-7, 3e-8, 1e-6, 4e-9})  // delta_time steps 3.7e-9 s here
    EXPECT_LT(base.utc_floor(at - before), boundary) << before;
  EXPECT_EQ(base.utc_floor(at), boundary);
  for (const double after : {1e-7, 3e-8, 4e-9}) EXPECT_GE(base.utc_floor(at + after), boundary);
  // Never more than one step below the rounded sum; across a leap second as well.
  for (const double v : {0.0, 1.5, 24710400.123456789, -3.25e7, 2e9})
    EXPECT_LE(base.utc(v) - base.utc_floor(v), base.utc(v) - std::nextafter(base.utc(v), 0.0));
  const double before_leap = parse_utc_seconds("2017-01-01") - 315964800.0 + 18 - 1198800018.0;
  EXPECT_LT(base.utc_floor(before_leap - 1e-7), parse_utc_seconds("2017-01-01"));
  EXPECT_EQ(base.utc_floor(before_leap), parse_utc_seconds("2017-01-01"));
}

}  // namespace
}  // namespace healgrid
