#include "healgrid/read/segment_links.hpp"

#include <algorithm>
#include <cmath>

#include "healgrid/util/text.hpp"

namespace healgrid {

SegmentLinks::SegmentLinks(DatasetColumn& begin, DatasetColumn& count, int base,
                           std::uint64_t points, const std::string& file_path,
                           const std::string& key) {
  const auto where = file_path + ": " + key + ": ";
  if (begin.shape().cols != 1 || count.shape().cols != 1 ||
      begin.shape().rows != count.shape().rows)
    throw DatasetMismatch(where + "datasets " + begin.path() + " (" +
                          std::to_string(begin.shape().rows) + " rows) and " + count.path() + " (" +
                          std::to_string(count.shape().rows) +
                          " rows) must be 1-D with one row per segment");
  segments_ = begin.shape().rows;
  begin.bind(begin.shape(), false);
  count.bind(count.shape(), false);
  std::vector<double> first, size;
  std::vector<std::uint8_t> first_ok(segments_, 1), size_ok(segments_, 1);
  begin.read(0, segments_, first, first_ok.data());
  count.read(0, segments_, size, size_ok.data());
  auto refuse = [&](const std::string& path, std::uint64_t s, const std::string& what) {
    throw GranuleError(where + "dataset " + path + ", segment " + std::to_string(s) + ": " + what +
                       " (inconsistent photon/segment index: refused, no value is attached "
                       "through it)");
  };
  std::uint64_t previous_end = 0;
  const auto beam_points = static_cast<double>(points);
  for (std::uint64_t s = 0; s < segments_; ++s) {
    // A count without data (its fill, NaN) is an empty segment only where no first index says
    // otherwise: beside a first index it could hide the segment's points.
    const bool has_first = first_ok[s] && first[s] != 0;
    if (!size_ok[s] && has_first)
      refuse(
          count.path(), s,
          "no count (a fill or not a number) for the points from index " + number_text(first[s]));
    const double c = size_ok[s] ? size[s] : 0;
    if (!(c >= 0) || c != std::floor(c)) refuse(count.path(), s, "count " + number_text(c));
    if (c == 0) continue;
    if (!first_ok[s]) refuse(begin.path(), s, "no first index for " + number_text(c) + " points");
    const double b = first[s];
    if (b != std::floor(b))
      refuse(begin.path(), s, "first index " + number_text(b) + " is no integer");
    if (b < base)
      refuse(begin.path(), s,
             "first index " + number_text(b) + " is below the index base " + std::to_string(base));
    // In double, before any cast: a start or count of 2^64 would wrap as an integer.
    if (c > beam_points || b - base > beam_points - c)
      refuse(count.path(), s,
             "points " + number_text(b) + ".." + number_text(b + c - 1) + " end past the " +
                 std::to_string(points) + " points of the beam");
    const auto start = static_cast<std::uint64_t>(b) - static_cast<std::uint64_t>(base);
    const auto end = start + static_cast<std::uint64_t>(c);
    if (start < previous_end)
      refuse(begin.path(), s,
             "starts at point " + number_text(b) + " inside the previous segment (which ends at " +
                 std::to_string(previous_end - 1 + static_cast<std::uint64_t>(base)) +
                 "): ranges overlap or descend");
    if (end > points)
      refuse(count.path(), s,
             "points " + number_text(b) + ".." + std::to_string(end - 1 + base) + " end past the " +
                 std::to_string(points) + " points of the beam");
    row_.push_back(s);
    start_.push_back(start);
    end_.push_back(end);
    previous_end = end;
  }
}

std::pair<std::uint64_t, std::uint64_t> SegmentLinks::map(
    std::uint64_t p0, std::uint64_t n, std::vector<std::int64_t>& segment) const {
  segment.assign(n, -1);
  // The first non-empty segment ending after p0.
  auto k = static_cast<std::size_t>(std::upper_bound(end_.begin(), end_.end(), p0) - end_.begin());
  std::uint64_t first = 0, last = 0;
  bool any = false;
  for (; k < start_.size() && start_[k] < p0 + n; ++k) {
    const auto lo = std::max(start_[k], p0), hi = std::min(end_[k], p0 + n);
    for (auto p = lo; p < hi; ++p) segment[p - p0] = static_cast<std::int64_t>(row_[k]);
    if (!any) first = row_[k];
    last = row_[k] + 1;
    any = true;
  }
  return {first, last};
}

std::pair<std::uint64_t, std::uint64_t> SegmentLinks::points_of(std::uint64_t s0,
                                                                std::uint64_t s1) const {
  const auto a = std::lower_bound(row_.begin(), row_.end(), s0) - row_.begin();
  const auto b = std::lower_bound(row_.begin(), row_.end(), s1) - row_.begin();
  if (a >= b) return {0, 0};
  return {start_[static_cast<std::size_t>(a)], end_[static_cast<std::size_t>(b - 1)]};
}

}  // namespace healgrid
