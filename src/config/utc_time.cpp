#include "healgrid/config/utc_time.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace healgrid {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
long long days_from_civil(long long y, unsigned m, unsigned d) {
  y -= m <= 2;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long long>(doe) - 719468;
}

constexpr double kGpsEpochUnix = 315964800.0;  // 1980-01-06T00:00:00Z

// The UTC dates (year, month; always the 1st, 00:00:00) from which GPS - UTC grew by one
// second: 1 from 1981-07-01 ... 18 from 2017-01-01 (IERS Bulletin C; none announced since).
constexpr int kLeapDates[][2] = {{1981, 7}, {1982, 7}, {1983, 7}, {1985, 7}, {1988, 1}, {1990, 1},
                                 {1991, 1}, {1992, 7}, {1993, 7}, {1994, 7}, {1996, 1}, {1997, 7},
                                 {1999, 1}, {2006, 1}, {2009, 1}, {2012, 7}, {2015, 7}, {2017, 1}};

// Whether UTC day y-m-d ended with a leap second: the last day before a kLeapDates entry.
bool leap_second_day(int y, int m, int d) {
  for (const auto& date : kLeapDates) {
    const int ly = date[1] == 1 ? date[0] - 1 : date[0], lm = date[1] == 1 ? 12 : date[1] - 1;
    if (y == ly && m == lm && d == (lm == 12 ? 31 : 30)) return true;
  }
  return false;
}

// A time-zone suffix: "", "Z", "UTC", "GMT" (each may follow a space), or an offset from UTC
// "+h", "-hh:mm", "+hhmm" (ISO 8601 and UDUNITS, as CF units write it: "... 15:15:42.5 -6:00"),
// with `unsigned_after_space` (CF units, after a clock) also unsigned after a space, as UDUNITS
// reads it ("... 00:00:00.0 0:00", "... 5:30").
// Returns the offset in seconds (local time = UTC + offset); throws naming `text`.
double zone_offset_seconds(std::string rest, const std::string& text, bool unsigned_after_space) {
  const auto first = rest.find_first_not_of(' ');
  const bool spaced = first != std::string::npos && first > 0;
  rest = first == std::string::npos ? "" : rest.substr(first);
  if (rest.empty() || rest == "Z" || rest == "UTC" || rest == "GMT") return 0;
  if (unsigned_after_space && spaced && std::isdigit(static_cast<unsigned char>(rest[0])))
    rest = "+" + rest;
  int h = 0, m = 0, used = 0;
  const char* c = rest.c_str() + 1;
  const bool sign = rest[0] == '+' || rest[0] == '-';
  const std::size_t digits = std::strspn(c, "0123456789");
  bool ok = sign && digits >= 1;
  if (ok && digits == 4 && c[4] == '\0') {  // +hhmm
    ok = std::sscanf(c, "%2d%2d%n", &h, &m, &used) == 2;
  } else if (ok && digits <= 2) {
    ok = std::sscanf(c, "%2d%n", &h, &used) == 1;
    if (ok && c[used] == ':') {
      const int at = used + 1;
      ok = std::strspn(c + at, "0123456789") == 2 && std::sscanf(c + at, "%2d%n", &m, &used) == 1;
      used += at;
    }
  } else {
    ok = false;
  }
  if (!ok || c[used] != '\0' || h > 14 || m > 59)
    throw std::invalid_argument("'" + text + "': unexpected '" + rest +
                                "' (a time zone is Z, UTC or an offset such as +05:30 or -6)");
  return (rest[0] == '-' ? -1.0 : 1.0) * (h * 3600.0 + m * 60.0);
}

}  // namespace

