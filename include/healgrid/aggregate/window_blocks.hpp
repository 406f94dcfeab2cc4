// The blocks of a time-windowed run side by side (config/time_windows.hpp): every window's block
// of one rank is put on the same cells, the union of the windows' parent cells, so that the
// writer stores window w's columns at time index w over one `cell_ids` axis. A cell without
// points in a window holds the fill there. (Parents belong to one rank whatever the window, so
// the union is local to each rank.)
#pragma once

#include <cstdint>
#include <vector>

#include "healgrid/aggregate/cell_aggregator.hpp"

namespace healgrid {

// The sorted union of the blocks' parents.
std::vector<std::int64_t> union_parents(const std::vector<GridBlock>& blocks);

// `block` on `parents` (sorted, a superset of block.parents): the same columns, with every
// child of the parents it lacks holding the fill (NaN, 0 for counts).
GridBlock align_to_parents(GridBlock block, const std::vector<std::int64_t>& parents,
                           std::int64_t children_per_parent);

// Cells of the aligned blocks (all on the same parents) with data in at least one window.
std::uint64_t cells_with_data_in_any(const std::vector<GridBlock>& aligned);

}  // namespace healgrid
