// Phase 2, index (all ranks): each rank bins the points of its share of the granules
// (pipeline/index_pass.hpp); rank 0 gathers the loads and the granules that could not be used.
#include <cstdio>

#include "healgrid/pipeline/catalog_inputs.hpp"
#include "healgrid/pipeline/collective_step.hpp"
#include "healgrid/pipeline/phases.hpp"
#include "healgrid/pipeline/unit_agreement.hpp"
#include "healgrid/plan/pass_plan.hpp"
#include "healgrid/read/granule_reader.hpp"

namespace healgrid {
namespace {

// Rank 0: every rank's loads, each rank's on its own (the pass plan checks what a pass's index
// holds on the rank that reads the granules).
std::vector<std::vector<ParentLoad>> gather_loads(const Communicator& comm,
                                                  const std::vector<ParentLoad>& mine) {
  std::vector<std::int64_t> words;
  for (const auto& l : mine) words.insert(words.end(), {l.parent, l.points, l.cell_runs});
  const auto all = comm.gather(words);
  const auto counts = comm.gather(static_cast<long long>(mine.size()));
  std::vector<std::vector<ParentLoad>> loads(counts.size());
  std::size_t i = 0;
  for (std::size_t r = 0; r < counts.size(); ++r)
    for (long long k = 0; k < counts[r] && i + 2 < all.size(); ++k, i += 3)
      loads[r].push_back({all[i], all[i + 1], all[i + 2]});
  return loads;
}

std::vector<GranuleIssue> gather_issues(const Communicator& comm, const IndexResult& mine) {
  std::vector<std::int64_t> granules;
  std::vector<std::string> reasons;
  for (const auto& [g, why] : mine.failures) {
    granules.push_back(g);
    reasons.push_back(why);
  }
  for (const auto g : mine.beamless) {
    granules.push_back(g);
    reasons.emplace_back();
  }
  const auto all_granules = comm.gather(granules);
  const auto all_reasons = comm.gather(reasons);
  std::vector<GranuleIssue> issues;
  for (std::size_t i = 0; i < all_granules.size(); ++i)
    issues.push_back({all_granules[i], all_reasons[i]});
  return issues;
}

// A configured group found in no granule: a warning; no group in any readable granule: a
// config error (exit 2).
void check_groups(const RunContext& ctx, const IndexResult& mine, long long granules) {
  std::vector<long long> found = mine.group_beams;
  found.push_back(static_cast<long long>(mine.failures.size()));  // unreadable granules
  ctx.comm.sum_in_place(found);
  const auto coverage =
      check_group_coverage(ctx.config(), found, granules - found.back(), found.back());
  run_on_root(ctx.comm, [&] {
    for (const auto& w : coverage.warnings)
      std::fprintf(stderr, "healgrid run: warning: %s\n", w.c_str());
    if (!coverage.error.empty()) throw ConfigError(coverage.error);
  });
}

// The granules must agree on the units of each configured dataset (unit_agreement.hpp): rank 0
// compares every rank's, and all ranks fail together when they do not.
void check_units(RunContext& ctx, const IndexResult& mine, const std::vector<Granule>& granules) {
  std::vector<std::int64_t> ids;
  std::vector<std::string> flat;
  const auto keys = unit_keys(ctx.config());
  for (const auto& [g, units] : mine.units) {
    ids.push_back(g);
    for (std::size_t k = 0; k < keys.size(); ++k) flat.push_back(k < units.size() ? units[k] : "");
  }
  const auto all_ids = ctx.comm.gather(ids);
  const auto all_units = ctx.comm.gather(flat);
  run_on_root(ctx.comm, [&] {
    std::vector<std::pair<std::int64_t, std::vector<std::string>>> units;
    for (std::size_t i = 0; i < all_ids.size(); ++i)
      units.emplace_back(all_ids[i],
                         std::vector<std::string>(all_units.begin() + i * keys.size(),
                                                  all_units.begin() + (i + 1) * keys.size()));
    std::vector<std::string> names;
    for (const auto& g : granules) names.push_back(g.name);
    const auto verdict = check_unit_agreement(keys, names, std::move(units));
    for (const auto& w : verdict.warnings)
      std::fprintf(stderr, "healgrid run: warning: %s\n", w.c_str());
    if (!verdict.error.empty()) throw ConfigError(verdict.error);
    ctx.dataset_units = verdict.units;
  });
}

}  // namespace

PassIndexRows add_index_figures(RunContext& ctx, const IndexResult& mine) {
  PassIndexRows rows;
  rows.read = ctx.comm.sum_to_root(mine.rows_scanned);
  rows.in_beams = ctx.comm.sum_to_root(mine.rows_in_beams);
  ctx.figures.index_rows_read += rows.read;
  ctx.figures.index_rows_in_beams += rows.in_beams;
  ctx.figures.preselection_fallbacks += ctx.comm.sum_to_root(mine.preselection_fallbacks);
  return rows;
}

IndexedPoints index_phase(RunContext& ctx, const ResolvedInputs& inputs) {
  IndexedPoints out;
  run_on_every_rank(ctx.comm, [&] {
    // Bounded memory: a rank whose share exceeds its budget keeps counting only (passes). Until
    // the exchange a point costs its binned bytes, and with several ranks a copy to send
    // (plan/pass_plan.hpp); the plan then checks the pass (the points received, one round).
    IndexSelection select;
    const double per_point =
        point_bytes(ctx.config()).until_exchange(static_cast<std::size_t>(ctx.comm.size));
    select.max_points = static_cast<std::uint64_t>(ctx.setup.memory_per_rank / per_point);
    if (inputs.catalog.restrict_cells) select.planned = &inputs.catalog.planned_cells;
    // For the read loop: the granules of this rank are not opened again (time windows' read
    // loops take their granules afresh, window by window).
    if (!ctx.config().time_windows.active())
      select.park_bytes = parked_readers_budget(ctx.setup.memory_per_rank);
    // Points beyond the budget are spilled for the passes; time windows' points carry their
    // window keys, which the spill does not hold: their passes index again.
    if (!ctx.config().time_windows.active()) {
      const auto place = spill_place(ctx.options.scratch);
      out.spill = std::make_shared<PointSpill>(place.directory, place.why_off);
      select.spill = out.spill.get();
    }
    out.mine = add_seconds(ctx.figures.seconds.index_busy, [&] {
      return index_granules(ctx.comm, inputs.granules, ctx.config(), ctx.grid(), select);
    });
    restrict_to_planned_cells(out.mine, ctx.grid(), inputs.catalog);  // a catalog's cells only
  });
  check_groups(ctx, out.mine, static_cast<long long>(inputs.granules.size()));
  out.loads_by_rank = gather_loads(ctx.comm, out.mine.loads);
  out.issues = gather_issues(ctx.comm, out.mine);
  check_units(ctx, out.mine, inputs.granules);
  ctx.figures.rows_scanned = add_index_figures(ctx, out.mine).read;
  ctx.figures.rows_without_position = ctx.comm.sum_to_root(out.mine.rows_without_position);
  return out;
}

}  // namespace healgrid