double parse_utc_seconds(const std::string& text, bool cf_units) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, consumed = 0;
  double s = 0;
  const char* c = text.c_str();
  if (std::sscanf(c, "%4d-%2d-%2d%n", &y, &mo, &d, &consumed) != 3)
    throw std::invalid_argument("'" + text + "' is not a UTC time (YYYY-MM-DD[Thh:mm:ss][Z])");
  std::string rest = text.substr(static_cast<std::size_t>(consumed));
  const bool time_follows = rest.size() > 1 && (rest[0] == 'T' || rest[0] == ' ') &&
                            std::isdigit(static_cast<unsigned char>(rest[1]));
  if (time_follows) {
    int used = 0;
    if (std::sscanf(rest.c_str() + 1, "%2d:%2d%n", &h, &mi, &used) != 2)
      throw std::invalid_argument("'" + text + "': expected hh:mm after the date");
    rest = rest.substr(1 + static_cast<std::size_t>(used));
    if (!rest.empty() && rest[0] == ':') {
      if (std::sscanf(rest.c_str() + 1, "%lf%n", &s, &used) != 1)
        throw std::invalid_argument("'" + text + "': expected seconds after hh:mm:");
      rest = rest.substr(1 + static_cast<std::size_t>(used));
    }
  }
  const double zone = zone_offset_seconds(rest, text, cf_units && time_follows);
  // The days of the month, February's by the Gregorian leap rule: 2019-02-29 or 2018-09-31
  // would otherwise roll over into the next month.
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  const int month_days[] = {31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (mo < 1 || mo > 12 || d < 1 || d > month_days[mo - 1] || h < 0 || h > 23 || mi < 0 ||
      mi > 59 || !(s >= 0 && s < 61))
    throw std::invalid_argument("'" + text + "' is not a valid date and time");
  if (s >= 60 && !(zone == 0 && h == 23 && mi == 59 && leap_second_day(y, mo, d)))
    throw std::invalid_argument("'" + text + "': second 60 exists only at 23:59 of a day that " +
                                "ended with a leap second (IERS: 2016-12-31, 2015-06-30, ...)");
  return static_cast<double>(
             days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d))) *
             86400.0 +
         h * 3600.0 + mi * 60.0 + s - zone;
}

CivilDate civil_from_days(long long days) {
  // H. Hinnant's civil_from_days.
  const long long z = days + 719468;
  const long long era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<long long>(yoe) + era * 400 + (m <= 2), m, d};
}

std::string format_utc(double seconds) {
  // Whole microseconds, so that 41.8 prints as 41.8 and not 41.799999.
  long long micros = std::llround((seconds - std::floor(seconds)) * 1e6);
  long long total = static_cast<long long>(std::floor(seconds));
  if (micros == 1000000) {
    micros = 0;
    ++total;
  }
  long long days = total / 86400, rem = total % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  const CivilDate date = civil_from_days(days);
  char fraction[16] = "";
  if (micros != 0) {
    std::snprintf(fraction, sizeof fraction, ".%06lld", micros);
    for (char* end = fraction + std::strlen(fraction) - 1; *end == '0'; --end) *end = '\0';
  }
  char out[48];
  std::snprintf(out, sizeof out, "%04lld-%02u-%02uT%02lld:%02lld:%02lld%sZ", date.year, date.month,
                date.day, rem / 3600, rem / 60 % 60, rem % 60, fraction);
  return out;
}

int gps_leap_seconds(double gps_seconds) {
  int offset = 0;
  for (const auto& date : kLeapDates) {
    const double utc = static_cast<double>(days_from_civil(date[0], date[1], 1)) * 86400.0;
    if (gps_seconds >= utc - kGpsEpochUnix + offset + 1) ++offset;  // GPS time of that instant
  }
  return offset;
}

LeapSpan gps_leap_span(double gps_seconds) {
  LeapSpan span;
  int offset = 0;
  for (const auto& date : kLeapDates) {
    const double utc = static_cast<double>(days_from_civil(date[0], date[1], 1)) * 86400.0;
    const double at = utc - kGpsEpochUnix + offset + 1;  // the GPS time of that leap
    if (gps_seconds >= at) {
      ++offset;
      span.from = at;
    } else {
      span.until = at;
      break;
    }
  }
  return span;
}

double gps_to_utc_seconds(double gps_seconds) {
  return gps_seconds + kGpsEpochUnix - gps_leap_seconds(gps_seconds);
}

}  // namespace healgrid
