// Rank 0's plan: from the index pass's per-(granule, beam, parent cell) point counts, keep the
// parent cells that hold data, sort them by nested id, and cut them into one contiguous range
// per rank with roughly equal point counts. Each rank then reads only the granule beams (and
// only the rows) that touch its range.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace healgrid {

// What the index pass learns about one beam of one granule within one parent cell.
struct IndexEntry {
  std::int64_t granule = 0;  // index into the sorted granule list
  std::int64_t group = 0;    // index into config.groups
  std::int64_t parent = 0;
  std::int64_t points = 0;
  std::int64_t row_lo = 0;   // rows [row_lo, row_hi) hold all of them
  std::int64_t row_hi = 0;
};
constexpr int kIndexEntryWords = 6;
void pack(const IndexEntry& e, std::vector<std::int64_t>& out);
std::vector<IndexEntry> unpack_entries(const std::vector<std::int64_t>& words);

struct ParentLoad {
  std::int64_t parent = 0;
  std::int64_t points = 0;
};

// Contiguous [begin, end) index ranges into `loads` (sorted by parent), one per rank, that
// split the total points as evenly as whole parents allow. Ranks beyond the number of
// parents get empty ranges.
std::vector<std::pair<std::size_t, std::size_t>> partition_parents(
    const std::vector<ParentLoad>& loads, int ranks);

struct ReadTask {
  std::int64_t granule = 0;
  std::int64_t group = 0;
  std::int64_t row_lo = 0;
  std::int64_t row_hi = 0;
};

struct RankPlan {
  std::int64_t first_parent = 0;  // parent id range [first_parent, last_parent];
  std::int64_t last_parent = -1;  // empty when last < first
  std::int64_t planned_parents = 0;
  std::int64_t planned_points = 0;
  std::vector<ReadTask> reads;    // sorted by granule, then group
  std::vector<std::int64_t> serialize() const;
  static RankPlan deserialize(const std::vector<std::int64_t>& words);
};

struct WorkPlan {
  std::vector<ParentLoad> loads;  // every parent cell with data, sorted
  std::vector<RankPlan> ranks;
};

WorkPlan make_plan(const std::vector<IndexEntry>& entries, int ranks);

}  // namespace healgrid
