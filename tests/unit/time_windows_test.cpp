// config/time_windows: window keys and bounds at the calendar and cycle boundaries (known
// dates), the explicit list, and the errors naming the key.
#include "healgrid/config/time_windows.hpp"

#include <gtest/gtest.h>

#include "healgrid/config/pipeline_config.hpp"
#include "healgrid/config/utc_time.hpp"

namespace healgrid {
namespace {

double utc(const char* text) { return parse_utc_seconds(text); }

TEST(TimeWindows, MonthKeysAndBoundsAtTheEdges) {
  const auto w = parse_time_windows("month", "time_windows");
  ASSERT_EQ(w.kind, WindowKind::month);
  const auto feb = w.key_of(utc("2020-02-01"));
  EXPECT_EQ(feb, 2020 * 12 + 1);
  EXPECT_EQ(w.key_of(utc("2020-02-29T23:59:59Z") + 0.999), feb);  // leap day, last instant
  EXPECT_EQ(w.key_of(utc("2020-03-01")), feb + 1);
  EXPECT_EQ(w.key_of(utc("2020-01-31T23:59:59Z")), feb - 1);
  EXPECT_EQ(w.bounds(feb).first, utc("2020-02-01"));
  EXPECT_EQ(w.bounds(feb).second, utc("2020-03-01"));
  EXPECT_EQ(w.bounds(2019 * 12 + 11).second, utc("2020-01-01"));  // December
}

TEST(TimeWindows, NoneTurnsTheConfigsWindowsOff) {
  EXPECT_FALSE(parse_time_windows("none", "--time-windows").active());
  EXPECT_TRUE(parse_time_windows("month", "--time-windows").active());
  EXPECT_THROW(parse_time_windows("None", "--time-windows"), ConfigError);
}

TEST(TimeWindows, YearDayAndCycle) {
  const auto year = parse_time_windows("year", "k");
  EXPECT_EQ(year.key_of(utc("2019-12-31T23:59:59Z")), 2019);
  EXPECT_EQ(year.key_of(utc("2020-01-01")), 2020);
  EXPECT_EQ(year.bounds(2020).second, utc("2021-01-01"));
  const auto day = parse_time_windows("day", "k");
  EXPECT_EQ(day.bounds(day.key_of(utc("2019-04-16T09:39:11Z"))).first, utc("2019-04-16"));
  const auto cycle = parse_time_windows("cycle", "k");
  // Real granule names: ATL06_20190416093911_02770303 is cycle 3, RGT 277; cycle 3 starts
  // 2019-03-29T06:49Z by the fit (catalog/granule_query).
  EXPECT_EQ(cycle.key_of(utc("2019-04-16T09:39:11Z")), 3);
  EXPECT_EQ(cycle.key_of(utc("2018-10-13T23:56:45Z")), 1);  // ATL06_20181013235645_0234 01 14
  const auto [start, end] = cycle.bounds(3);
  EXPECT_EQ(cycle.key_of(start), 3);
  EXPECT_EQ(cycle.key_of(start - 0.001), 2);
  EXPECT_EQ(cycle.key_of(end), 4);
  EXPECT_NEAR(end - start, 90.8186 * 86400, 1);
  EXPECT_EQ(format_utc(start).substr(0, 16), "2019-03-29T06:49");
}

TEST(TimeWindows, ExplicitListKeepsOrderAndGaps) {
  const auto w = parse_time_windows("2019-01-01/2019-02-01,2019-03-01/2019-04-01T12:00:00Z", "k");
  ASSERT_EQ(w.kind, WindowKind::list);
  ASSERT_EQ(w.intervals.size(), 2u);
  EXPECT_EQ(w.key_of(utc("2019-01-15")), 0);
  EXPECT_EQ(w.key_of(utc("2019-02-15")), kNoWindow);  // the gap
  EXPECT_EQ(w.key_of(utc("2019-04-01T11:59:59Z")), 1);
  EXPECT_EQ(w.key_of(utc("2019-04-01T12:00:00Z")), kNoWindow);  // end exclusive
  EXPECT_EQ(w.bounds(1).second, utc("2019-04-01T12:00:00Z"));
}

TEST(TimeWindows, LookupRemembersTheWindowButStaysExact) {
  const auto w = parse_time_windows("month", "k");
  WindowLookup lookup(w);
  for (const char* t : {"2019-01-31T23:59:59Z", "2019-02-01", "2019-01-31T23:59:59Z", "2019-03-02"})
    EXPECT_EQ(lookup.key_of(utc(t)), w.key_of(utc(t))) << t;
}

TEST(TimeWindows, TooManyWindowsNameTheirSpanAndALikelyCause) {
  const auto day = parse_time_windows("day", "--time-windows");
  const auto first = day.key_of(0), last = day.key_of(utc("2019-12-31T12:00:00Z"));
  const auto text = day.too_many(first, last);
  EXPECT_NE(text.find("the points span 18262 windows, from 1970-01-01T00:00:00Z to "
                      "2020-01-01T00:00:00Z, more than 10000"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("a fill value"), std::string::npos) << text;
}

TEST(TimeWindows, ErrorsNameTheKey) {
  const auto error = [](const std::string& text) {
    try {
      parse_time_windows(text, "--time-windows");
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error("weekly").find("--time-windows: 'weekly'"), std::string::npos);
  EXPECT_NE(error("2019-02-01/2019-01-01").find("not before"), std::string::npos);
  EXPECT_NE(error("2019-01-01/2019-03-01,2019-02-01/2019-04-01").find("overlap"),
            std::string::npos);
  EXPECT_NE(error("2019-01-01/20x9").find("--time-windows"), std::string::npos);
}

}  // namespace
}  // namespace healgrid
