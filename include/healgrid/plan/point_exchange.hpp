// Routes the points binned by the index pass to the ranks that own their parent cells, so
// coordinates are read and binned once: after the exchange each rank knows, for its own cells,
// which rows of which granule beams to read (only the variable datasets) and each row's cell.
#pragma once

#include <cstdint>
#include <vector>

#include "healgrid/grid/healpix_grid.hpp"
#include "healgrid/plan/work_plan.hpp"
#include "healgrid/util/huge_pages.hpp"
#include "healgrid/util/mpi_util.hpp"

namespace healgrid {

// One point that passed the coordinate and filter checks. 16 bytes, sent as is.
struct PointRef {
  std::int64_t cell = 0;            // child cell
  std::uint32_t granule_group = 0;  // granule index << 8 | group index
  std::uint32_t row = 0;            // row in the beam's datasets
  std::uint32_t granule() const { return granule_group >> 8; }
  std::uint32_t group() const { return granule_group & 0xff; }
};
static_assert(sizeof(PointRef) == 16, "PointRef is exchanged as 16 bytes");

inline std::uint32_t pack_granule_group(std::size_t granule, std::size_t group) {
  return static_cast<std::uint32_t>(granule << 8 | group);
}

// One part's points: filled once, in huge pages when large (util/huge_pages.hpp).
using PointVector = std::vector<PointRef, HugePageAllocator<PointRef>>;
// Points in parts; read part after part, they are in (granule, group, row) order.
using PointParts = std::vector<PointVector>;

// Collective. `mine`: this rank's indexed points, per granule, in (granule, group, row) order,
// its granules a contiguous block of the sorted list following the previous rank's (see
// index_share); `loads`: its points per parent cell. The points this rank owns stay in their parts
// (compacted in place); the others are sent from where they lie, in runs of one owner (a part
// with more runs than max(64, its points / 64) is first reordered per destination). `ranks`:
// every rank's parent range (REQUIRES: one per rank, every loaded parent in one of them). Returns
// the points whose parent this rank owns, in (granule, group, row) order: the same order for any
// number of ranks (on one rank, `mine` itself).
PointParts exchange_points(const Communicator& mpi, PointParts mine,
                           const std::vector<ParentLoad>& loads, const std::vector<RankPlan>& ranks,
                           const HealpixGrid& grid);

}  // namespace healgrid
