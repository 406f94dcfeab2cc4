// Bounded memory: when the points a rank would hold exceed its memory budget
// (plan/memory_budget.hpp), the rank's contiguous parent range is cut into passes, contiguous
// ranges each within the budget: as few as a greedy cut by the bytes they hold finds, evened out.
// Every pass indexes the granules again keeping only the points of that pass's parent cells (on
// every rank), routes them, reads their variables and reduces them in rounds (the journal's rounds
// lie inside passes, so a round file never spans two). A cell's points arrive in the same order as
// in one pass, so the output is byte-identical to a single-pass run. Pure arithmetic, unit-tested.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "healgrid/config/pipeline_config.hpp"
#include "healgrid/plan/work_plan.hpp"

namespace healgrid {

// Bytes a rank holds per point of the pass it works on, an upper bound, split by how long it
// holds them. The binned point, for the whole pass (4, plan/point_parts.hpp, and a share of its
// part's headers: 4.5 in all, 6 on grids finer than order 14, whose cells' high bits change
// along a track, 12 finer than order 22). The aggregator's copy, only while the point's round
// is read and reduced (a 32-bit child offset, 64-bit beyond kMaxOrderDifference orders below
// the parent; 12 bytes per variable; a 32-bit sort index). The aggregator stores floats while
// every value is exactly a float (ATL06's, most heights), but one derived or float64 value
// widens them all to doubles, and a round that widens keeps the floats it had beside them:
// the budget must hold whatever the data.
// With several ranks a pass's index also holds, until the exchange, a copy of the points it
// sends when their part is copied out per destination (points scattered over the sky,
// plan/point_exchange.hpp): the point twice; one rank copies nothing.
struct PointBytes {
  double indexed = 0;     // per point of the pass
  double exchanged = 0;   // per point of a pass's index until the exchange, several ranks
  double aggregated = 0;  // per point of the round being reduced
  // Per point of a pass's index until the exchange in a world of `ranks`.
  double until_exchange(std::size_t ranks) const { return ranks == 1 ? indexed : exchanged; }
};
PointBytes point_bytes(const PipelineConfig& config);
// Both: a point that sits in the aggregator (every point, when a pass is one round).
double held_bytes_per_point(const PipelineConfig& config);

// What a pass of a rank holds: every point of the pass binned, and one round at a time in the
// aggregator. Rounds are cut at parent cells into about equal points (pipeline/journal.hpp), so
// a round holds at most points / rounds + the pass's largest parent.
struct PassMemory {
  PointBytes bytes;
  // The rounds a rank cuts a pass of `points` into (the journal's rule; 1 without a journal).
  std::function<std::int64_t(std::int64_t points)> rounds = [](std::int64_t) { return 1; };
  // The largest round of a pass of `points` whose largest parent holds `largest`.
  std::int64_t largest_round(std::int64_t points, std::int64_t largest) const;
  // Bytes that pass holds at most.
  double pass_bytes(std::int64_t points, std::int64_t largest) const;
  // For the plan's lines: "12 x 4.5 bytes", or "12 x 4.5 bytes and a round of at most 3 x 32
  // bytes" with an aggregator share.
  std::string describe(std::int64_t points, std::int64_t largest) const;
};

struct PassPlan {
  std::vector<std::vector<RankPlan>> passes;  // [pass][rank]: every rank's range in that pass
  // The index pass did not keep its points (a rank's share exceeded the budget), or there is
  // more than one pass: every pass indexes the granules again for its own parent cells.
  bool reindex = false;
  std::vector<std::string> lines;  // why, per rank that needs passes, for the log
  bool single() const { return passes.size() == 1 && !reindex; }
};

// `budget_bytes[r]`: what rank r may spend on points (its budget less its output block); a pass
// of r fits when memory.pass_bytes(its points, its largest parent's) is within it.
// `index_overflowed`: some rank's index pass exceeded its budget and dropped its points.
// `indexed[r]` (optional): the loads of rank r's share of the granules, sorted by parent. A
// pass's index holds those of the pass's parents, whichever rank owns them
// (memory.bytes.exchanged each; indexed at one rank), and the points r receives in the
// exchange (memory.bytes.indexed each): when that exceeds r's budget (a rank whose granules
// hold most of a pass's points), every rank's passes are cut finer, as little as it needs,
// until it fits, or no pass can be cut further (then a line says so).
// REQUIRES: plan from make_plan, budget_bytes.size() == plan.ranks.size(), indexed empty or
// one per rank.
PassPlan plan_passes(const WorkPlan& plan, const std::vector<double>& budget_bytes,
                     const PassMemory& memory, bool index_overflowed,
                     const std::vector<std::vector<ParentLoad>>& indexed = {});

// The most points any one parent of `range` holds in `loads` (sorted by parent); 0 if none.
std::int64_t largest_load(const std::vector<ParentLoad>& loads, const RankPlan& range);

// Sorted, disjoint [first, last] parent ranges of one pass, its empty ranks left out.
std::vector<std::pair<std::int64_t, std::int64_t>> pass_parent_ranges(
    const std::vector<RankPlan>& pass);

}  // namespace healgrid
