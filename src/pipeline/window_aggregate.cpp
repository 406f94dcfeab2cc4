#include "healgrid/pipeline/window_aggregate.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <stdexcept>

#include "healgrid/aggregate/window_blocks.hpp"
#include "healgrid/config/utc_time.hpp"
#include "healgrid/pipeline/collective_step.hpp"
#include "healgrid/util/free_memory.hpp"

namespace healgrid {
namespace {

// The windows' reductions of one run: each window's pieces (one per pass) by window key.
class WindowReducer {
 public:
  WindowReducer(RunContext& ctx, const ResolvedInputs& inputs, const PlannedWork& work,
                AggregatedBlock& out)
      : ctx_(ctx), inputs_(inputs), work_(work), out_(out) {}

  // Reduces every window of `windows` over the parent ranges `ranks` (one pass); `last_pass`:
  // its last window reports the ranks' ends (progress).
  void reduce(WindowedPoints windows, const std::vector<RankPlan>& ranks, bool last_pass);
  // Every window's block, keys ascending (calendar windows: every key between the first and
  // the last, empty ones included), aligned on the union of their cells.
  void finish();

 private:
  RunContext& ctx_;
  const ResolvedInputs& inputs_;
  const PlannedWork& work_;
  AggregatedBlock& out_;
  // Each window's overview levels (config output.overviews), fed across the passes.
  OverviewBuilder& overviews_of(std::int64_t key);

