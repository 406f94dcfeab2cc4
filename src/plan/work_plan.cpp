#include "healgrid/plan/work_plan.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <map>
#include <tuple>

namespace healgrid {

void pack(const IndexEntry& e, std::vector<std::int64_t>& out) {
  out.insert(out.end(), {e.granule, e.group, e.parent, e.points, e.row_lo, e.row_hi});
}

std::vector<IndexEntry> unpack_entries(const std::vector<std::int64_t>& w) {
  std::vector<IndexEntry> out;
  for (std::size_t i = 0; i + kIndexEntryWords <= w.size(); i += kIndexEntryWords)
    out.push_back({w[i], w[i + 1], w[i + 2], w[i + 3], w[i + 4], w[i + 5]});
  return out;
}

std::vector<std::pair<std::size_t, std::size_t>> partition_parents(
    const std::vector<ParentLoad>& loads, int ranks) {
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

std::vector<std::int64_t> RankPlan::serialize() const {
  std::vector<std::int64_t> w = {first_parent, last_parent, planned_parents, planned_points};
  for (const auto& t : reads) w.insert(w.end(), {t.granule, t.group, t.row_lo, t.row_hi});
  return w;
}

RankPlan RankPlan::deserialize(const std::vector<std::int64_t>& w) {
  RankPlan p;
  if (w.size() < 4) return p;
  p.first_parent = w[0];
  p.last_parent = w[1];
  p.planned_parents = w[2];
  p.planned_points = w[3];
  for (std::size_t i = 4; i + 4 <= w.size(); i += 4)
    p.reads.push_back({w[i], w[i + 1], w[i + 2], w[i + 3]});
  return p;
}

WorkPlan make_plan(const std::vector<IndexEntry>& entries, int ranks) {
  WorkPlan plan;
  std::map<std::int64_t, std::int64_t> per_parent;
  for (const auto& e : entries) per_parent[e.parent] += e.points;
  for (const auto& [parent, points] : per_parent)
    if (points > 0) plan.loads.push_back({parent, points});

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
  // Each rank reads, per granule beam, the union of the row ranges of its parents.
  std::vector<std::map<std::pair<std::int64_t, std::int64_t>, std::pair<std::int64_t, std::int64_t>>>
      rows(ranks);
  std::vector<std::pair<std::int64_t, int>> starts;
  for (int r = 0; r < ranks; ++r)
    if (plan.ranks[r].last_parent >= plan.ranks[r].first_parent)
      starts.emplace_back(plan.ranks[r].first_parent, r);
  for (const auto& e : entries) {
    if (e.points <= 0) continue;
    // Non-empty ranges are sorted and disjoint: the last one starting at or before the parent.
    auto it = std::upper_bound(starts.begin(), starts.end(), e.parent,
                               [](std::int64_t p, const std::pair<std::int64_t, int>& s) {
                                 return p < s.first;
                               });
    if (it == starts.begin()) continue;
    const int r = std::prev(it)->second;
    if (e.parent > plan.ranks[r].last_parent) continue;
    auto key = std::make_pair(e.granule, e.group);
    auto found = rows[r].find(key);
    if (found == rows[r].end()) {
      rows[r][key] = {e.row_lo, e.row_hi};
    } else {
      found->second.first = std::min(found->second.first, e.row_lo);
      found->second.second = std::max(found->second.second, e.row_hi);
    }
  }
  for (int r = 0; r < ranks; ++r)
    for (const auto& [key, range] : rows[r])
      plan.ranks[r].reads.push_back({key.first, key.second, range.first, range.second});
  return plan;
}

}  // namespace healgrid
