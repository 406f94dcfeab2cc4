// The phases of `healgrid run`, in order, each a function over the run context that returns a
// typed result (README "The job, in one picture"):
//   setup      (rank 0 reads, all parse)  options + config file -> RunSetup (run_context.hpp)
//   resolve    (rank 0, broadcast)        inputs or catalog -> ResolvedInputs
//   index      (all ranks)                granules -> binned points + loads (IndexedPoints)
//   plan       (rank 0, broadcast) and the point exchange (all) -> PlannedWork
//   aggregate  (all ranks, own parents)   variable reads + reduction -> AggregatedBlock
//   write      (all ranks, collective)    one NetCDF-4 file
// Every phase but write fails through pipeline/collective_step.hpp: all ranks throw the same
// RunFailure. A write failure aborts the MPI job (ranks may be inside collective HDF5 calls).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "healgrid/aggregate/cell_aggregator.hpp"
#include "healgrid/aggregate/overview_builder.hpp"
#include "healgrid/catalog/catalog.hpp"
#include "healgrid/catalog/granule_list.hpp"
#include "healgrid/pipeline/index_pass.hpp"
#include "healgrid/pipeline/journal.hpp"
#include "healgrid/pipeline/run_context.hpp"
#include "healgrid/pipeline/window_points.hpp"
#include "healgrid/plan/pass_plan.hpp"
#include "healgrid/plan/point_exchange.hpp"
#include "healgrid/plan/work_plan.hpp"

