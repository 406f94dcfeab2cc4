#include "healgrid/plan/pass_plan.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "healgrid/util/require.hpp"

namespace healgrid {
namespace {

std::string size_text(double bytes) {
  char text[32];
  if (bytes >= 1e9)
    std::snprintf(text, sizeof text, "%.2f GB", bytes / 1e9);
  else
    std::snprintf(text, sizeof text, "%.0f MB", bytes / 1e6);
  return text;
}

// Rank plans of [b, e) of `loads`.
RankPlan range_plan(const std::vector<ParentLoad>& loads, std::size_t b, std::size_t e) {
  RankPlan p;
  if (b == e) return p;
  p.first_parent = loads[b].parent;
  p.last_parent = loads[e - 1].parent;
  p.planned_parents = static_cast<std::int64_t>(e - b);
  for (auto i = b; i < e; ++i) p.planned_points += loads[i].points;
  return p;
}

// The fewest passes over `loads` (one rank's parents) of at most `max_points` each; a parent
// above it alone gets a pass of its own (it cannot be split: all its points meet in one place).
std::vector<RankPlan> split_rank(const std::vector<ParentLoad>& loads, double max_points) {
  double total = 0;
  for (const auto& l : loads) total += static_cast<double>(l.points);
  auto count =
      static_cast<std::size_t>(std::max(1.0, std::ceil(total / std::max(1.0, max_points))));
  for (count = std::min(count, loads.size());; ++count) {
    const auto ranges = partition_parents(loads, static_cast<int>(count));
    std::vector<RankPlan> passes;
    bool fits = true;
    for (const auto& [b, e] : ranges) {
      passes.push_back(range_plan(loads, b, e));
      fits =
          fits && (e - b <= 1 || static_cast<double>(passes.back().planned_points) <= max_points);
    }
    if (fits || count >= loads.size()) return passes;
  }
}

}  // namespace

double held_bytes_per_point(const PipelineConfig& config) {
  return 16.0 + 4.0 + 8.0 * static_cast<double>(config.variables.size()) + 4.0;
}

PassPlan plan_passes(const WorkPlan& plan, const std::vector<double>& budget_bytes,
                     double bytes_per_point, bool index_overflowed) {
  HEALGRID_REQUIRE(budget_bytes.size() == plan.ranks.size(), "one budget per rank");
  PassPlan out;
  out.reindex = index_overflowed;
  std::vector<std::vector<RankPlan>> per_rank(plan.ranks.size());
  std::size_t passes = 1;
  std::size_t begin = 0;
  for (std::size_t r = 0; r < plan.ranks.size(); ++r) {
    const auto& rank = plan.ranks[r];
    std::size_t end = begin;
    while (end < plan.loads.size() && !rank.empty() && plan.loads[end].parent <= rank.last_parent)
      ++end;
    const double need = static_cast<double>(rank.planned_points) * bytes_per_point;
    if (rank.empty() || need <= budget_bytes[r]) {
      per_rank[r] = {rank};
    } else {
      const std::vector<ParentLoad> mine(plan.loads.begin() + static_cast<std::ptrdiff_t>(begin),
                                         plan.loads.begin() + static_cast<std::ptrdiff_t>(end));
      per_rank[r] = split_rank(mine, std::max(0.0, budget_bytes[r]) / bytes_per_point);
      out.lines.push_back("rank " + std::to_string(r) + ": " + std::to_string(per_rank[r].size()) +
                          " passes, " + size_text(need) + " of points (" +
                          std::to_string(rank.planned_points) + " x " +
                          std::to_string(static_cast<int>(bytes_per_point)) + " bytes) against " +
                          size_text(std::max(0.0, budget_bytes[r])));
    }
    passes = std::max(passes, per_rank[r].size());
    begin = end;
  }
  out.passes.assign(passes, std::vector<RankPlan>(plan.ranks.size()));
  for (std::size_t r = 0; r < per_rank.size(); ++r)
    for (std::size_t k = 0; k < per_rank[r].size(); ++k) out.passes[k][r] = per_rank[r][k];
  out.reindex = out.reindex || passes > 1;
  if (index_overflowed)
    out.lines.insert(out.lines.begin(),
                     "the index pass held more points than the budget on some rank: "
                     "coordinates are read again in each pass");
  return out;
}

std::vector<std::pair<std::int64_t, std::int64_t>> pass_parent_ranges(
    const std::vector<RankPlan>& pass) {
  std::vector<std::pair<std::int64_t, std::int64_t>> ranges;
  for (const auto& r : pass)
    if (!r.empty()) ranges.emplace_back(r.first_parent, r.last_parent);
  std::sort(ranges.begin(), ranges.end());
  return ranges;
}

}  // namespace healgrid
