// UTC text <-> POSIX seconds and GPS -> UTC, against known answers (date(1), the IERS table).
#include "healgrid/config/utc_time.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace healgrid {
namespace {

TEST(UtcTime, ParsesDatesAndTimes) {
  EXPECT_EQ(parse_utc_seconds("1970-01-01"), 0.0);
  EXPECT_EQ(parse_utc_seconds("2018-01-01"), 1514764800.0);  // date -u -d 2018-01-01 +%s
  EXPECT_EQ(parse_utc_seconds("2019-02-25T11:55:00Z"), 1551095700.0);
  EXPECT_EQ(parse_utc_seconds("2018-01-01 00:00:00"), 1514764800.0);  // CF units style
  EXPECT_EQ(parse_utc_seconds("2000-02-29T23:59:30.5"), 951868770.5);
  EXPECT_EQ(parse_utc_seconds("1969-12-31T23:00Z"), -3600.0);
  for (const char* bad : {"2019", "2019-13-01", "2019-01-01T25:00", "2019-01-01T10:00+2:0",
                          "yesterday", "2019-01-01T10", "2018-09-31", "2018-02-29", "2100-02-29",
                          "2019-04-31T00:00Z", "2019-01-01T-1:00", "2019-01-00"})
    EXPECT_THROW(parse_utc_seconds(bad), std::invalid_argument) << bad;
  EXPECT_EQ(parse_utc_seconds("2020-02-29"), 1582934400.0);  // a leap day: date -u -d ... +%s
  EXPECT_EQ(parse_utc_seconds("2000-02-29"), 951782400.0);   // divisible by 400: a leap year
  EXPECT_EQ(parse_utc_seconds("2019-12-31T23:59:59Z"), 1577836799.0);
  EXPECT_EQ(format_utc(1551095700.9), "2019-02-25T11:55:00.9Z");  // the fraction kept
  EXPECT_EQ(format_utc(1551095700.0), "2019-02-25T11:55:00Z");
  EXPECT_EQ(format_utc(1551095700.000123), "2019-02-25T11:55:00.000123Z");
  EXPECT_EQ(format_utc(1551095700.9999996), "2019-02-25T11:55:01Z");  // microseconds round up
  EXPECT_EQ(format_utc(-1), "1969-12-31T23:59:59Z");
  EXPECT_EQ(format_utc(-0.25), "1969-12-31T23:59:59.75Z");
  EXPECT_EQ(parse_utc_seconds(format_utc(1560454721.8)), 1560454721.8);
  // Second 60 only where a leap second was: the end of 2016-12-31 and 2015-06-30.
  EXPECT_EQ(parse_utc_seconds("2016-12-31T23:59:60Z"), 1483228800.0);
  EXPECT_EQ(parse_utc_seconds("2015-06-30T23:59:60.5Z"), 1435708800.5);
  for (const char* bad : {"2019-04-16T23:59:60Z", "2016-12-31T23:58:60Z", "2016-12-30T23:59:60Z"})
    EXPECT_THROW(parse_utc_seconds(bad), std::invalid_argument) << bad;
}

TEST(UtcTime, TimeZoneOffsetsAreConvertedToUtc) {
  // CF's own example (UDUNITS): "seconds since 1992-10-8 15:15:42.5 -6:00" is 21:15:42.5 UTC
  // (date -u -d '1992-10-08 15:15:42.5 -0600' +%s.%N).
  EXPECT_EQ(parse_utc_seconds("1992-10-8 15:15:42.5 -6:00"), 718578942.5);
  EXPECT_EQ(parse_utc_seconds("2019-01-01T10:00+02:00"), 1546329600.0);    // 08:00Z
  EXPECT_EQ(parse_utc_seconds("2019-01-01T10:00:00+0530"), 1546317000.0);  // 04:30Z
  EXPECT_EQ(parse_utc_seconds("2019-01-01 00:00:00 -6"), 1546322400.0);    // 06:00Z
  EXPECT_EQ(parse_utc_seconds("2019-01-01 -06:00"), 1546322400.0);         // a date and a zone
  EXPECT_EQ(parse_utc_seconds("2019-01-01 00:00:00 UTC"), 1546300800.0);
  EXPECT_EQ(parse_utc_seconds("2019-01-01 00:00:00+00:00"), 1546300800.0);
  EXPECT_EQ(parse_utc_seconds("2018-12-31T23:30-01:00"), 1546302600.0);  // the next day in UTC
  // UDUNITS reads an unsigned offset after a space as east of UTC (ncdump's "0:00").
  // In CF units only, and only after a clock: elsewhere a number after the time is refused.
  EXPECT_EQ(parse_utc_seconds("2019-01-01 00:00:00.0 0:00", true), 1546300800.0);
  EXPECT_EQ(parse_utc_seconds("2019-01-01 10:00:00 5:30", true), 1546317000.0);  // 04:30Z
  EXPECT_THROW(parse_utc_seconds("2019-01-01 10:00:00 5:30"), std::invalid_argument);
  for (const char* no_clock : {"2019-01-01  10:00", "2019-01-01   5", "2019-01-01  0530"})
    EXPECT_THROW(parse_utc_seconds(no_clock, true), std::invalid_argument) << no_clock;
  for (const char* bad :
       {"2019-01-01T10:00+15:00", "2019-01-01T10:00+02:60", "2019-01-01T10:00+",
        "2019-01-01T10:00 EST", "2019-01-01T10:00+02:00Z", "2019-01-01T10:00+123",
        "2019-01-01T10:00:00.05:30", "2016-12-31T17:59:60-06:00"})  // second 60 in UTC only
    EXPECT_THROW(parse_utc_seconds(bad), std::invalid_argument) << bad;
}

TEST(UtcTime, GpsToUtcCountsLeapSeconds) {
  // ICESat-2's atlas_sdp_gps_epoch is 2018-01-01T00:00:00Z in GPS seconds (18 leap seconds).
  EXPECT_EQ(gps_to_utc_seconds(1198800018.0), 1514764800.0);
  EXPECT_EQ(gps_to_utc_seconds(0.0), 315964800.0);  // 1980-01-06, no leap second yet
  // 2016-12-31T23:59:59Z was GPS 1167264016 (17 s); 2017-01-01T00:00:00Z was GPS 1167264018.
  EXPECT_EQ(gps_to_utc_seconds(1167264016.0), 1483228799.0);
  EXPECT_EQ(gps_to_utc_seconds(1167264018.0), 1483228800.0);
  // 1999-01-01T00:00:00Z: 13 leap seconds.
  EXPECT_EQ(gps_to_utc_seconds(599184013.0), 915148800.0);
}

}  // namespace
}  // namespace healgrid
