// UTC times as text <-> seconds since 1970-01-01T00:00:00Z (leap seconds not counted, as POSIX
// time does), and GPS seconds -> UTC through the table of leap seconds. Used by the config's time
// window and by the granule reader's time coordinate (epochs from the files, never constants).
#pragma once

#include <limits>
#include <string>

namespace healgrid {

// "YYYY-MM-DD", "YYYY-MM-DDThh:mm[:ss[.fff]]" (a space may stand for the T, as in CF units
// "seconds since 2018-01-01 00:00:00"), then an optional time zone: "Z", "UTC", or an offset
// "+05:30", "-6", "+0100" (CF's "1992-10-8 15:15:42.5 -6:00"), the time then converted to UTC;
// second 60 only in UTC at the end of a day that had a leap second. Throws
// std::invalid_argument. `cf_units`: the epoch of CF units, where UDUNITS also reads an
// unsigned offset after the clock and a space as east of UTC ("1970-01-01 00:00:00.0 0:00");
// elsewhere (options, configs' times) such a number is refused, not taken for a zone.
double parse_utc_seconds(const std::string& text, bool cf_units = false);

// "YYYY-MM-DDThh:mm:ssZ", with the fraction of a second when there is one, to the microsecond
// ("2019-06-13T19:38:41.8Z").
std::string format_utc(double seconds);

// The proleptic Gregorian date of a day count since 1970-01-01.
struct CivilDate {
  long long year;
  unsigned month, day;
};
CivilDate civil_from_days(long long days);

// Seconds since the GPS epoch (1980-01-06T00:00:00Z, no leap seconds) -> POSIX UTC seconds.
double gps_to_utc_seconds(double gps_seconds);
// GPS - UTC in seconds at a GPS time (0 before 1981-07-01, 18 since 2017-01-01).
int gps_leap_seconds(double gps_seconds);
// The GPS times [from, until) around `gps_seconds` within which GPS - UTC does not change
// (infinite at the ends of the table).
struct LeapSpan {
  double from = -std::numeric_limits<double>::infinity();
  double until = std::numeric_limits<double>::infinity();
};
LeapSpan gps_leap_span(double gps_seconds);

}  // namespace healgrid
