// The links of one beam's linked level (config/linked_level.hpp): which points (photons) each
// segment owns, read from the level's index_begin and count datasets and checked before any
// value is used: counts are whole numbers >= 0, a non-empty segment starts at or after the
// index base, the runs ascend without overlapping, and none ends past the last point. A file
// that breaks a rule is refused (GranuleError naming the file, the level and the dataset): a
// broken link would attach a segment's values to another segment's points. Points that no
// segment owns have no value at that level (their points are dropped when it is used).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "healgrid/read/dataset_column.hpp"

namespace healgrid {

class SegmentLinks {
 public:
  // Reads every row of `begin` and `count` (1-D, one per segment; a fill value or no data in
  // the count means an empty segment). `points`: the beam's points; `key`: "levels.NAME".
  SegmentLinks(DatasetColumn& begin, DatasetColumn& count, int base, std::uint64_t points,
               const std::string& file_path, const std::string& key);

  std::uint64_t segments() const { return segments_; }

  // For points [p0, p0 + n): segment[i] = the segment owning point p0 + i, or -1. Returns the
  // segment rows [first, last) the points touch (first == last when none).
  std::pair<std::uint64_t, std::uint64_t> map(std::uint64_t p0, std::uint64_t n,
                                              std::vector<std::int64_t>& segment) const;

  // The points [begin, end) owned by segment rows [s0, s1) (an empty range when none).
  std::pair<std::uint64_t, std::uint64_t> points_of(std::uint64_t s0, std::uint64_t s1) const;

  // The non-empty segments, ascending: segment row, first point, end point (exclusive).
  const std::vector<std::uint64_t>& owner_rows() const { return row_; }
  const std::vector<std::uint64_t>& owned_begin() const { return start_; }
  const std::vector<std::uint64_t>& owned_end() const { return end_; }

 private:
  std::uint64_t segments_ = 0;
  // The non-empty segments, ascending: row, first point, end point (exclusive).
  std::vector<std::uint64_t> row_, start_, end_;
};

}  // namespace healgrid
