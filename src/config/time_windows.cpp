#include "healgrid/config/time_windows.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <stdexcept>

#include "healgrid/catalog/granule_query.hpp"
#include "healgrid/config/pipeline_config.hpp"
#include "healgrid/config/utc_time.hpp"

namespace healgrid {
namespace {

constexpr double kDay = 86400;

// The UTC calendar year and month (0-based) of a time.
std::pair<std::int64_t, int> year_month(double utc_seconds) {
  const auto t = static_cast<std::time_t>(std::floor(utc_seconds));
  std::tm tm{};
  gmtime_r(&t, &tm);
  return {tm.tm_year + 1900, tm.tm_mon};
}

double month_start(std::int64_t year, int month) {
  std::tm tm{};
  tm.tm_year = static_cast<int>(year - 1900);
  tm.tm_mon = month;
  tm.tm_mday = 1;
  return static_cast<double>(timegm(&tm));
}

// The calendar key of a time, before the boundary check in key_of.
std::int64_t calendar_key(WindowKind kind, double t) {
  switch (kind) {
    case WindowKind::year:
      return year_month(t).first;
    case WindowKind::month: {
      const auto [y, m] = year_month(t);
      return y * 12 + m;
    }
    case WindowKind::day:
      return static_cast<std::int64_t>(std::floor(t / kDay));
    case WindowKind::cycle:
      return icesat2_cycle_of(t);
    default:
      return kNoWindow;
  }
}

std::pair<double, double> parse_interval(const std::string& start, const std::string& end,
                                         const std::string& key) {
  try {
    const double s = parse_utc_seconds(start), e = parse_utc_seconds(end);
    if (!(s < e)) throw ConfigError(key + ": the start " + start + " is not before the end " + end);
    return {s, e};
  } catch (const std::invalid_argument& e) {
    throw ConfigError(key + ": " + e.what());
  }
}

// Explicit windows must be in time order and disjoint: a point then belongs to one window.
void check_order(const TimeWindows& w, const std::string& key) {
  for (std::size_t i = 1; i < w.intervals.size(); ++i)
    if (w.intervals[i].first < w.intervals[i - 1].second)
      throw ConfigError(key + ": window " + std::to_string(i + 1) + " starts at " +
                        format_utc(w.intervals[i].first) + ", before window " + std::to_string(i) +
                        " ends (" + format_utc(w.intervals[i - 1].second) +
                        "): windows must be in time order and must not overlap");
  if (static_cast<std::int64_t>(w.intervals.size()) > kMaxTimeWindows)
    throw ConfigError(key + ": more than " + std::to_string(kMaxTimeWindows) + " windows");
}

const std::pair<const char*, WindowKind> kKinds[] = {{"year", WindowKind::year},
                                                     {"month", WindowKind::month},
                                                     {"day", WindowKind::day},
                                                     {"cycle", WindowKind::cycle}};

}  // namespace

std::int64_t TimeWindows::key_of(double t) const {
  if (!std::isfinite(t)) return kNoWindow;
  if (kind == WindowKind::list) {
    for (std::size_t i = 0; i < intervals.size(); ++i)
      if (t >= intervals[i].first && t < intervals[i].second) return static_cast<std::int64_t>(i);
    return kNoWindow;
  }
  std::int64_t key = calendar_key(kind, t);
  if (key == kNoWindow) return key;
  // Exact at the boundaries whatever the rounding above: the window is [start, end).
  while (t < bounds(key).first) --key;
  while (t >= bounds(key).second) ++key;
  return key;
}

std::string TimeWindows::too_many(std::int64_t first, std::int64_t last) const {
  return "time_windows: the points span " + std::to_string(last - first + 1) + " windows, from " +
         format_utc(bounds(first).first) + " to " + format_utc(bounds(last).second) +
         ", more than " + std::to_string(kMaxTimeWindows) +
         " (choose longer windows, or bound the time with --start/--end: a time far from the "
         "others may be a fill value the time dataset does not declare)";
}

std::pair<double, double> TimeWindows::bounds(std::int64_t key) const {
  switch (kind) {
    case WindowKind::list:
      return intervals.at(static_cast<std::size_t>(key));
    case WindowKind::year:
      return {month_start(key, 0), month_start(key + 1, 0)};
    case WindowKind::month: {
      const std::int64_t y = key >= 0 ? key / 12 : -((-key + 11) / 12);
      const int m = static_cast<int>(key - y * 12);
      return {month_start(y, m), m == 11 ? month_start(y + 1, 0) : month_start(y, m + 1)};
    }
    case WindowKind::day:
      return {static_cast<double>(key) * kDay, static_cast<double>(key + 1) * kDay};
    case WindowKind::cycle:
      return {icesat2_cycle_start_seconds(key), icesat2_cycle_start_seconds(key + 1)};
    default:
      throw std::logic_error("bounds of a window without time windows");
  }
}

TimeWindows parse_time_windows(const std::string& text, const std::string& key) {
  TimeWindows w;
  if (text == "none") return w;  // no windows: the config's turned off (--time-windows none)
  w.text = text;
  for (const auto& [name, kind] : kKinds)
    if (text == name) {
      w.kind = kind;
      return w;
    }
  w.kind = WindowKind::list;
  std::size_t at = 0;
  while (at <= text.size()) {
    const auto comma = std::min(text.find(',', at), text.size());
    const std::string item = text.substr(at, comma - at);
    const auto slash = item.find('/');
    if (slash == std::string::npos)
      throw ConfigError(key + ": '" + item +
                        "' is neither year, month, day, cycle nor an interval START/END "
                        "(e.g. 2019-01-01/2019-04-01)");
    w.intervals.push_back(parse_interval(item.substr(0, slash), item.substr(slash + 1), key));
    at = comma + 1;
  }
  check_order(w, key);
  return w;
}

TimeWindows parse_time_windows(const YAML::Node& node, const std::string& origin) {
  const auto where = [&](const YAML::Node& n) {
    return origin + (n.Mark().line >= 0 ? ":" + std::to_string(n.Mark().line + 1) : "");
  };
  try {
    if (node.IsScalar()) return parse_time_windows(node.Scalar(), "time_windows");
    if (!node.IsSequence() || node.size() == 0)
      throw ConfigError(
          "time_windows: expected year, month, day, cycle or a non-empty list of [start, end]");
    TimeWindows w;
    w.kind = WindowKind::list;
    for (std::size_t i = 0; i < node.size(); ++i) {
      const auto key = "time_windows[" + std::to_string(i) + "]";
      const auto& item = node[i];
      YAML::Node start, end;
      if (item.IsSequence() && item.size() == 2) {
        start = item[0];
        end = item[1];
      } else if (item.IsMap() && item.size() == 2 && item["start"] && item["end"]) {
        start = item["start"];
        end = item["end"];
      } else {
        throw ConfigError(where(item) + ": " + key + ": expected [start, end] or {start, end}");
      }
      if (!start.IsScalar() || !end.IsScalar())
        throw ConfigError(where(item) + ": " + key + ": start and end must be UTC dates or times");
      try {
        w.intervals.push_back(parse_interval(start.Scalar(), end.Scalar(), key));
      } catch (const ConfigError& e) {
        throw ConfigError(where(item) + ": " + e.what());
      }
      w.text += (i ? "," : "") + start.Scalar() + "/" + end.Scalar();
    }
    check_order(w, "time_windows");
    return w;
  } catch (const ConfigError& e) {
    const std::string msg = e.what();
    if (msg.rfind(origin, 0) == 0) throw;
    throw ConfigError(where(node) + ": " + msg);
  }
}

}  // namespace healgrid
