// Phase 3, plan (rank 0, broadcast) and the point exchange (all ranks): the granules' status
// under --on-bad-granule, the parent ranges of the ranks, and every point moved to its owner.
#include <algorithm>
#include <cstdio>

#include "healgrid/pipeline/collective_step.hpp"
#include "healgrid/pipeline/phases.hpp"
#include "healgrid/plan/output_estimate.hpp"

namespace healgrid {
namespace {

// Rank 0: each granule's provenance status; the errors of bad granules under "fail".
std::vector<std::string> granule_status(const std::vector<GranuleIssue>& issues,
                                        std::size_t granules, BadGranulePolicy policy,
                                        std::vector<std::string>& errors) {
  std::vector<std::string> status(granules, "used");
  for (const auto& issue : issues) {
    const auto g = static_cast<std::size_t>(issue.granule);
    if (issue.reason.empty()) {
      status.at(g) = "empty: none of the configured beam groups";
    } else if (policy == BadGranulePolicy::fail) {
      errors.push_back(issue.reason + " (use --on-bad-granule skip to leave bad granules out)");
    } else {
      status.at(g) = "skipped: " + issue.reason;
      std::fprintf(stderr, "healgrid run: warning: skipping granule %s\n", issue.reason.c_str());
    }
  }
  return status;
}

// Every rank: the planned loads of its own parent range, to size the aggregator's buckets.
std::vector<ParentLoad> loads_of(const Communicator& comm, const std::vector<ParentLoad>& planned,
                                 const RankPlan& mine) {
  std::vector<std::int64_t> words;
  for (const auto& l : planned) words.insert(words.end(), {l.parent, l.points});
  comm.bcast(words);
  std::vector<ParentLoad> loads;
  for (std::size_t i = 0; i + 1 < words.size(); i += 2)
    if (words[i] >= mine.first_parent && words[i] <= mine.last_parent)
      loads.push_back({words[i], words[i + 1]});
  return loads;
}

}  // namespace

PlannedWork plan_phase(RunContext& ctx, const ResolvedInputs& inputs, IndexedPoints indexed) {
  const auto& comm = ctx.comm;
  PlannedWork work;
  std::vector<std::int64_t> plan_words;
  run_on_root(comm, [&] {
    std::vector<std::string> errors;
    work.granule_status =
        granule_status(indexed.issues, inputs.granules.size(), ctx.options.on_bad_granule, errors);
    work.plan = make_plan(std::move(indexed.loads), comm.size);
    if (errors.empty() && work.plan.loads.empty())
      errors.push_back(
          "no valid points in any granule: nothing to grid (check the filters and the inputs)");
    std::int64_t busiest = 0;  // the most parent cells any rank writes
    for (const auto& r : work.plan.ranks) busiest = std::max(busiest, r.planned_parents);
    const auto estimate =
        estimate_output(ctx.config(), static_cast<std::int64_t>(work.plan.loads.size()), busiest);
    if (const auto problem = output_memory_problem(estimate, ctx.setup.memory_per_rank);
        !problem.empty())
      errors.push_back(problem);
    if (!errors.empty()) throw RunFailure(kExitFailure, errors);
    plan_words = serialize(work.plan.ranks);
  });
  comm.bcast(work.granule_status);
  for (const auto& s : work.granule_status)
    ctx.figures.granules_skipped += s.rfind("skipped", 0) == 0;
  // Every rank learns every rank's parent range (to route points), then its own points.
  comm.bcast(plan_words);
  work.ranks = deserialize_ranks(plan_words);
  work.my_loads = loads_of(comm, work.plan.loads, work.mine(comm));
  if (comm.is_root()) {
    ctx.figures.planned_parents = static_cast<long long>(work.plan.loads.size());
    for (const auto& l : work.plan.loads) ctx.figures.planned_points += l.points;
  }
  // Points of skipped granules were dropped by the index pass on the rank that read them.
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
