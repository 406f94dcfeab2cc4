#include "healgrid/plan/pass_plan.hpp"

#include <algorithm>

#include "healgrid/grid/healpix_grid.hpp"
#include "healgrid/plan/memory_budget.hpp"
#include "healgrid/util/require.hpp"
#include "healgrid/util/text.hpp"

namespace healgrid {
namespace {

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

// Passes over `loads` (one rank's parents) cut greedily, each reaching as far as it holds at
// most `cap` bytes; a parent above it alone gets a pass of its own (it cannot be split: all its
// points meet in one place). Cut by bytes, not into equal points: a pass holding a large parent
// holds fewer points (its rounds are wider), the others more. A pass's bytes need not grow with
// its points (one more round can narrow the largest), so each pass looks on past a parent that
// does not fit, until its binned points alone exceed the cap.
// REQUIRES: memory.bytes.indexed > 0 (else every pass looks to the end).
std::vector<std::pair<std::size_t, std::size_t>> cut_by_bytes(const std::vector<ParentLoad>& loads,
                                                              const PassMemory& memory,
                                                              double cap) {
  HEALGRID_REQUIRE(memory.bytes.indexed > 0, "a binned point takes bytes");
  std::vector<std::pair<std::size_t, std::size_t>> ranges;
  for (std::size_t begin = 0; begin < loads.size();) {
    std::size_t end = begin + 1;
    std::int64_t points = 0, largest = 0;
    for (std::size_t i = begin; i < loads.size(); ++i) {
      points += loads[i].points;
      largest = std::max(largest, loads[i].points);
      if (memory.bytes.indexed * static_cast<double>(points) > cap) break;
      if (memory.pass_bytes(points, largest) <= cap) end = i + 1;
    }
    ranges.emplace_back(begin, end);
    begin = end;
  }
  return ranges;
}

// Few passes within `budget` (cut_by_bytes), then evened out: the smallest cap that still cuts
// no more passes, so no pass is fuller than it must be.
std::vector<RankPlan> split_rank(const std::vector<ParentLoad>& loads, const PassMemory& memory,
                                 double budget) {
  auto ranges = cut_by_bytes(loads, memory, budget);
  double low = 0, high = budget;
  for (int step = 0; step < 40 && ranges.size() > 1; ++step) {
    const double cap = (low + high) / 2;
    auto cut = cut_by_bytes(loads, memory, cap);
    if (cut.size() <= ranges.size()) {
      high = cap;
      ranges = std::move(cut);
    } else {
      low = cap;
    }
  }
  std::vector<RankPlan> passes;
  for (const auto& [b, e] : ranges) passes.push_back(range_plan(loads, b, e));
  return passes;
}

}  // namespace

PointBytes point_bytes(const PipelineConfig& config) {
  // The point with its headers' share: the cells' high bits change every 4^8 children, so on
  // fine grids along a track (plan/point_parts.hpp).
  const int order = config.grid.child_order;
  const double point = order > 22 ? 12.0 : order > 14 ? 6.0 : 4.5;
  // The aggregator's child offset (64-bit where a parent has more children than 32 bits hold).
  const double offset = wide_child_offsets(config.grid.parent_order, order) ? 8.0 : 4.0;
  // The values: floats while every value is exactly a float, doubles otherwise; a round that
  // widens holds both (the floats it had stay in the round's buffer): 4 + 8 per variable.
  const double values = 12.0 * static_cast<double>(config.variables.size());
  return {point, 2 * point, offset + values + 4.0};
}

double held_bytes_per_point(const PipelineConfig& config) {
  const auto b = point_bytes(config);
  return b.indexed + b.aggregated;
}

std::int64_t PassMemory::largest_round(std::int64_t points, std::int64_t largest) const {
  const std::int64_t n = std::max<std::int64_t>(1, rounds(points));
  return std::min(points, (points + n - 1) / n + largest);
}

double PassMemory::pass_bytes(std::int64_t points, std::int64_t largest) const {
  return static_cast<double>(points) * bytes.indexed +
         static_cast<double>(largest_round(points, largest)) * bytes.aggregated;
}

std::string PassMemory::describe(std::int64_t points, std::int64_t largest) const {
  std::string text = std::to_string(points) + " x " + number_text(bytes.indexed) + " bytes";
  if (bytes.aggregated > 0)
    text += " and a round of at most " + std::to_string(largest_round(points, largest)) + " x " +
            number_text(bytes.aggregated) + " bytes";
  return text;
}

namespace {

// "" when every pass of a rank fits `budget`, else what exceeds it: passes of one parent cell
// (its points meet in one place: it cannot be split; passes of several fit by construction).
std::string over_budget(const std::vector<RankPlan>& passes, const PassMemory& memory,
                        double budget) {
  for (const auto& p : passes) {
    const double held = memory.pass_bytes(p.planned_points, p.planned_points);
    if (p.planned_parents == 1 && held > budget)
      return "; parent cell " + std::to_string(p.first_parent) + " alone holds " +
             std::to_string(p.planned_points) + " points (" + size_text(held) +
             "), more than the budget: its pass runs above it (a finer --parent-order splits "
             "it)";
  }
  return "";
}

// Every rank's passes when each may fill `scale` of its budget per pass; `lines`: why, per
// rank that needs passes.
std::vector<std::vector<RankPlan>> split_ranks(const WorkPlan& plan,
                                               const std::vector<double>& budget_bytes,
                                               const PassMemory& memory, double scale,
                                               std::vector<std::string>& lines) {
  std::vector<std::vector<RankPlan>> per_rank(plan.ranks.size());
  std::size_t begin = 0;
  for (std::size_t r = 0; r < plan.ranks.size(); ++r) {
    const auto& rank = plan.ranks[r];
    std::size_t end = begin;
    while (end < plan.loads.size() && !rank.empty() && plan.loads[end].parent <= rank.last_parent)
      ++end;
    const auto largest = largest_load(plan.loads, rank);
    const double need = memory.pass_bytes(rank.planned_points, largest);
    const double budget = std::max(0.0, budget_bytes[r]);
    if (rank.empty() || need <= budget * scale) {
      per_rank[r] = {rank};
    } else {
      const std::vector<ParentLoad> mine(plan.loads.begin() + static_cast<std::ptrdiff_t>(begin),
                                         plan.loads.begin() + static_cast<std::ptrdiff_t>(end));
      per_rank[r] = split_rank(mine, memory, budget * scale);
      const auto n = per_rank[r].size();
      lines.push_back("rank " + std::to_string(r) + ": " + std::to_string(n) +
                      (n == 1 ? " pass, " : " passes, ") + size_text(need) + " of points (" +
                      memory.describe(rank.planned_points, largest) + ") against " +
                      size_text(budget) + " left for points" +
                      over_budget(per_rank[r], memory, budget));
    }
    begin = end;
  }
  return per_rank;
}

// Points of `loads` (sorted by parent) inside the sorted, disjoint `ranges`.
std::int64_t points_in(const std::vector<ParentLoad>& loads,
                       const std::vector<std::pair<std::int64_t, std::int64_t>>& ranges) {
  std::int64_t n = 0;
  std::size_t i = 0;
  for (const auto& [first, last] : ranges) {
    while (i < loads.size() && loads[i].parent < first) ++i;
    for (; i < loads.size() && loads[i].parent <= last; ++i) n += loads[i].points;
  }
  return n;
}

// The first (pass, rank) whose index and exchange exceed the rank's budget, as a line; "" if
// none. A rank holds its granules' points of the pass at `held_bytes` each (with the copies of
// those it sends) and receives the others of its own parents once, into arrays of
// `received_bytes` each (plan/point_exchange.hpp). Each run received comes with 24 bytes of
// headers, within the binned bytes' header share (0.5 of 4.5) while runs average 48 points or
// more: a run is a track's stretch inside one rank's parent range, thousands of points at the
// default orders, and a part of points scattered over the sky is copied out, one run per
// destination.
std::string index_overrun(const std::vector<std::vector<RankPlan>>& passes,
                          const std::vector<double>& budget_bytes,
                          const std::vector<std::vector<ParentLoad>>& indexed, double held_bytes,
                          double received_bytes) {
  for (std::size_t k = 0; k < passes.size(); ++k) {
    const auto ranges = pass_parent_ranges(passes[k]);
    for (std::size_t r = 0; r < indexed.size(); ++r) {
      const double budget = std::max(0.0, budget_bytes[r]);
      const auto held = points_in(indexed[r], ranges);
      const auto& own = passes[k][r];
      const auto kept =
          own.empty() ? 0 : points_in(indexed[r], {{own.first_parent, own.last_parent}});
      const auto received = std::max<std::int64_t>(0, own.planned_points - kept);
      const double bytes =
          held_bytes * static_cast<double>(held) + received_bytes * static_cast<double>(received);
      if (bytes > budget)
        return "rank " + std::to_string(r) + "'s granules hold " + std::to_string(held) +
               " points of pass " + std::to_string(k + 1) + "'s parents, " + size_text(bytes) +
               " with the points it receives, against " + size_text(budget);
    }
  }
  return "";
}

// One pass that keeps its first index: the parts keep the slots of the points sent away through
// the reads (plan/point_exchange.hpp compacts in place), so a rank holds its granules' points
// and those it receives, binned, beside its largest round. The first rank over its budget, as
// a line; "" if none.
std::string kept_index_overrun(const WorkPlan& plan, const std::vector<RankPlan>& pass,
                               const std::vector<double>& budget_bytes,
                               const std::vector<std::vector<ParentLoad>>& indexed,
                               const PassMemory& memory) {
  for (std::size_t r = 0; r < indexed.size(); ++r) {
    const auto& own = pass[r];
    if (own.planned_parents <= 1) continue;  // cannot be cut (over_budget says if it is over)
    std::int64_t held = 0;  // every point of its granules: one pass holds every parent
    for (const auto& l : indexed[r]) held += l.points;
    const auto kept = points_in(indexed[r], {{own.first_parent, own.last_parent}});
    const auto received = std::max<std::int64_t>(0, own.planned_points - kept);
    // Its pass (the points it owns and its largest round) and the slots of those it sent.
    const double through_reads =
        memory.pass_bytes(own.planned_points, largest_load(plan.loads, own)) +
        memory.bytes.indexed * static_cast<double>(held + received - own.planned_points);
    const double budget = std::max(0.0, budget_bytes[r]);
    if (through_reads > budget)
      return "rank " + std::to_string(r) + " keeps its granules' " + std::to_string(held) +
             " points and receives " + std::to_string(received) + " in one pass, " +
             size_text(through_reads) + " with its largest round, against " + size_text(budget);
  }
  return "";
}

std::vector<std::vector<RankPlan>> by_pass(const std::vector<std::vector<RankPlan>>& per_rank) {
  std::size_t passes = 1;
  for (const auto& p : per_rank) passes = std::max(passes, p.size());
  std::vector<std::vector<RankPlan>> out(passes, std::vector<RankPlan>(per_rank.size()));
  for (std::size_t r = 0; r < per_rank.size(); ++r)
    for (std::size_t k = 0; k < per_rank[r].size(); ++k) out[k][r] = per_rank[r][k];
  return out;
}

// Every rank's passes when each may fill `scale` of its budget, and what of them overruns a
// rank's budget in a pass's index.
struct Cut {
  std::vector<std::vector<RankPlan>> passes;  // [pass][rank]
  std::vector<std::string> lines;             // why, per rank that needs passes
  std::string overrun;                        // "" when every pass's index fits
  bool finer_possible = false;                // some rank's pass holds several parents
};

Cut cut_at(const WorkPlan& plan, const std::vector<double>& budget_bytes, const PassMemory& memory,
           bool index_overflowed, const std::vector<std::vector<ParentLoad>>& indexed,
           double scale) {
  Cut cut;
  const auto per_rank = split_ranks(plan, budget_bytes, memory, scale, cut.lines);
  cut.passes = by_pass(per_rank);
  // Until the exchange a pass's index holds its points binned, and with several ranks a copy of
  // those sent away; one rank keeps them where they lie (plan/point_exchange.hpp).
  cut.overrun = index_overrun(cut.passes, budget_bytes, indexed,
                              memory.bytes.until_exchange(plan.ranks.size()), memory.bytes.indexed);
  if (cut.overrun.empty() && !index_overflowed && cut.passes.size() == 1 && !plan.loads.empty())
    cut.overrun = kept_index_overrun(plan, cut.passes.front(), budget_bytes, indexed, memory);
  for (std::size_t r = 0; r < per_rank.size(); ++r)
    cut.finer_possible = cut.finer_possible || static_cast<std::int64_t>(per_rank[r].size()) <
                                                   plan.ranks[r].planned_parents;
  return cut;
}

}  // namespace

PassPlan plan_passes(const WorkPlan& plan, const std::vector<double>& budget_bytes,
                     const PassMemory& memory, bool index_overflowed,
                     const std::vector<std::vector<ParentLoad>>& indexed) {
  HEALGRID_REQUIRE(budget_bytes.size() == plan.ranks.size(), "one budget per rank");
  HEALGRID_REQUIRE(indexed.empty() || indexed.size() == plan.ranks.size(),
                   "one load list per rank");
  const auto at = [&](double scale) {
    return cut_at(plan, budget_bytes, memory, index_overflowed, indexed, scale);
  };
  // Every pass's index, the first one's kept points included (its cap bounds only the points
  // of the rank's own granules, not those it receives): cut the passes finer until it fits
  // (0.8^60: a millionth of the budget per pass), then back up towards the last scale that
  // overran, so the passes are no finer than the index needs.
  double scale = 1.0, over = 1.0;
  Cut cut = at(scale);
  for (int tries = 0; !cut.overrun.empty() && cut.finer_possible && tries < 60; ++tries) {
    over = scale;
    scale *= 0.8;
    cut = at(scale);
  }
  for (int step = 0; step < 8 && cut.overrun.empty() && scale < 1.0; ++step) {
    const double middle = (scale + over) / 2;
    auto wider = at(middle);
    if (wider.overrun.empty()) {
      scale = middle;
      cut = std::move(wider);
    } else {
      over = middle;
    }
  }
  PassPlan out;
  out.passes = std::move(cut.passes);
  out.lines = std::move(cut.lines);
  out.reindex = index_overflowed || out.passes.size() > 1;
  const double indexed_bytes = memory.bytes.until_exchange(plan.ranks.size());
  // Said also when even the finest passes overrun: it is why the passes are that many.
  if (scale < 1.0)
    out.lines.push_back(
        "passes cut finer than the points owned need: a pass's index holds the points of the "
        "rank's own granules until the exchange, through the reads in one pass (" +
        (plan.ranks.size() == 1
             ? number_text(indexed_bytes) + " bytes each)"
             : "up to " + number_text(indexed_bytes) + " bytes each: the point and its copy)"));
  if (!cut.overrun.empty())
    out.lines.push_back("warning: " + cut.overrun + " (no finer passes are possible)");
  if (index_overflowed)
    out.lines.insert(out.lines.begin(),
                     "the index pass held more points than the budget on some rank");
  return out;
}

std::int64_t largest_load(const std::vector<ParentLoad>& loads, const RankPlan& range) {
  if (range.empty()) return 0;
  const auto by_parent = [](const ParentLoad& l, std::int64_t p) { return l.parent < p; };
  const auto b = std::lower_bound(loads.begin(), loads.end(), range.first_parent, by_parent);
  std::int64_t largest = 0;
  for (auto it = b; it != loads.end() && it->parent <= range.last_parent; ++it)
    largest = std::max(largest, it->points);
  return largest;
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