namespace healgrid {

// Collective. Rank 0 reads the config file; every rank parses the same text and applies the
// overrides. Fails with status 2 naming the file, key or option.
RunSetup setup_phase(const Communicator& comm, const RunOptions& options);

struct ResolvedInputs {
  std::vector<Granule> granules;  // sorted by name, identical on every rank
  CatalogSelection catalog;       // empty unless the run used a catalog
  std::string inputs_sha256;      // pipeline/inputs_digest.hpp
  std::string journal_key;        // inputs_sha256 + the granules' content fingerprints
};
// Collective. Rank 0 checks that the output can be written, resolves the inputs (or the
// catalog) and hashes them; every rank receives the result.
ResolvedInputs resolve_phase(RunContext& ctx);
// Collective: rank 0 opens the restart journal (or clears one of other inputs).
void open_journal(RunContext& ctx, RunJournal& journal);
// Collective, after the index pass: turns the journal off when a granule keeps values of its
// configured datasets in other files (IndexResult::data_elsewhere: a virtual dataset's
// sources, an external link or raw file), which the journal's key does not fingerprint: a
// source rewritten after a stop would come back with its old values. Notes the first such.
void turn_journal_off_for_data_elsewhere(RunContext& ctx, const IndexResult& mine,
                                         RunJournal& journal);

// A granule the index pass could not use: `reason` says why, empty when it holds none of the
// configured beam groups (an empty granule, not an error).
struct GranuleIssue {
  std::int64_t granule = 0;
  std::string reason;
};
struct IndexedPoints {
  IndexResult mine;  // this rank's points and loads
  // Where the points beyond the budget went (plan/point_spill.hpp); null with time windows.
  std::shared_ptr<PointSpill> spill;
  std::vector<std::vector<ParentLoad>> loads_by_rank;  // rank 0: every rank's loads
  std::vector<GranuleIssue> issues;                    // rank 0: every rank's, in rank order
};
// Collective. Fills figures.rows_scanned (rank 0).
IndexedPoints index_phase(RunContext& ctx, const ResolvedInputs& inputs);
// Collective: adds an index pass's rows read, rows in beams and pre-selection fallbacks to
// the figures (rank 0); returns the pass's rows read and in beams (rank 0's sums).
struct PassIndexRows {
  long long read = 0, in_beams = 0;
};
PassIndexRows add_index_figures(RunContext& ctx, const IndexResult& mine);

// Whether a granule_status says the run left the granule out ("skipped: <why>").
inline bool is_skipped_status(const std::string& status) { return status.rfind("skipped", 0) == 0; }

struct PlannedWork {
  WorkPlan plan;                            // rank 0 only (loads and ranges)
  std::vector<RankPlan> ranks;              // every rank's parent range, on every rank
  std::vector<std::string> granule_status;  // "used", "empty: ...", "skipped: ...", every rank
  PointParts points;                        // this rank's points after the exchange
  // Bounded memory (plan/pass_plan.hpp): unless single(), `points` is empty and the work goes
  // in passes (aggregate_in_passes), which read every rank's points back from `spill` when
  // it is set (every rank's spill holds all its points), else index the granules again.
  PassPlan passes;
  std::shared_ptr<PointSpill> spill;
  // aggregate_phase reports the plan before its reads and each rank's end after them; a pass
  // of several turns off what is not its own (the plan: all but the first; the ends: all but
  // the last).
  bool report_plan = true, report_ranks_finished = true;
  // A pass's overview levels go into the run's builder (nullptr: aggregate_phase makes one).
  OverviewBuilder* overviews = nullptr;
  WindowedPoints windows;  // instead of `points` with config time_windows: per window
  ParkedReaders readers;   // the index pass's readers of this rank's granules, parked
  const RankPlan& mine(const Communicator& comm) const { return ranks.at(comm.rank); }
};
// Collective. Applies --on-bad-granule to the issues, plans, and routes every point to the
// rank owning its parent cell. Fills figures.planned_points/planned_parents (rank 0). The
// passes count one round of a pass in the aggregator at a time, as `journal` cuts them.
PlannedWork plan_phase(RunContext& ctx, const ResolvedInputs& inputs, IndexedPoints indexed,
                       const RunJournal& journal);

struct AggregatedBlock {
  GridBlock block;                             // this rank's parents with data (journaled + new)
  std::vector<long long> granule_points;       // points used per granule, this rank
  std::unique_ptr<OverviewBuilder> overviews;  // this rank's share of the overview levels
  // With config time_windows (pipeline/window_aggregate.hpp): per window its key and its
  // block on block.cells (the union of the windows' cells), whose own columns are then empty.
  std::vector<std::int64_t> window_keys;
  std::vector<GridBlock> window_blocks;
  std::vector<std::unique_ptr<OverviewBuilder>> window_overviews;  // per window (overviews on)
};
// Collective (the journal's agreement before the reads, the progress of the ranks after them).
// Reads each of this rank's points' variables, reduces them round by round, reporting each
// round to the observers; fills figures.rows_read/bytes_per_point/seconds.read_bin/reduce
// (this rank's). Consumes work.points.
AggregatedBlock aggregate_phase(RunContext& ctx, const ResolvedInputs& inputs, PlannedWork& work,
                                RunJournal& journal);

// Collective. The same as aggregate_phase for a plan of several passes: each pass indexes the
// granules again for its parent cells, routes the points and reads + reduces them in rounds;
// the passes' blocks are merged in parent order.
AggregatedBlock aggregate_in_passes(RunContext& ctx, const ResolvedInputs& inputs,
                                    PlannedWork& work, RunJournal& journal);

// Collective, one pass of a plan of several: the granules indexed again keeping only the points
// of the pass's parent cells (`pass`: every rank's range in it), not yet routed; and the log
// line of a pass indexed and routed in `seconds`, with the rows it read (rank 0's sums, added
// to the run's figures too). aggregate_in_passes and the time windows' passes
// (pipeline/window_aggregate.hpp) use them.
IndexResult index_again_for_pass(RunContext& ctx, const ResolvedInputs& inputs,
                                 const PlannedWork& work, const std::vector<RankPlan>& pass,
                                 PassIndexRows& rows);
void note_pass_indexed(RunContext& ctx, const std::vector<RankPlan>& pass, double seconds,
                       const PassIndexRows& rows);
// A pass's points after the exchange, as its budget counts them (plan/pass_plan.hpp): each part
// fitted to the points this rank owns (the slots of those sent away and each granule's reserve
// given back). The caller then returns the free pages (util/free_memory.hpp).
void fit_to_owned_points(PointParts& parts);

// Collective: totals over the ranks, the output's metadata, the NetCDF write. Fills the
// figures' totals and output_bytes. A failure aborts the job.
void write_phase(RunContext& ctx, const ResolvedInputs& inputs, const PlannedWork& work,
                 AggregatedBlock aggregated);

}  // namespace healgrid
