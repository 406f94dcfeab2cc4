// Phase 4 under time windows (config/time_windows.hpp): the read + aggregate phase runs once
// per window over that window's points (PlannedWork::windows), so each window is reduced
// exactly as a separate run restricted to it would reduce it; the windows' blocks are then put
// on the union of their parent cells (aggregate/window_blocks.hpp) for the writer. The restart
// journal is off with time windows (a rerun computes every window afresh): each window runs
// with a journal that writes nothing.
#pragma once

#include "healgrid/pipeline/phases.hpp"
#include "healgrid/write/time_axis.hpp"

namespace healgrid {

// Collective. Consumes work.windows. Fills the figures as aggregate_phase does, summed over
// the windows.
AggregatedBlock aggregate_windows(RunContext& ctx, const ResolvedInputs& inputs, PlannedWork& work);

// Collective: the writer's time axis of the aggregated windows (their bounds, the points per
// window summed over the ranks, this rank's aligned blocks, which must outlive it).
TimeAxis make_time_axis(const RunContext& ctx, const AggregatedBlock& aggregated);

// The note for the log when time windows turn the journal off ("" when it was off anyway).
std::string time_windows_journal_note(const RunContext& ctx);

}  // namespace healgrid
