// Phase 4 under time windows (config/time_windows.hpp): the read + aggregate phase runs once
// per window over that window's points (PlannedWork::windows), so each window is reduced
// exactly as a separate run restricted to it would reduce it; the windows' blocks are then put
// on the union of their cells (aggregate/window_blocks.hpp) for the writer. With bounded memory
// (plan/pass_plan.hpp, several passes) every pass indexes its parent cells again, routes each
// window's points on their own and reduces them per window; each window's pieces are merged in
// parent order, as aggregate_in_passes merges a run's. The restart journal is off with time
// windows (a rerun computes every window afresh): each window runs with a journal that writes
// nothing. Overview levels (output.overviews) are built per window, each window's from its
// own points (aggregate/window_overviews.hpp).
#pragma once

#include <string>

#include "healgrid/pipeline/phases.hpp"
#include "healgrid/write/time_axis.hpp"

namespace healgrid {

// Collective. Consumes work.windows (or indexes each pass again). Fills the figures as
// aggregate_phase does, summed over the windows (and passes).
AggregatedBlock aggregate_windows(RunContext& ctx, const ResolvedInputs& inputs, PlannedWork& work);

// Collective: the writer's time axis of the aggregated windows (their bounds, the points per
// window summed over the ranks, this rank's aligned blocks, which must outlive it).
TimeAxis make_time_axis(const RunContext& ctx, const AggregatedBlock& aggregated);

// The note for the log when time windows turn the journal off ("" when it was off anyway).
std::string time_windows_journal_note(const RunContext& ctx);

}  // namespace healgrid
