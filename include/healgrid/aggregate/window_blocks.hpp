// The blocks of a time-windowed run side by side (config/time_windows.hpp): every window's block
// of one rank is put on the same cells, the union of the windows' cells (sorted, strictly
// increasing) and parents, so that the writer stores window w's columns at time index w over
// one `cell_ids` axis, in either layout (write/cell_layout.hpp). A cell without points in a
// window holds the fill there (NaN, 0 for counts). (Parents belong to one rank whatever the
// window, so the union is local to each rank.)
#pragma once

#include <cstdint>
#include <vector>

#include "healgrid/aggregate/cell_aggregator.hpp"

namespace healgrid {

// The union of the blocks: their parents and cells, sorted, the points summed; no columns.
GridBlock union_block(const std::vector<GridBlock>& blocks);

// `block` on the cells and parents of `target` (a union_block holding block's cells): the same
// columns, with the fill at every cell of `target` the block lacks; the block's own points.
GridBlock align_to_cells(GridBlock block, const GridBlock& target);

// Cells of the aligned blocks (all on the same cells) with data in at least one window.
std::uint64_t cells_with_data_in_any(const std::vector<GridBlock>& aligned);

}  // namespace healgrid
