// Time windows (config key `time_windows`, `run --time-windows`): the used points are split by
// their UTC time into windows [start, end), and every statistic is reduced per (window, cell),
// so that each window's values equal those of a separate run restricted to it (`--start/--end`).
// Kinds: `year`, `month`, `day` (UTC calendar), `cycle` (ICESat-2 91-day cycles, the cycle
// starts of catalog/granule_query), or an explicit list of intervals in time order that do not
// overlap. A window is named by a key: the calendar year, year * 12 + month - 1, the day since
// 1970-01-01, the cycle number, or the index in the explicit list. Points in no window (between
// explicit windows) are dropped.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace YAML {
class Node;
}

namespace healgrid {

// The key of no window (a time between explicit windows, or not finite).
constexpr std::int64_t kNoWindow = std::numeric_limits<std::int64_t>::min();

enum class WindowKind { none, list, cycle, year, month, day };

struct TimeWindows {
  WindowKind kind = WindowKind::none;
  std::string text;  // as given: "month", or the list as "start/end,start/end"
  std::vector<std::pair<double, double>> intervals;  // kind list: POSIX seconds, in time order

  bool active() const { return kind != WindowKind::none; }
  // The key of the window holding `utc_seconds`, or kNoWindow.
  std::int64_t key_of(double utc_seconds) const;
  // [start, end) of window `key`, POSIX seconds.
  std::pair<double, double> bounds(std::int64_t key) const;
  // The error for calendar windows first..last beyond kMaxTimeWindows: their dates and the
  // likely cause.
  std::string too_many(std::int64_t first, std::int64_t last) const;
};

// TimeWindows::key_of with the last window remembered: consecutive points of a beam mostly
// fall in the same window, and the calendar arithmetic is then skipped.
class WindowLookup {
 public:
  explicit WindowLookup(const TimeWindows& windows) : windows_(windows) {}
  std::int64_t key_of(double utc_seconds) {
    if (utc_seconds >= start_ && utc_seconds < end_) return key_;
    const auto key = windows_.key_of(utc_seconds);
    if (key != kNoWindow) {
      key_ = key;
      std::tie(start_, end_) = windows_.bounds(key);
    }
    return key;
  }

 private:
  const TimeWindows& windows_;
  std::int64_t key_ = 0;
  double start_ = 0, end_ = 0;  // empty until the first window is found
};

// At most this many windows in one output (every window is a full slice of every statistic).
constexpr std::int64_t kMaxTimeWindows = 10000;

// "year", "month", "day", "cycle" or explicit intervals "START/END,START/END" (UTC dates or
// times as the `time` key takes them). Throws ConfigError naming `key`.
TimeWindows parse_time_windows(const std::string& text, const std::string& key);
// The config's node: a kind name, or a list of [start, end] pairs or {start, end} mappings.
// Throws ConfigError naming `origin`, the line and the key.
TimeWindows parse_time_windows(const YAML::Node& node, const std::string& origin);

}  // namespace healgrid
