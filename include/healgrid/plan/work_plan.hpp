// Rank 0's plan: from the index pass's point counts per parent cell, keep the parent cells that
// hold data, sort them by nested id, and cut them into one contiguous range per rank with
// roughly equal point counts.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace healgrid {

struct ParentLoad {
  std::int64_t parent = 0;
  std::int64_t points = 0;
  // Stretches of consecutive points in one child cell along the tracks (0: not counted): at
  // least the parent's cells with data, what a sparse output block of it holds at most.
  std::int64_t cell_runs = 0;
};

// Sums the loads (points and cell runs) of equal parents, drops empty ones, sorts by parent id.
std::vector<ParentLoad> merge_loads(std::vector<ParentLoad> loads);

// Contiguous [begin, end) index ranges into `loads` (sorted by parent), one per rank, that
// split the total points as evenly as whole parents allow. Ranks beyond the number of
// parents get empty ranges. REQUIRES: loads sorted by parent (merge_loads), ranks >= 1.
std::vector<std::pair<std::size_t, std::size_t>> partition_parents(
    const std::vector<ParentLoad>& loads, int ranks);

struct RankPlan {
  std::int64_t first_parent = 0;  // parent id range [first_parent, last_parent];
  std::int64_t last_parent = -1;  // empty when last < first
  std::int64_t planned_parents = 0;
  std::int64_t planned_points = 0;
  bool empty() const { return last_parent < first_parent; }
};

struct WorkPlan {
  std::vector<ParentLoad> loads;  // every parent cell with data, sorted
  std::vector<RankPlan> ranks;
};

WorkPlan make_plan(std::vector<ParentLoad> loads, int ranks);

// The plan as int64 words (4 per rank), for one broadcast: every rank needs every rank's range
// to route points to their owners.
std::vector<std::int64_t> serialize(const std::vector<RankPlan>& ranks);
// REQUIRES: words as serialize() made them (4 per rank).
std::vector<RankPlan> deserialize_ranks(const std::vector<std::int64_t>& words);

}  // namespace healgrid
