#include "healgrid/plan/work_plan.hpp"

#include <algorithm>
#include <cmath>

#include "healgrid/util/require.hpp"

namespace healgrid {

std::vector<ParentLoad> merge_loads(std::vector<ParentLoad> loads) {
  std::sort(loads.begin(), loads.end(),
            [](const ParentLoad& a, const ParentLoad& b) { return a.parent < b.parent; });
  std::vector<ParentLoad> out;
  for (const auto& l : loads) {
    if (!out.empty() && out.back().parent == l.parent) {
      out.back().points += l.points;
      out.back().cell_runs += l.cell_runs;
    } else {
      out.push_back(l);
    }
  }
  out.erase(
      std::remove_if(out.begin(), out.end(), [](const ParentLoad& l) { return l.points <= 0; }),
      out.end());
  return out;
}

std::vector<std::pair<std::size_t, std::size_t>> partition_parents(
    const std::vector<ParentLoad>& loads, int ranks) {
  HEALGRID_REQUIRE(ranks >= 1, "at least one rank");
  HEALGRID_REQUIRE(
      std::is_sorted(loads.begin(), loads.end(),
                     [](const ParentLoad& a, const ParentLoad& b) { return a.parent < b.parent; }),
      "loads sorted by parent (merge_loads)");
  std::vector<std::pair<std::size_t, std::size_t>> out;
  double total = 0;
  for (const auto& l : loads) total += static_cast<double>(l.points);
  std::size_t begin = 0;
  double cumulative = 0;
  for (int r = 0; r < ranks; ++r) {
    std::size_t end = begin;
    if (r == ranks - 1) {
      end = loads.size();
    } else {
      // Extend while adding the next parent brings the running sum closer to the target;
      // leave at least one parent for every later rank when there are enough.
      const double target = total * (r + 1) / ranks;
      const std::size_t reserve = static_cast<std::size_t>(ranks - 1 - r);
      while (end < loads.size() && (end == begin || loads.size() - end > reserve)) {
        const double next = cumulative + static_cast<double>(loads[end].points);
        if (end > begin && std::fabs(next - target) >= std::fabs(cumulative - target)) break;
        cumulative = next;
        ++end;
      }
    }
    out.emplace_back(begin, end);
    begin = end;
  }
  return out;
}

WorkPlan make_plan(std::vector<ParentLoad> loads, int ranks) {
  WorkPlan plan;
  plan.loads = merge_loads(std::move(loads));
  const auto ranges = partition_parents(plan.loads, ranks);
  plan.ranks.resize(ranks);
  for (int r = 0; r < ranks; ++r) {
    auto& rp = plan.ranks[r];
    const auto [b, e] = ranges[r];
    if (b == e) continue;
    rp.first_parent = plan.loads[b].parent;
    rp.last_parent = plan.loads[e - 1].parent;
    rp.planned_parents = static_cast<std::int64_t>(e - b);
    for (auto i = b; i < e; ++i) rp.planned_points += plan.loads[i].points;
  }
  return plan;
}

std::vector<std::int64_t> serialize(const std::vector<RankPlan>& ranks) {
  std::vector<std::int64_t> w;
  for (const auto& r : ranks)
    w.insert(w.end(), {r.first_parent, r.last_parent, r.planned_parents, r.planned_points});
  return w;
}

std::vector<RankPlan> deserialize_ranks(const std::vector<std::int64_t>& w) {
  HEALGRID_REQUIRE(w.size() % 4 == 0, "4 words per rank, as serialize() writes them");
  std::vector<RankPlan> out;
  for (std::size_t i = 0; i + 4 <= w.size(); i += 4)
    out.push_back({w[i], w[i + 1], w[i + 2], w[i + 3]});
  return out;
}

}  // namespace healgrid
