// Overview levels of a time-windowed run (config output.overviews with time_windows): every
// window has its own OverviewBuilder, fed by that window's reduction (pipeline/window_aggregate),
// so each window's levels equal those of a separate run restricted to it. Gathered here, each
// level's windows are put on the union of their cells, as the windows' blocks are
// (aggregate/window_blocks.hpp): write/overview_writer then stores window w at time index w of
// the level's (time, cell_ids) statistics.
#pragma once

#include <memory>
#include <vector>

#include "healgrid/aggregate/overview_builder.hpp"
#include "healgrid/util/mpi_util.hpp"

namespace healgrid {

// Collective. One builder per window (the same levels in each, on every rank). Returns the
// levels, increasing order: on rank 0 each with the union of the windows' cells and
// window_columns (per window, the fill where the window has no point); every rank knows each
// level's order, statistics and total_cells. The builders are left empty.
std::vector<OverviewLevel> gather_window_overviews(
    const Communicator& comm, const std::vector<std::unique_ptr<OverviewBuilder>>& builders);

}  // namespace healgrid
