#include "healgrid/pipeline/window_aggregate.hpp"

#include "healgrid/aggregate/window_blocks.hpp"

namespace healgrid {

AggregatedBlock aggregate_windows(RunContext& ctx, const ResolvedInputs& inputs,
                                  PlannedWork& work) {
  AggregatedBlock out;
  out.granule_points.assign(inputs.granules.size(), 0);
  out.window_keys = work.windows.keys;
  auto& figures = ctx.figures;
  long long rows_read = 0;
  double read_bin = 0;
  for (std::size_t w = 0; w < work.windows.keys.size(); ++w) {
    work.points = std::move(work.windows.points[w]);
    // The aggregator reserves what it expects: this window's points, not every window's.
    work.my_loads = loads_of(work.points, ctx.grid());
    RunJournal no_journal(ctx.comm, ctx.options.output, inputs.inputs_sha256, ctx.config(),
                          ctx.grid(), 0);
    auto window = aggregate_phase(ctx, inputs, work, no_journal);
    rows_read += figures.rows_read;  // each call sets this rank's figures for its window
    read_bin += figures.seconds.read_bin;
    for (std::size_t g = 0; g < out.granule_points.size(); ++g)
      out.granule_points[g] += window.granule_points[g];
    out.block.points += window.block.points;
    out.window_blocks.push_back(std::move(window.block));
  }
  work.windows = {};
  figures.rows_read = rows_read;
  figures.seconds.read_bin = read_bin;
  out.block.parents = union_parents(out.window_blocks);
  for (auto& b : out.window_blocks)
    b = align_to_parents(std::move(b), out.block.parents, ctx.grid().children_per_parent());
  return out;
}

TimeAxis make_time_axis(const RunContext& ctx, const AggregatedBlock& aggregated) {
  const auto& windows = ctx.config().time_windows;
  TimeAxis axis;
  for (std::size_t w = 0; w < aggregated.window_keys.size(); ++w) {
    const auto [start, end] = windows.bounds(aggregated.window_keys[w]);
    axis.starts.push_back(start);
    axis.ends.push_back(end);
    axis.points_used.push_back(static_cast<long long>(aggregated.window_blocks[w].points));
    axis.blocks.push_back(&aggregated.window_blocks[w]);
  }
  ctx.comm.sum_in_place(axis.points_used);
  return axis;
}

std::string time_windows_journal_note(const RunContext& ctx) {
  if (!ctx.config().time_windows.active() || ctx.options.rounds == 0) return "";
  return "time windows: the restart journal is off (a rerun computes every window afresh)";
}

}  // namespace healgrid
