// Phase 4 in passes (plan/pass_plan.hpp): when a rank's points exceed its memory budget, each
// pass takes the points of the pass's parent cells again (every rank's range in that pass),
// routes them to their owners, and reads + reduces them with the
// single-pass code (aggregate_phase, its rounds journaled as usual); the passes' blocks are
// merged in parent order. A pass reads them back from the binned points the index pass spilled
// to scratch (plan/point_spill.hpp) where every rank could spill them; otherwise it indexes the
// granules again: docs/performance.md has the measurements of both.
#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "healgrid/pipeline/catalog_inputs.hpp"
#include "healgrid/pipeline/collective_step.hpp"
#include "healgrid/pipeline/phases.hpp"
#include "healgrid/util/free_memory.hpp"

namespace healgrid {
namespace {

// The points a pass wants: those of its parent ranges (and of a catalog's planned cells).
IndexSelection pass_selection(const ResolvedInputs& inputs, const std::vector<RankPlan>& pass) {
  IndexSelection select;
  select.parents = pass_parent_ranges(pass);
  if (inputs.catalog.restrict_cells) select.planned = &inputs.catalog.planned_cells;
  return select;
}

}  // namespace

IndexResult index_again_for_pass(RunContext& ctx, const ResolvedInputs& inputs,
                                 const PlannedWork& work, const std::vector<RankPlan>& pass,
                                 PassIndexRows& rows) {
  IndexSelection select = pass_selection(inputs, pass);
  std::vector<std::uint8_t> skipped(work.granule_status.size());  // not opened again
  for (std::size_t g = 0; g < skipped.size(); ++g)
    skipped[g] = is_skipped_status(work.granule_status[g]);
  select.left_out = &skipped;
  IndexResult index;
  run_on_every_rank(ctx.comm, [&] {
    index = add_seconds(ctx.figures.seconds.passes_busy, [&] {
      return index_granules(ctx.comm, inputs.granules, ctx.config(), ctx.grid(), select);
    });
    restrict_to_planned_cells(index, ctx.grid(), inputs.catalog);
    // The first index pass read the same granules (the skipped ones are left out): one
    // failing now changed under the run.
    if (!index.failures.empty())
      throw std::runtime_error(index.failures.front().second +
                               " [granule changed between two passes of the run]");
  });
  rows = add_index_figures(ctx, index);
  return index;
}

void note_pass_indexed(RunContext& ctx, const std::vector<RankPlan>& pass, double seconds,
                       const PassIndexRows& rows) {
  char line[200];
  std::snprintf(line, sizeof line,
                "[memory] pass: %zu parent ranges indexed again (%lld of %lld rows read) and "
                "routed in %.2f s",
                pass_parent_ranges(pass).size(), rows.read, rows.in_beams, seconds);
  ctx.observers.note(ctx.comm.is_root() ? line : "");
}

// The log line of a pass whose points were read back from the spill.
void note_pass_read_back(RunContext& ctx, const std::vector<RankPlan>& pass, double seconds) {
  char line[200];
  std::snprintf(line, sizeof line,
                "[memory] pass: %zu parent ranges read back from scratch and routed in %.2f s",
                pass_parent_ranges(pass).size(), seconds);
  ctx.observers.note(ctx.comm.is_root() ? line : "");
}

void fit_to_owned_points(PointParts& parts) {
  for (auto& part : parts) part.shrink_to_fit();
}

namespace {

// Every rank: this pass's points of the rank's granules, read back from its spill (those of
// the pass's parent cells, as index_again_for_pass would give them).
IndexResult read_back_for_pass(RunContext& ctx, const ResolvedInputs& inputs,
                               const PlannedWork& work, const std::vector<RankPlan>& pass) {
  const IndexSelection select = pass_selection(inputs, pass);
  IndexResult index;
  run_on_every_rank(ctx.comm, [&] {
    index.points = add_seconds(ctx.figures.seconds.passes_busy, [&] {
      return work.spill->read_back([&](std::int64_t p) { return select.wants(p); }, ctx.grid(),
                                   index.loads);
    });
  });
  return index;
}

// Every rank: this pass's points, read back or indexed again, and routed to their owners.
PointParts index_pass_points(RunContext& ctx, const ResolvedInputs& inputs, const PlannedWork& work,
                             const std::vector<RankPlan>& pass) {
  const Stopwatch clock;
  PassIndexRows rows;
  IndexResult index = work.spill ? read_back_for_pass(ctx, inputs, work, pass)
                                 : index_again_for_pass(ctx, inputs, work, pass, rows);
  PointParts points;
  run_on_every_rank(ctx.comm, [&] {
    points = exchange_points(ctx.comm, std::move(index.points), index.loads, pass, ctx.grid());
  });
  fit_to_owned_points(points);
  return_free_memory();
  if (work.spill)
    note_pass_read_back(ctx, pass, clock.seconds());
  else
    note_pass_indexed(ctx, pass, clock.seconds(), rows);
  return points;
}

}  // namespace

AggregatedBlock aggregate_in_passes(RunContext& ctx, const ResolvedInputs& inputs,
                                    PlannedWork& work, RunJournal& journal) {
  const auto npasses = work.passes.passes.size();
  std::vector<JournalPiece> pieces;
  AggregatedBlock out;
  out.granule_points.assign(inputs.granules.size(), 0);
  out.overviews = std::make_unique<OverviewBuilder>(
      ctx.config(), ctx.grid(), ctx.config().output.overviews.resolve(ctx.grid().child_order()));
  return_free_memory();  // what the first index pass held before it gave up its points
  for (std::size_t k = 0; k < npasses; ++k) {
    PlannedWork pass;
    pass.ranks = work.passes.passes[k];
    pass.points = index_pass_points(ctx, inputs, work, pass.ranks);
    pass.overviews = out.overviews.get();
    pass.report_plan = k == 0;
    pass.report_ranks_finished = k + 1 == npasses;
    if (pass.report_plan) pass.plan = work.plan;  // the progress file shows the whole run
    auto aggregated = aggregate_phase(ctx, inputs, pass, journal);
    for (std::size_t g = 0; g < out.granule_points.size(); ++g)
      out.granule_points[g] += aggregated.granule_points[g];
    JournalPiece piece;
    piece.block = std::move(aggregated.block);
    pieces.push_back(std::move(piece));
    return_free_memory();  // the next pass's buffers start from its own live set
  }
  out.block = merge_pieces(pieces, ctx.config(), ctx.grid().children_per_parent());
  return out;
}

}  // namespace healgrid
