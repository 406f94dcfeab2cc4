// Phase 3, plan (rank 0, broadcast) and the point exchange (all ranks): the granules' status
// under --on-bad-granule, the parent ranges of the ranks, and every point moved to its owner.
#include <algorithm>
#include <cstdio>

#include "healgrid/pipeline/collective_step.hpp"
#include "healgrid/pipeline/phases.hpp"
#include "healgrid/plan/memory_budget.hpp"
#include "healgrid/plan/output_estimate.hpp"
#include "healgrid/util/text.hpp"

namespace healgrid {
namespace {

// `reason` with the granule's path replaced by its name: the output records the reason, and
// where the data lives must not change the output (the console names the path).
std::string named_by_granule(std::string reason, const Granule& granule) {
  if (granule.path.empty() || granule.path == granule.name) return reason;
  for (auto at = reason.find(granule.path); at != std::string::npos;
       at = reason.find(granule.path, at + granule.name.size()))
    reason.replace(at, granule.path.size(), granule.name);
  return reason;
}

// Rank 0: each granule's provenance status; the errors of bad granules under "fail". Granules
// without any configured beam group are named in one warning: a file of another product among
// the inputs gives no points, which the user should hear of.
std::vector<std::string> granule_status(const std::vector<GranuleIssue>& issues,
                                        const std::vector<Granule>& granules,
                                        const std::string& latitude, BadGranulePolicy policy,
                                        std::vector<std::string>& errors) {
  std::vector<std::string> status(granules.size(), "used");
  std::vector<std::string> empty;
  for (const auto& issue : issues) {
    const auto g = static_cast<std::size_t>(issue.granule);
    if (issue.reason.empty()) {
      status.at(g) = "empty: none of the configured beam groups";
      empty.push_back(granules.at(g).path);
    } else if (policy == BadGranulePolicy::fail) {
      errors.push_back(issue.reason + " (use --on-bad-granule skip to leave bad granules out)");
    } else {
      status.at(g) = "skipped: " + named_by_granule(issue.reason, granules.at(g));
      std::fprintf(stderr, "healgrid run: warning: skipping granule %s\n", issue.reason.c_str());
    }
  }
  if (!empty.empty()) {
    std::sort(empty.begin(), empty.end());
    std::string names;
    for (std::size_t i = 0; i < empty.size() && i < 5; ++i) names += (i ? ", " : "") + empty[i];
    if (empty.size() > 5) names += ", and " + std::to_string(empty.size() - 5) + " more";
    std::fprintf(stderr,
                 "healgrid run: warning: %zu granule%s coordinates.latitude (%s) in none of "
                 "the configured groups, so no points (recorded as empty; is the config for "
                 "their product?): %s\n",
                 empty.size(), empty.size() == 1 ? " holds" : "s hold", latitude.c_str(),
                 names.c_str());
  }
  return status;
}

// Collective. The time windows the output holds (each rank holds a block of each until the
// write): every explicit window that meets the run's time range; calendar windows from the
// first to the last holding a point (pipeline/window_points.hpp); 1 without time windows.
std::int64_t output_windows(const RunContext& ctx, const IndexResult& mine) {
  const auto& windows = ctx.config().time_windows;
  if (!windows.active()) return 1;
  if (windows.kind == WindowKind::list)  // those outside --start/--end are left out unheld
    return std::count_if(windows.intervals.begin(), windows.intervals.end(), [&](const auto& w) {
      return ctx.config().time_window.meets(w.first, w.second);
    });
  const double first = -ctx.comm.max(-static_cast<double>(mine.window_first));
  const double last = ctx.comm.max(static_cast<double>(mine.window_last));
  return last >= first ? static_cast<std::int64_t>(last - first) + 1 : 1;
}

// The cell runs (ParentLoad) of a rank's parent cells: at least the cells with data it holds.
std::int64_t rank_cell_runs(const WorkPlan& plan, const RankPlan& rank) {
  const auto by_parent = [](const ParentLoad& l, std::int64_t p) { return l.parent < p; };
  std::int64_t runs = 0;
  for (auto it =
           std::lower_bound(plan.loads.begin(), plan.loads.end(), rank.first_parent, by_parent);
       it != plan.loads.end() && it->parent <= rank.last_parent; ++it)
    runs += it->cell_runs;
  return runs;
}

// Why rank r's output blocks (`output` bytes held) leave nothing of the budget for the points.
std::string blocks_leave_nothing(const RunContext& ctx, std::size_t r, std::int64_t cells,
                                 std::int64_t windows, double output) {
  const bool dense = ctx.config().output.layout == OutputLayout::dense;
  const std::string blocks = size_text(output * static_cast<double>(windows) /
                                       static_cast<double>(windows + 1));  // dense: W of W + 1
  const std::string held =
      dense ? (windows > 1 ? "one per time window, " + std::to_string(windows) + ": " + blocks +
                                 ", one more while merged: "
                           : blocks + ", held twice while merged: ")
            : "at most " + std::to_string(cells) + " cells with data" +
                  (windows > 1 ? " in each of " + std::to_string(windows) +
                                     " time windows, with their union and a merged copy: "
                               : ", held twice while merged: ");
  return "--memory-per-rank: rank " + std::to_string(r) + "'s output block" +
         (windows > 1 ? "s (" : " (") + held + size_text(output) +
         (windows > 1 ? ") leave" : ") leaves") + " nothing of its " +
         size_text(ctx.setup.memory_per_rank) + " for the points: raise it" +
         (windows > 1 ? ", use fewer time windows" : "") +
         ", lower grid.child_order (--child-order)" +
         (dense ? ", use the sparse layout (--layout sparse)" : "") + " or use more ranks";
}

// Rank 0: the passes each rank needs to keep its points within its budget: the memory per
// rank less its output blocks as held at the end of its reads (plan/output_estimate.hpp
// held_output_bytes: every window's block, and their merged copies). Adds an error when the
// output leaves nothing for the points.
PassPlan choose_passes(const RunContext& ctx, const WorkPlan& plan, const PassMemory& memory,
                       bool index_overflowed, const std::vector<std::vector<ParentLoad>>& indexed,
                       std::int64_t windows, std::vector<std::string>& errors) {
  std::vector<double> budgets;
  for (std::size_t r = 0; r < plan.ranks.size(); ++r) {
    const auto& rank = plan.ranks[r];
    const auto runs = rank_cell_runs(plan, rank);
    const double output = held_output_bytes(ctx.config(), rank.planned_parents, runs, windows);
    budgets.push_back(ctx.setup.memory_per_rank - output);
    if (rank.planned_parents > 0 && budgets.back() <= 0) {
      const auto cells = std::min<double>(
          static_cast<double>(runs), static_cast<double>(rank.planned_parents) *
                                         static_cast<double>(ctx.grid().children_per_parent()));
      errors.push_back(
          blocks_leave_nothing(ctx, r, static_cast<std::int64_t>(cells), windows, output));
    }
  }
  return plan_passes(plan, budgets, memory, index_overflowed, indexed);
}

// Rank 0: why one pass was chosen, for the log: the busiest rank's points and output blocks
// against the budget per rank (the same figures choose_passes weighs).
std::string one_pass_line(const RunContext& ctx, const WorkPlan& plan, const PassMemory& memory,
                          std::int64_t windows) {
  std::size_t busiest = 0;
  for (std::size_t r = 0; r < plan.ranks.size(); ++r)
    if (plan.ranks[r].planned_points > plan.ranks[busiest].planned_points) busiest = r;
  if (plan.ranks.empty() || plan.ranks[busiest].planned_points == 0) return "";
  const auto& rank = plan.ranks[busiest];
  const auto largest = largest_load(plan.loads, rank);
  const double points = memory.pass_bytes(rank.planned_points, largest);
  const double blocks =
      held_output_bytes(ctx.config(), rank.planned_parents, rank_cell_runs(plan, rank), windows);
  const bool dense = ctx.config().output.layout == OutputLayout::dense;
  return "[memory] 1 pass: rank " + std::to_string(busiest) + ", the busiest, holds " +
         size_text(points + blocks) + " (" + memory.describe(rank.planned_points, largest) +
         (blocks > 0 ? std::string(dense ? ", dense" : ", sparse") + " output block" +
                           (windows > 1 ? "s " : " ") + (dense ? "" : "at most ") +
                           size_text(blocks) + " with merged copies"
                     : std::string()) +
         ") within " + size_text(ctx.setup.memory_per_rank) + " per rank (" +
         ctx.setup.memory_source + ")\n";
}

// Every rank: the spill the passes read their points back from, once every rank's holds all
// its points (those still in memory are written now); null when some rank's is off (none
// asked for, time windows, a default scratch held in memory, or a write failed): the passes
// then index the granules again. The log says which, and why (the first rank's reason); a
// failed write is also a warning.
std::shared_ptr<PointSpill> spill_for_passes(RunContext& ctx, IndexedPoints& indexed) {
  auto& spill = indexed.spill;
  if (spill && spill->active()) spill->append_parts(indexed.mine.points);
  const std::string why_off = !spill ? "time windows" : spill->error();
  const bool failed = spill && !spill->directory().empty() && !spill->active();
  const auto reasons = ctx.comm.gather(why_off);
  const bool all = ctx.comm.max(why_off.empty() ? 0 : 1) == 0;
  const bool any_failed = ctx.comm.max(failed ? 1 : 0) == 1;
  if (!ctx.comm.is_root()) return all ? spill : nullptr;
  if (all) {
    ctx.observers.note("[memory] the passes read the binned points back from scratch (" +
                       spill->directory() + ", " + size_text(static_cast<double>(spill->bytes())) +
                       " on rank 0), not the granules' coordinates\n");
    return spill;
  }
  std::string why;
  for (std::size_t r = 0; r < reasons.size() && why.empty(); ++r)
    if (!reasons[r].empty()) why = (r > 0 ? "rank " + std::to_string(r) + ": " : "") + reasons[r];
  if (any_failed)
    std::fprintf(stderr, "healgrid run: warning: %s: each pass indexes the granules again\n",
                 why.c_str());
  ctx.observers.note("[memory] each pass indexes the granules again, reading their coordinates (" +
                     why + ")\n");
  return nullptr;
}

// Every rank: rank 0's pass plan.
void bcast_passes(const Communicator& comm, PassPlan& passes) {
  std::vector<std::int64_t> words = {passes.reindex ? 1 : 0};
  for (const auto& pass : passes.passes) {
    const auto w = serialize(pass);
    words.insert(words.end(), w.begin(), w.end());
  }
  comm.bcast(words);
  const std::size_t per_pass = 4 * static_cast<std::size_t>(comm.size);
  passes.reindex = words.at(0) != 0;
  passes.passes.clear();
  for (std::size_t i = 1; i + per_pass <= words.size(); i += per_pass)
    passes.passes.push_back(
        deserialize_ranks({words.begin() + static_cast<std::ptrdiff_t>(i),
                           words.begin() + static_cast<std::ptrdiff_t>(i + per_pass)}));
}

}  // namespace

PlannedWork plan_phase(RunContext& ctx, const ResolvedInputs& inputs, IndexedPoints indexed,
                       const RunJournal& journal) {
  const auto& comm = ctx.comm;
  // A pass holds its points binned and one round of them at a time in the aggregator.
  PassMemory memory{point_bytes(ctx.config()),
                    [&journal](std::int64_t points) { return journal.rounds_for(points); }};
  PlannedWork work;
  std::vector<std::int64_t> plan_words;
  const bool index_overflowed = comm.max(indexed.mine.overflowed ? 1 : 0) != 0;
  const std::int64_t windows = output_windows(ctx, indexed.mine);
  run_on_root(comm, [&] {
    std::vector<std::string> errors;
    work.granule_status = granule_status(indexed.issues, inputs.granules, ctx.config().latitude,
                                         ctx.options.on_bad_granule, errors);
    std::vector<ParentLoad> loads;  // every rank's, in rank order: make_plan merges them
    for (const auto& rank : indexed.loads_by_rank)
      loads.insert(loads.end(), rank.begin(), rank.end());
    work.plan = make_plan(std::move(loads), comm.size);
    if (errors.empty() && work.plan.loads.empty()) {
      const auto& range = ctx.config().time_window;
      errors.push_back(
          "no valid points in any granule: nothing to grid (check the filters" +
          (range.active() ? ", the time range [" + (range.start.empty() ? "..." : range.start) +
                                ", " + (range.end.empty() ? "..." : range.end) + ")"
                          : std::string()) +
          (ctx.config().time_windows.kind == WindowKind::list ? ", the time windows" : "") +
          " and the inputs)" +
          (ctx.figures.rows_without_position > 0
               ? "; " + std::to_string(ctx.figures.rows_without_position) + " of the " +
                     std::to_string(ctx.figures.rows_scanned) +
                     " rows read had no valid position (latitude outside [-90, 90], a "
                     "longitude beyond +-720, or a coordinate without data)"
               : std::string()));
    }
    std::int64_t busiest = 0;  // the most parent cells any rank writes
    for (const auto& r : work.plan.ranks) busiest = std::max(busiest, r.planned_parents);
    const auto estimate = estimate_output(
        ctx.config(), static_cast<std::int64_t>(work.plan.loads.size()), busiest, windows);
    if (const auto problem = output_memory_problem(estimate, ctx.setup.memory_per_rank);
        !problem.empty())
      errors.push_back(problem);
    if (errors.empty())
      work.passes = choose_passes(ctx, work.plan, memory, index_overflowed, indexed.loads_by_rank,
                                  windows, errors);
    if (!errors.empty()) throw RunFailure(kExitFailure, errors);
    plan_words = serialize(work.plan.ranks);
  });
  bcast_passes(comm, work.passes);
  comm.bcast(work.granule_status);
  for (const auto& s : work.granule_status)
    ctx.figures.granules_skipped += is_skipped_status(s);
  // Every rank learns every rank's parent range (to route points), then its own points.
  comm.bcast(plan_words);
  work.ranks = deserialize_ranks(plan_words);
  if (comm.is_root()) {
    ctx.figures.planned_parents = static_cast<long long>(work.plan.loads.size());
    for (const auto& l : work.plan.loads) ctx.figures.planned_points += l.points;
  }
  if (!work.passes.single()) {  // the passes take their points again: none is held now
    if (comm.is_root()) {
      ctx.observers.note("[memory] " + std::to_string(work.passes.passes.size()) +
                         (work.passes.passes.size() == 1 ? " pass" : " passes") +
                         " over the parent cells, within " + size_text(ctx.setup.memory_per_rank) +
                         " per rank (" + ctx.setup.memory_source + ")\n");
      for (const auto& line : work.passes.lines) ctx.observers.note("[memory] " + line + "\n");
    }
    work.spill = spill_for_passes(ctx, indexed);
    indexed.mine.points = {};
    indexed.mine.readers.clear();  // each pass reads only some of them
    return work;
  }
  if (comm.is_root() && !work.passes.lines.empty()) {  // one pass, above some rank's budget
    for (const auto& line : work.passes.lines) ctx.observers.note("[memory] " + line + "\n");
  } else if (const auto line = one_pass_line(ctx, work.plan, memory, windows);
             comm.is_root() && !line.empty()) {
    ctx.observers.note(line);
  }
  // Points of skipped granules were dropped by the index pass on the rank that read them.
  work.readers = std::move(indexed.mine.readers);
  run_on_every_rank(comm, [&] {
    if (ctx.config().time_windows.active())  // each window's points on their own
      work.windows = exchange_windows(comm, std::move(indexed.mine), work.ranks, ctx.grid(),
                                      ctx.config().time_windows);
    else
      work.points = exchange_points(comm, std::move(indexed.mine.points), indexed.mine.loads,
                                    work.ranks, ctx.grid());
  });
  return work;
}

}  // namespace healgrid