  std::map<std::int64_t, std::vector<JournalPiece>> pieces_;
  std::map<std::int64_t, std::unique_ptr<OverviewBuilder>> overviews_;
  bool first_call_ = true;
};

OverviewBuilder& WindowReducer::overviews_of(std::int64_t key) {
  auto& builder = overviews_[key];
  if (!builder)
    builder = std::make_unique<OverviewBuilder>(
        ctx_.config(), ctx_.grid(),
        ctx_.config().output.overviews.resolve(ctx_.grid().child_order()));
  return *builder;
}

void WindowReducer::reduce(WindowedPoints windows, const std::vector<RankPlan>& ranks,
                           bool last_pass) {
  for (std::size_t w = 0; w < windows.keys.size(); ++w) {
    PlannedWork call;
    call.ranks = ranks;
    call.points = std::move(windows.points[w]);
    call.report_plan = first_call_;
    if (first_call_) call.plan = work_.plan;  // the progress file shows the whole run
    call.report_ranks_finished = last_pass && w + 1 == windows.keys.size();
    call.overviews = &overviews_of(windows.keys[w]);
    first_call_ = false;
    RunJournal no_journal(ctx_.comm, ctx_.options.output, inputs_.journal_key, ctx_.config(),
                          ctx_.grid(), 0);
    auto window = aggregate_phase(ctx_, inputs_, call, no_journal);
    for (std::size_t g = 0; g < out_.granule_points.size(); ++g)
      out_.granule_points[g] += window.granule_points[g];
    JournalPiece piece;
    piece.block = std::move(window.block);
    pieces_[windows.keys[w]].push_back(std::move(piece));
  }
}

void WindowReducer::finish() {
  const auto& config = ctx_.config();
  std::vector<std::int64_t> keys;
  if (config.time_windows.kind == WindowKind::list) {
    // A window outside --start/--end (or the config's `time`) holds no point and no span.
    const auto& intervals = config.time_windows.intervals;
    std::string outside;  // the first few left out, as given (0-based)
    for (std::size_t w = 0; w < intervals.size(); ++w) {
      if (config.time_window.meets(intervals[w].first, intervals[w].second)) {
        keys.push_back(static_cast<std::int64_t>(w));
      } else if (w - keys.size() < 4) {
        outside += (outside.empty() ? "" : ", ") + std::to_string(w) + " [" +
                   format_utc(intervals[w].first) + ", " + format_utc(intervals[w].second) + ")";
      }
    }
    const std::size_t left_out = intervals.size() - keys.size();
    if (left_out > 0 && ctx_.comm.is_root())
      std::printf(
          "[windows] %zu of the %zu time windows lie outside the time range, left out: "
          "%s%s\n",
          left_out, intervals.size(), outside.c_str(), left_out > 4 ? ", ..." : "");
  } else if (!pieces_.empty()) {  // passes may each hold fewer windows: the whole range
    const auto first = pieces_.begin()->first, last = pieces_.rbegin()->first;
    run_on_every_rank(ctx_.comm, [&] {  // the same keys on every rank: no rank throws alone
      if (last - first >= kMaxTimeWindows)
        throw std::runtime_error(config.time_windows.too_many(first, last));
    });
    for (auto k = first; k <= last; ++k) keys.push_back(k);
  }
  const auto per_parent = ctx_.grid().children_per_parent();
  for (const auto key : keys) {
    auto it = pieces_.find(key);
    out_.window_keys.push_back(key);
    overviews_of(key);  // an empty window has empty levels
    out_.window_overviews.push_back(std::move(overviews_[key]));
    if (it != pieces_.end() && it->second.size() == 1)
      out_.window_blocks.push_back(std::move(it->second.front().block));
    else  // several passes' pieces in parent order, or none: an empty block
      out_.window_blocks.push_back(merge_pieces(
          it == pieces_.end() ? std::vector<JournalPiece>{} : it->second, config, per_parent));
    if (it != pieces_.end()) pieces_.erase(it);
  }
  out_.block = union_block(out_.window_blocks);
  for (auto& b : out_.window_blocks) b = align_to_cells(std::move(b), out_.block);
}

}  // namespace

AggregatedBlock aggregate_windows(RunContext& ctx, const ResolvedInputs& inputs,
                                  PlannedWork& work) {
  AggregatedBlock out;
  out.granule_points.assign(inputs.granules.size(), 0);
  // Each window has its own overview levels (window_overviews); the run's own are empty.
  out.overviews = std::make_unique<OverviewBuilder>(ctx.config(), ctx.grid(), std::vector<int>{});
  WindowReducer reducer(ctx, inputs, work, out);
  if (work.passes.single()) {
    reducer.reduce(std::move(work.windows), work.ranks, true);
  } else {
    const auto npasses = work.passes.passes.size();
    return_free_memory();  // what the first index pass held before it gave up its points
    for (std::size_t k = 0; k < npasses; ++k) {
      const auto& pass = work.passes.passes[k];
      const Stopwatch clock;
      PassIndexRows rows;
      IndexResult index = index_again_for_pass(ctx, inputs, work, pass, rows);
      WindowedPoints windows;
      run_on_every_rank(ctx.comm, [&] {
        windows = exchange_windows(ctx.comm, std::move(index), pass, ctx.grid(),
                                   ctx.config().time_windows);
      });
      for (auto& parts : windows.points) fit_to_owned_points(parts);
      return_free_memory();
      note_pass_indexed(ctx, pass, clock.seconds(), rows);
      reducer.reduce(std::move(windows), pass, k + 1 == npasses);
      return_free_memory();  // the next pass's buffers start from its own live set
    }
  }
  work.windows = {};
  reducer.finish();
  return out;
}

TimeAxis make_time_axis(const RunContext& ctx, const AggregatedBlock& aggregated) {
  const auto& windows = ctx.config().time_windows;
  const auto& range = ctx.config().time_window;  // --start/--end, config `time`: cut to it
  TimeAxis axis;
  for (std::size_t w = 0; w < aggregated.window_keys.size(); ++w) {
    const auto [start, end] = windows.bounds(aggregated.window_keys[w]);
    axis.starts.push_back(std::max(start, range.start_seconds));
    axis.ends.push_back(std::min(end, range.end_seconds));
    axis.points_used.push_back(static_cast<long long>(aggregated.window_blocks[w].points));
    axis.blocks.push_back(&aggregated.window_blocks[w]);
  }
  ctx.comm.sum_in_place(axis.points_used);
  return axis;
}

std::string time_windows_journal_note(const RunContext& ctx) {
  if (!ctx.config().time_windows.active() || ctx.options.rounds == 0) return "";
  return "[journal] off: time windows (a rerun computes every window afresh)";
}

}  // namespace healgrid
