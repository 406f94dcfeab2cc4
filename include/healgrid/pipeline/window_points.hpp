// Time windows in the index pass and the point exchange (config/time_windows.hpp). The index
// pass keeps each granule's points as one part per window, each part in the granule's (group,
// row) order; after the plan, each window's parts are exchanged on their own, so that every
// rank holds, per window, exactly the points a separate run restricted to that window would
// hold, in the same order (the reduction within a cell is then the same).
#pragma once

#include <cstdint>
#include <vector>

#include "healgrid/config/time_windows.hpp"
#include "healgrid/grid/healpix_grid.hpp"
#include "healgrid/pipeline/index_pass.hpp"
#include "healgrid/plan/point_exchange.hpp"
#include "healgrid/plan/work_plan.hpp"
#include "healgrid/util/mpi_util.hpp"

namespace healgrid {

// Appends one granule's `points` (with their window `keys`, one per point) to `result`: one
// part per distinct key, keys ascending, and the key of each part in result.part_windows.
void add_window_parts(PointVector points, const std::vector<std::int64_t>& keys,
                      IndexResult& result);

// Points per parent cell of `parts` (merged, sorted): a window's loads.
std::vector<ParentLoad> loads_of(const PointParts& parts, const HealpixGrid& grid);

struct WindowedPoints {
  std::vector<std::int64_t> keys;  // the output's windows, ascending (TimeWindows::bounds)
  std::vector<PointParts> points;  // per window: this rank's points after the exchange
};

// Collective. The output's windows: every explicit window; for calendar windows every key from
// the earliest to the latest that holds a point on any rank (empty ones between kept, so the
// axis is regular). Then each window's points go to the ranks owning their parent cells.
// Throws std::runtime_error for more than kMaxTimeWindows windows (every rank alike).
WindowedPoints exchange_windows(const Communicator& comm, IndexResult mine,
                                const std::vector<RankPlan>& ranks, const HealpixGrid& grid,
                                const TimeWindows& windows);

}  // namespace healgrid
