// Routes the points binned by the index pass to the ranks that own their parent cells, so
// coordinates are read and binned once: after the exchange each rank knows, for its own cells,
// which rows of which granule beams to read (only the variable datasets) and each row's cell.
#pragma once

#include <cstdint>
#include <vector>

#include "healgrid/grid/healpix_grid.hpp"
#include "healgrid/plan/point_parts.hpp"
#include "healgrid/plan/work_plan.hpp"
#include "healgrid/util/mpi_util.hpp"

namespace healgrid {

// Collective. `mine`: this rank's indexed points, per granule, in (granule, group, row) order,
// its granules a contiguous block of the sorted list following the previous rank's (see
// index_share); `loads`: its points per parent cell. The points this rank owns stay in their parts
// (compacted in place); the others are sent from where they lie, in runs of one owner, each after
// a header pair that states its granule beam and cells' high bits (a part with more runs than
// max(64, its points / 64) is first copied out per destination). `ranks`:
// every rank's parent range (REQUIRES: one per rank, every loaded parent in one of them). Returns
// the points whose parent this rank owns, in (granule, group, row) order: the same order for any
// number of ranks (on one rank, `mine` itself).
PointParts exchange_points(const Communicator& mpi, PointParts mine,
                           const std::vector<ParentLoad>& loads, const std::vector<RankPlan>& ranks,
                           const HealpixGrid& grid);

// The exchange's compaction of one part on its own (tests): keeps, in place and in order, the
// points whose parent rank `me` owns in `ranks`, as exchange_points does (runs of one owner
// moved whole; a part scattered over more runs point by point); returns their count. The
// entries are keep_points' with that owner test. REQUIRES: every point's parent in some range.
std::size_t keep_owned_points(PointVector& part, const std::vector<RankPlan>& ranks,
                              const HealpixGrid& grid, int me);

}  // namespace healgrid
