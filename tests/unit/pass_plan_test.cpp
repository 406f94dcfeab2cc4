// Bounded memory: the passes chosen for a budget, and the --memory-per-rank sizes.
#include "healgrid/plan/pass_plan.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <stdexcept>

#include "healgrid/app/run_options.hpp"
#include "healgrid/plan/memory_budget.hpp"

namespace healgrid {
namespace {

// The budgets of the index checks below are cut to 12 bytes a point until the exchange.
constexpr double kExchanged = 12.0;

// Every point at `bytes` for the whole pass, none in a round of its own.
PassMemory flat(double bytes) {
  PassMemory m;
  m.bytes = {bytes, kExchanged, 0};
  return m;
}

WorkPlan plan_of(const std::vector<std::int64_t>& points, int ranks) {
  std::vector<ParentLoad> loads;
  for (std::size_t i = 0; i < points.size(); ++i)
    loads.push_back({static_cast<std::int64_t>(100 + 7 * i), points[i]});
  return make_plan(loads, ranks);
}

// Every rank's passes cover its range exactly, in order, without gaps or overlaps.
void expect_cover(const WorkPlan& plan, const PassPlan& passes) {
  for (std::size_t r = 0; r < plan.ranks.size(); ++r) {
    std::int64_t points = 0, parents = 0, next_parent = plan.ranks[r].first_parent;
    for (const auto& pass : passes.passes) {
      const auto& p = pass.at(r);
      if (p.empty()) continue;
      EXPECT_EQ(p.first_parent, next_parent) << "rank " << r;
      points += p.planned_points;
      parents += p.planned_parents;
      // The next pass starts at the parent after this pass's last (loads 7 apart).
      next_parent = p.last_parent + 7;
    }
    EXPECT_EQ(points, plan.ranks[r].planned_points) << "rank " << r;
    EXPECT_EQ(parents, plan.ranks[r].planned_parents) << "rank " << r;
  }
}

TEST(PassPlan, FitsInOnePassWhenTheBudgetHoldsThePoints) {
  const auto plan = plan_of({10, 20, 30, 40}, 2);
  const auto passes = plan_passes(plan, {1e6, 1e6}, flat(32), false);
  EXPECT_TRUE(passes.single());
  ASSERT_EQ(passes.passes.size(), 1u);
  EXPECT_EQ(passes.passes[0][1].planned_points, plan.ranks[1].planned_points);
  EXPECT_TRUE(passes.lines.empty());
}

TEST(PassPlan, ThreePassesOfAtMostTheBudget) {
  // One rank, 12 parents of 100 points at 10 bytes each: 12 000 bytes against 4 500 bytes
  // -> at most 450 points per pass: ceil(1200 / 450) = 3 passes of 400.
  const auto plan = plan_of(std::vector<std::int64_t>(12, 100), 1);
  const auto passes = plan_passes(plan, {4500}, flat(10), false);
  ASSERT_EQ(passes.passes.size(), 3u);
  EXPECT_TRUE(passes.reindex);
  for (const auto& pass : passes.passes) EXPECT_EQ(pass[0].planned_points, 400);
  expect_cover(plan, passes);
  ASSERT_EQ(passes.lines.size(), 1u);
  EXPECT_NE(passes.lines[0].find("rank 0: 3 passes"), std::string::npos) << passes.lines[0];
}

TEST(PassPlan, ThreePassesOfAtMostTheBudget_LineStatesTheSizesInReadableUnits) {
  const auto plan = plan_of(std::vector<std::int64_t>(12, 100), 1);
  const auto passes = plan_passes(plan, {4500}, flat(10), false);
  ASSERT_EQ(passes.lines.size(), 1u);
  // 12 000 bytes against 4 500: kB, not "0 MB against 0 MB"; every pass fits.
  EXPECT_NE(passes.lines[0].find("12 kB of points (1200 x 10 bytes) against 4 kB"),
            std::string::npos)
      << passes.lines[0];
  EXPECT_EQ(passes.lines[0].find("alone holds"), std::string::npos) << passes.lines[0];
}

TEST(PassPlan, AParentAboveTheBudgetGetsOnePassAndTheLineSaysSo) {
  // One parent of 600 points at 10 bytes (6 kB) against 2 kB: it cannot be split.
  const auto plan = plan_of({600}, 1);
  const auto passes = plan_passes(plan, {2000}, flat(10), false);
  ASSERT_EQ(passes.passes.size(), 1u);
  EXPECT_EQ(passes.passes[0][0].planned_points, 600);
  ASSERT_FALSE(passes.lines.empty());
  const auto& line = passes.lines[0];
  EXPECT_NE(line.find("rank 0: 1 pass, 6 kB of points"), std::string::npos) << line;
  EXPECT_NE(line.find("parent cell " + std::to_string(plan.loads[0].parent) +
                      " alone holds 600 points (6 kB), more than the budget"),
            std::string::npos)
      << line;
}

TEST(PassPlan, UnevenParentsTakeMorePassesThanTheQuotient) {
  // 250 + 250 + 250 points against 400: two passes cannot hold three parents of 250.
  const auto plan = plan_of({250, 250, 250}, 1);
  const auto passes = plan_passes(plan, {4000}, flat(10), false);
  ASSERT_EQ(passes.passes.size(), 3u);
  for (const auto& pass : passes.passes) EXPECT_LE(pass[0].planned_points, 400);
  expect_cover(plan, passes);
}

TEST(PassPlan, ARankWithFewerPassesIsEmptyInTheLaterOnes) {
  // Rank 0 holds 500 points within a large budget; rank 1 holds 600 against 200 per pass.
  const auto plan = plan_of({50, 50, 200, 200, 200, 200, 200}, 2);
  ASSERT_EQ(plan.ranks[0].planned_points, 500);
  ASSERT_EQ(plan.ranks[1].planned_points, 600);
  const auto passes = plan_passes(plan, {1e6, 2000}, flat(10), false);
  ASSERT_EQ(passes.passes.size(), 3u);
  EXPECT_EQ(passes.passes[0][0].planned_points, 500);
  for (std::size_t k = 1; k < 3; ++k) EXPECT_TRUE(passes.passes[k][0].empty());
  for (std::size_t k = 0; k < 3; ++k) EXPECT_EQ(passes.passes[k][1].planned_points, 200);
  expect_cover(plan, passes);
  const auto ranges = pass_parent_ranges(passes.passes[0]);
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_LT(ranges[0].second, ranges[1].first);
}

TEST(PassPlan, AParentAboveTheBudgetGetsAPassOfItsOwn) {
  const auto plan = plan_of({50, 900, 50}, 1);
  const auto passes = plan_passes(plan, {2000}, flat(10), false);  // 200 points per pass
  ASSERT_EQ(passes.passes.size(), 3u);
  EXPECT_EQ(passes.passes[1][0].planned_points, 900);
  expect_cover(plan, passes);
}

TEST(PassPlan, AnOverflowedIndexPassReindexesEvenInOnePass) {
  const auto plan = plan_of({10, 20}, 1);
  const auto passes = plan_passes(plan, {1e6}, flat(32), true);
  EXPECT_EQ(passes.passes.size(), 1u);
  EXPECT_TRUE(passes.reindex);
  EXPECT_FALSE(passes.single());
}

// What a pass's index and exchange hold on rank r: its granules' points of the pass's
// parents (with their copies, kExchanged bytes each), and the points it owns in the pass that
// other ranks' granules hold (received, `received_bytes` each: the binned bytes).
double index_bytes(const std::vector<RankPlan>& pass, const std::vector<ParentLoad>& indexed,
                   std::size_t r, double received_bytes) {
  std::int64_t held = 0, kept = 0;
  for (const auto& l : indexed) {
    bool in_pass = false;
    for (const auto& p : pass)
      in_pass = in_pass || (!p.empty() && l.parent >= p.first_parent && l.parent <= p.last_parent);
    held += in_pass ? l.points : 0;
    if (!pass[r].empty() && l.parent >= pass[r].first_parent && l.parent <= pass[r].last_parent)
      kept += l.points;
  }
  return kExchanged * static_cast<double>(held) +
         received_bytes * static_cast<double>(pass[r].planned_points - kept);
}

TEST(PassPlan, ARankWhoseGranulesHoldEveryPointGetsFinerPasses) {
  // 3 ranks own 400 points each (4 parents of 100) at 30 bytes against 6500: 2 passes of 200
  // each by the points owned. But rank 0's granules hold all 1200 points: a pass's index
  // holds 600 of them, 7200 bytes on rank 0. Finer passes (100 points per rank) fit.
  static_assert(kExchanged == 12.0, "the budgets below are cut to it");
  const auto plan = plan_of(std::vector<std::int64_t>(12, 100), 3);
  const std::vector<double> budgets = {6500, 6500, 6500};
  ASSERT_EQ(plan_passes(plan, budgets, flat(30), false).passes.size(), 2u);
  const std::vector<std::vector<ParentLoad>> indexed = {plan.loads, {}, {}};
  const auto passes = plan_passes(plan, budgets, flat(30), false, indexed);
  ASSERT_EQ(passes.passes.size(), 4u);
  expect_cover(plan, passes);
  for (const auto& pass : passes.passes)
    for (std::size_t r = 0; r < 3; ++r) {
      EXPECT_LE(index_bytes(pass, indexed[r], r, 30), budgets[r]) << "rank " << r;
      EXPECT_LE(pass[r].planned_points * 30, budgets[r]) << "rank " << r;
    }
  EXPECT_NE(passes.lines.back().find("cut finer"), std::string::npos) << passes.lines.back();
}

TEST(PassPlan, PointsReceivedCountWithThePointsIndexed) {
  // 2 ranks own 400 points each at 20 bytes against 4500: 2 passes of 200 by the points owned.
  // Each rank's granules hold the other rank's points: in a pass a rank holds 200 indexed (12
  // bytes each) and receives 200 (20 each), 6400 bytes: finer passes of 100 (3200 bytes).
  const auto plan = plan_of(std::vector<std::int64_t>(8, 100), 2);
  const std::vector<double> budgets = {4500, 4500};
  ASSERT_EQ(plan_passes(plan, budgets, flat(20), false).passes.size(), 2u);
  const std::vector<std::vector<ParentLoad>> indexed = {
      {plan.loads.begin() + 4, plan.loads.end()}, {plan.loads.begin(), plan.loads.begin() + 4}};
  const auto passes = plan_passes(plan, budgets, flat(20), false, indexed);
  ASSERT_EQ(passes.passes.size(), 4u);
  expect_cover(plan, passes);
  for (const auto& pass : passes.passes)
    for (std::size_t r = 0; r < 2; ++r) EXPECT_LE(index_bytes(pass, indexed[r], r, 20), budgets[r]);
}

TEST(PassPlan, PassesCutFinerAreNoFinerThanTheIndexNeeds) {
  // 2 ranks own 1000 parents of 1 point each at 1 byte against 2550: one pass each by the points
  // owned. Rank 0's granules hold every point: a pass's index holds both ranks' points with
  // their copies, 12 x (P + P) <= 2550: 10 passes of 100 points per rank fit (2400), 9 of up to
  // 112 do not (2688). Budgets cut in steps of 0.8 alone give 9 passes at 0.8^14 (112 points
  // of 2550 x 0.044) and 12 at 0.8^15 (89 points): two more than the index needs.
  const auto plan = plan_of(std::vector<std::int64_t>(2000, 1), 2);
  ASSERT_EQ(plan.ranks[0].planned_points, 1000);
  const std::vector<std::vector<ParentLoad>> indexed = {plan.loads, {}};
  const std::vector<double> budgets = {2550, 2550};
  const auto passes = plan_passes(plan, budgets, flat(1), true, indexed);
  EXPECT_EQ(passes.passes.size(), 10u);
  expect_cover(plan, passes);
  for (const auto& pass : passes.passes)
    for (std::size_t r = 0; r < 2; ++r)
      EXPECT_LE(index_bytes(pass, indexed[r], r, 1), budgets[r]) << "rank " << r;
}

TEST(PassPlan, GranulesSpreadLikeTheOwnersNeedNoFinerPasses) {
  // Each rank's granules hold exactly the points it owns: nothing moves in the exchange.
  const auto plan = plan_of(std::vector<std::int64_t>(12, 100), 3);
  std::vector<std::vector<ParentLoad>> indexed(3);
  for (std::size_t i = 0; i < plan.loads.size(); ++i) indexed[i / 4].push_back(plan.loads[i]);
  const auto passes = plan_passes(plan, {8000, 8000, 8000}, flat(40), false, indexed);
  EXPECT_EQ(passes.passes.size(), 2u);
  for (const auto& line : passes.lines) EXPECT_EQ(line.find("finer"), std::string::npos) << line;
}

TEST(PassPlan, AKeptIndexIsCheckedLikeAReindexedOne) {
  // 4 bytes binned, 12 until the exchange, 16 in the aggregator, one round.
  PassMemory memory;
  memory.bytes = {4, kExchanged, 16};
  // Rank 0's granules hold all 600 points, each rank owns 200 (4000 bytes in its pass).
  const auto plan = plan_of(std::vector<std::int64_t>(6, 100), 3);
  const std::vector<std::vector<ParentLoad>> indexed = {plan.loads, {}, {}};
  // Its index with the copies it sends (7200 bytes) fits 8000: one pass, the points kept.
  EXPECT_TRUE(plan_passes(plan, {8000, 8000, 8000}, memory, false, indexed).single());
  // Against 7000 it does not: two passes, indexed again, and the line says why.
  const auto kept = plan_passes(plan, {7000, 7000, 7000}, memory, false, indexed);
  EXPECT_EQ(kept.passes.size(), 2u);
  EXPECT_TRUE(kept.reindex);
  bool finer = false;
  for (const auto& line : kept.lines) finer = finer || line.find("cut finer") != std::string::npos;
  EXPECT_TRUE(finer);
  // Kept through the reads: rank 0's granules hold its 200 and 100 of rank 1's, whose slots
  // stay beside its round: 4 x 300 + 16 x 200 = 4400 against 4200, though its pass (4000) and
  // its exchange (12 x 300) fit.
  const std::vector<std::vector<ParentLoad>> spread = {{plan.loads.begin(), plan.loads.begin() + 3},
                                                       {plan.loads[3]},
                                                       {plan.loads[4], plan.loads[5]}};
  const auto reads = plan_passes(plan, {4200, 4200, 4200}, memory, false, spread);
  EXPECT_FALSE(reads.single());
  EXPECT_TRUE(plan_passes(plan, {4400, 4400, 4400}, memory, false, spread).single());
  // Reindexed in one pass, rank 0's index would hold all 600 points (7200 bytes) against
  // 6000: two passes of one parent per rank (3600 bytes).
  const std::vector<double> budgets = {6000, 6000, 6000};
  const auto passes = plan_passes(plan, budgets, flat(10), true, indexed);
  ASSERT_EQ(passes.passes.size(), 2u);
  expect_cover(plan, passes);
  for (const auto& pass : passes.passes) EXPECT_LE(index_bytes(pass, indexed[0], 0, 10), 6000);
}

TEST(PassPlan, AnIndexThatCannotFitIsWarnedAbout) {
  // Reindexed (the index overflowed): one parent of 1000 points indexed by rank 0, owned by
  // rank 1, 12 120 bytes with rank 0's own 10 against 8000; a parent cannot be split.
  const auto plan = plan_of({10, 1000}, 2);
  ASSERT_EQ(plan.ranks[1].planned_points, 1000);
  const std::vector<std::vector<ParentLoad>> indexed = {plan.loads, {}};
  const auto passes = plan_passes(plan, {8000, 8000}, flat(40), true, indexed);
  expect_cover(plan, passes);
  ASSERT_FALSE(passes.lines.empty());
  EXPECT_NE(passes.lines.back().find("warning: rank 0's granules hold"), std::string::npos)
      << passes.lines.back();
}

// Passes cut finer that still overrun say both why they are that many and the overrun (the
// log said only the warning, and "17 passes" of a rank whose points fit in 2 went unexplained).
TEST(PassPlan, PassesCutFinerSayWhyAlsoWhenTheyStillOverrun) {
  // 3 ranks own 400 points each at 8 bytes against 3500: one pass each by the points owned.
  // Reindexed (the index overflowed), rank 0's granules hold all 1200: even one parent per
  // rank (300 points, 3600 bytes) overruns.
  const auto plan = plan_of(std::vector<std::int64_t>(12, 100), 3);
  const std::vector<std::vector<ParentLoad>> indexed = {plan.loads, {}, {}};
  const auto passes = plan_passes(plan, {3500, 3500, 3500}, flat(8), true, indexed);
  EXPECT_EQ(passes.passes.size(), 4u);
  expect_cover(plan, passes);
  ASSERT_GE(passes.lines.size(), 2u);
  EXPECT_NE(passes.lines.back().find("warning: rank 0's granules hold"), std::string::npos)
      << passes.lines.back();
  EXPECT_NE(passes.lines[passes.lines.size() - 2].find("cut finer"), std::string::npos)
      << passes.lines[passes.lines.size() - 2];
}

TEST(PassPlan, HeldBytesPerPointOfTheShippedConfig) {
  // 4.5 (binned point, with its headers' share) + 4 (child offset) + 2 x 12 (h_li, s_li:
  // floats and doubles while a round widens) + 4 (sort index)
  const auto config = parse_config(default_config_text(), "built-in");
  EXPECT_DOUBLE_EQ(held_bytes_per_point(config), 36.5);
  // Finer than order 14 the cells' high bits change along a track: a larger share for headers.
  auto fine = config;
  fine.grid.child_order = 18;
  EXPECT_DOUBLE_EQ(held_bytes_per_point(fine), 38.0);
  // Finer than order 22 a header may come with every point: a point and a header.
  fine.grid.child_order = 24;
  fine.grid.parent_order = 8;
  EXPECT_DOUBLE_EQ(held_bytes_per_point(fine), 44.0);
  // More than 16 orders below the parent the aggregator's child offsets take 64 bits.
  fine.grid.parent_order = 6;
  EXPECT_DOUBLE_EQ(held_bytes_per_point(fine), 48.0);
  fine.grid.child_order = 22;  // 16 orders below: 32 bits
  EXPECT_DOUBLE_EQ(held_bytes_per_point(fine), 38.0);
  fine.grid.parent_order = 5;  // 17
  EXPECT_DOUBLE_EQ(held_bytes_per_point(fine), 42.0);
}

TEST(PassPlan, PointBytesSplitTheBinnedPointFromTheAggregatorsCopy) {
  const auto config = parse_config(default_config_text(), "built-in");
  const auto b = point_bytes(config);
  EXPECT_DOUBLE_EQ(b.indexed, 4.5);      // the binned point, the whole pass
  EXPECT_DOUBLE_EQ(b.aggregated, 32.0);  // offset 4 + 2 x (float, double) + sort index 4
  EXPECT_DOUBLE_EQ(b.exchanged, 9.0);    // the point and its copy, until the exchange
  auto deep = config;
  deep.grid.child_order = 24;
  deep.grid.parent_order = 6;
  EXPECT_DOUBLE_EQ(point_bytes(deep).indexed, 12.0);
  EXPECT_DOUBLE_EQ(point_bytes(deep).exchanged, 24.0);  // a header with every point, twice
  EXPECT_DOUBLE_EQ(point_bytes(deep).aggregated, 36.0);
}

PassMemory in_rounds(double indexed, double aggregated, std::int64_t rounds) {
  PassMemory m;
  m.bytes = {indexed, kExchanged, aggregated};
  m.rounds = [rounds](std::int64_t) { return rounds; };
  return m;
}

TEST(PassPlan, ARoundHoldsItsShareAndAtMostOneParentMore) {
  const auto m = in_rounds(4, 16, 8);
  EXPECT_EQ(m.largest_round(800, 10), 110);   // 800 / 8, and a parent across the boundary
  EXPECT_EQ(m.largest_round(801, 10), 111);   // rounded up
  EXPECT_EQ(m.largest_round(800, 800), 800);  // never more than the pass
  EXPECT_EQ(m.largest_round(0, 0), 0);
  EXPECT_DOUBLE_EQ(m.pass_bytes(800, 10), 800 * 4.0 + 110 * 16.0);
  // One round (no journal): every point in the aggregator at once.
  const auto one = in_rounds(4, 16, 1);
  EXPECT_DOUBLE_EQ(one.pass_bytes(800, 10), 800 * 20.0);
  // A rule that answers 0 rounds (an empty pass) counts as one.
  EXPECT_EQ(in_rounds(4, 16, 0).largest_round(50, 5), 50);
  // The journal's rule, through the function: more rounds, smaller rounds.
  PassMemory by_points;
  by_points.bytes = {4, kExchanged, 16};
  by_points.rounds = [](std::int64_t points) { return points / 100; };
  EXPECT_EQ(by_points.largest_round(1000, 7), 107);
}

TEST(PassPlan, RoundsLetAPassHoldMorePointsThanTheAggregatorCouldAtOnce) {
  // 12 parents of 100 points: all in the aggregator, 20 bytes a point, 24 kB.
  const auto plan = plan_of(std::vector<std::int64_t>(12, 100), 1);
  EXPECT_EQ(plan_passes(plan, {12000}, flat(20), false).passes.size(), 2u);
  // In 4 rounds: 1200 x 4 + (300 + 100) x 16 = 11.2 kB, one pass.
  const auto rounds = in_rounds(4, 16, 4);
  const auto one = plan_passes(plan, {12000}, rounds, false);
  EXPECT_TRUE(one.single());
  EXPECT_TRUE(one.lines.empty());
  // 8 kB: two passes of 600 (2400 + (150 + 100) x 16 = 6.4 kB each); the line says both parts.
  const auto two = plan_passes(plan, {8000}, rounds, false);
  ASSERT_EQ(two.passes.size(), 2u);
  expect_cover(plan, two);
  for (const auto& pass : two.passes)
    EXPECT_LE(rounds.pass_bytes(pass[0].planned_points, 100), 8000.0);
  ASSERT_EQ(two.lines.size(), 1u);
  EXPECT_NE(two.lines[0].find("2 passes, 11 kB of points (1200 x 4 bytes and a round of at "
                              "most 400 x 16 bytes) against 8 kB"),
            std::string::npos)
      << two.lines[0];
}

TEST(PassPlan, OneRankCopiesNothingToExchange) {
  // One rank's index holds its points binned (4 bytes here), not a copy to send (12): 2 passes
  // of 600 (6.4 kB each) fit 6.5 kB; at 12 bytes a point the index of 600 would not (7.2 kB).
  const auto plan = plan_of(std::vector<std::int64_t>(12, 100), 1);
  const std::vector<std::vector<ParentLoad>> indexed = {plan.loads};
  const auto passes = plan_passes(plan, {6500}, in_rounds(4, 16, 4), false, indexed);
  EXPECT_EQ(passes.passes.size(), 2u);
  for (const auto& line : passes.lines)
    EXPECT_EQ(line.find("cut finer"), std::string::npos) << line;
  // Two ranks, each indexing all of the other's points: 3 passes of 200 points per rank by the
  // aggregator (4 x 200 + (50 + 100) x 16 = 3200). A pass's index on rank 0 holds rank 1's 200
  // with their copies (12 bytes each) and receives its own 200 once (4 each): 3200, it fits.
  const auto two = plan_of(std::vector<std::int64_t>(12, 100), 2);
  const std::vector<std::vector<ParentLoad>> crossed = {{two.loads.begin() + 6, two.loads.end()},
                                                        {two.loads.begin(), two.loads.begin() + 6}};
  const auto fits = plan_passes(two, {3500, 3500}, in_rounds(4, 16, 4), false, crossed);
  EXPECT_EQ(fits.passes.size(), 3u);
  for (const auto& line : fits.lines) EXPECT_EQ(line.find("cut finer"), std::string::npos) << line;
  // Rank 0's granules holding every point: its index holds both ranks' 400 of a pass with their
  // copies, 4800 bytes (at the binned 4 bytes, 1600 would fit): one parent per rank and pass.
  const std::vector<std::vector<ParentLoad>> one_holds = {two.loads, {}};
  const auto cut = plan_passes(two, {3500, 3500}, in_rounds(4, 16, 4), false, one_holds);
  EXPECT_EQ(cut.passes.size(), 6u);
  bool finer = false;
  for (const auto& line : cut.lines) finer = finer || line.find("cut finer") != std::string::npos;
  EXPECT_TRUE(finer);
}

TEST(PassPlan, ALargeParentWidensEveryRoundOfItsPass) {
  // One parent of 600 among ten of 60, 4 bytes binned, 16 in the aggregator, 4 rounds. With it
  // the first six hold 900 points, a round up to 225 + 600: 3600 + 13200 bytes, over 9000
  // (counted without the parent, 3600 + 225 x 16 = 7200 would fit: 2 passes). So the five
  // before it (300 x 4 + (75 + 60) x 16 = 3360), it alone (12000: over the budget, said), the
  // five after it.
  std::vector<std::int64_t> points(10, 60);
  points.insert(points.begin() + 5, 600);
  const auto plan = plan_of(points, 1);
  const auto passes = plan_passes(plan, {9000}, in_rounds(4, 16, 4), false);
  ASSERT_EQ(passes.passes.size(), 3u);
  expect_cover(plan, passes);
  EXPECT_EQ(passes.passes[0][0].planned_points, 300);
  EXPECT_EQ(passes.passes[1][0].planned_points, 600);
  EXPECT_EQ(passes.passes[1][0].planned_parents, 1);
  EXPECT_EQ(passes.passes[2][0].planned_points, 300);
  ASSERT_EQ(passes.lines.size(), 1u);
  EXPECT_NE(passes.lines[0].find("parent cell 135 alone holds 600 points (12 kB)"),
            std::string::npos)
      << passes.lines[0];
}

TEST(PassPlan, PassesAreCutByTheBytesTheyHoldNotIntoEqualPoints) {
  // A parent of 200 points, then 90 of 20; 4 bytes binned, 16 in the aggregator, 4 rounds,
  // 10 000 bytes. Two passes of 1000 points would not fit: the first's rounds widen by the
  // large parent (4000 + (250 + 200) x 16 = 11 200). Cut by bytes, the first pass holds fewer
  // points: with 31 small parents 820 x 4 + (205 + 200) x 16 = 9760, the second 1180 x 4 +
  // (295 + 20) x 16 = 9760 (32 and 30 small parents would leave one pass at 9920).
  std::vector<std::int64_t> points(90, 20);
  points.insert(points.begin(), 200);
  const auto plan = plan_of(points, 1);
  const auto memory = in_rounds(4, 16, 4);
  const auto passes = plan_passes(plan, {10000}, memory, false);
  ASSERT_EQ(passes.passes.size(), 2u);
  expect_cover(plan, passes);
  EXPECT_EQ(passes.passes[0][0].planned_points, 820);
  EXPECT_EQ(passes.passes[0][0].planned_parents, 32);
  EXPECT_EQ(passes.passes[1][0].planned_points, 1180);
  EXPECT_DOUBLE_EQ(memory.pass_bytes(820, 200), 9760);
  EXPECT_DOUBLE_EQ(memory.pass_bytes(1180, 20), 9760);
}

TEST(PassPlan, APassLooksPastAParentThatDoesNotFitYet) {
  // Rounds by the points as the journal's automatic count (one per 100 points here): a pass's
  // bytes fall where one more round narrows the largest. 60 parents of 10 points, 4 bytes
  // binned, 16 in the aggregator, 2960 bytes: 140 points fit (one round, 560 + 2240 = 2800),
  // 150 do not (3000), but 300 do again (3 rounds of 100 and a parent: 1200 + 110 x 16 = 2960):
  // two passes of 300, where stopping at the first parent that does not fit cuts five.
  const auto plan = plan_of(std::vector<std::int64_t>(60, 10), 1);
  PassMemory memory = in_rounds(4, 16, 1);
  memory.rounds = [](std::int64_t points) { return std::max<std::int64_t>(1, points / 100); };
  EXPECT_DOUBLE_EQ(memory.pass_bytes(150, 10), 3000);
  EXPECT_DOUBLE_EQ(memory.pass_bytes(300, 10), 2960);
  const auto passes = plan_passes(plan, {2960}, memory, false);
  ASSERT_EQ(passes.passes.size(), 2u);
  expect_cover(plan, passes);
  EXPECT_EQ(passes.passes[0][0].planned_points, 300);
  EXPECT_EQ(passes.passes[1][0].planned_points, 300);
}

TEST(MemorySize, SuffixesArePowersOf1024) {
  EXPECT_DOUBLE_EQ(parse_memory_size("4G"), 4.0 * 1024 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(parse_memory_size("500M"), 500.0 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(parse_memory_size("1.5GiB"), 1.5 * 1024 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(parse_memory_size("64k"), 64.0 * 1024);
  EXPECT_DOUBLE_EQ(parse_memory_size("800000000"), 8e8);
  EXPECT_DOUBLE_EQ(parse_memory_size("1024T"), 1024.0 * 1024 * 1024 * 1024 * 1024);
  for (const char* bad : {"", "G", "-1G", "4X", "0", "4 G G", "1025T", "1e12G", "1e300"})
    EXPECT_THROW(parse_memory_size(bad), std::invalid_argument) << bad;
}

TEST(MemorySize, SlurmAllocation) {
  ::setenv("SLURM_MEM_PER_CPU", "2000", 1);
  ::setenv("SLURM_CPUS_PER_TASK", "4", 1);
  auto b = slurm_memory_per_rank(8);
  EXPECT_DOUBLE_EQ(b.bytes, 2000.0 * 4 * 1024 * 1024);
  ::unsetenv("SLURM_MEM_PER_CPU");
  ::unsetenv("SLURM_CPUS_PER_TASK");
  ::setenv("SLURM_MEM_PER_NODE", "64000", 1);
  b = slurm_memory_per_rank(16);
  EXPECT_DOUBLE_EQ(b.bytes, 64000.0 * 1024 * 1024 / 16);
  EXPECT_EQ(b.source, "Slurm: SLURM_MEM_PER_NODE / 16 ranks on the node");
  EXPECT_EQ(slurm_memory_per_rank(1).source, "Slurm: SLURM_MEM_PER_NODE / 1 rank on the node");
  // Slurm writes MiB; a hand-set value may carry Slurm's suffixes (it was read as MiB).
  ::setenv("SLURM_MEM_PER_NODE", "1024G", 1);
  EXPECT_DOUBLE_EQ(slurm_memory_per_rank(2).bytes, 1024.0 * 1024 * 1024 * 1024 / 2);
  ::setenv("SLURM_MEM_PER_NODE", "12abc", 1);  // unusable: no Slurm figure, said
  EXPECT_EQ(slurm_memory_per_rank(2).bytes, 0);
  EXPECT_EQ(slurm_memory_per_rank(2).source, "SLURM_MEM_PER_NODE='12abc' unusable");
  ::setenv("SLURM_MEM_PER_NODE", "0", 1);  // --mem=0: the whole node
  EXPECT_EQ(slurm_memory_per_rank(2).source, "SLURM_MEM_PER_NODE='0' (the whole node)");
  ::unsetenv("SLURM_MEM_PER_NODE");
  EXPECT_EQ(slurm_memory_per_rank(16).bytes, 0);
  EXPECT_EQ(slurm_memory_per_rank(16).source, "");
  // The line names only the variables read (SLURM_CPUS_PER_TASK was named when unset).
  ::setenv("SLURM_MEM_PER_CPU", "500", 1);
  EXPECT_EQ(slurm_memory_per_rank(2).source,
            "Slurm: SLURM_MEM_PER_CPU x 1 CPU (SLURM_CPUS_PER_TASK unset)");
  ::setenv("SLURM_CPUS_PER_TASK", "abc", 1);
  EXPECT_DOUBLE_EQ(slurm_memory_per_rank(2).bytes, 500.0 * 1024 * 1024);
  EXPECT_EQ(slurm_memory_per_rank(2).source,
            "Slurm: SLURM_MEM_PER_CPU x 1 CPU (SLURM_CPUS_PER_TASK='abc' unusable)");
  ::setenv("SLURM_CPUS_PER_TASK", "2", 1);
  EXPECT_EQ(slurm_memory_per_rank(2).source, "Slurm: SLURM_MEM_PER_CPU x SLURM_CPUS_PER_TASK");
  ::unsetenv("SLURM_MEM_PER_CPU");
  ::unsetenv("SLURM_CPUS_PER_TASK");
}

TEST(MemorySize, RunOptionParsesOrNamesTheOption) {
  RunOptions o;
  std::string error;
  ASSERT_TRUE(parse_run_options({"--input", "x.h5", "--output", "o.nc", "--memory-per-rank", "3M"},
                                o, error))
      << error;
  EXPECT_DOUBLE_EQ(o.memory_per_rank, 3.0 * 1024 * 1024);
  EXPECT_FALSE(parse_run_options(
      {"--input", "x.h5", "--output", "o.nc", "--memory-per-rank", "lots"}, o, error));
  EXPECT_NE(error.find("--memory-per-rank"), std::string::npos) << error;
}

TEST(MemorySize, LeftOutOfTheHistoryAsItNeverChangesTheOutput) {
  const std::vector<std::string> args = {"--input", "g",      "--memory-per-rank",   "30M",
                                         "-o",      "out.nc", "--memory-per-rank=1G"};
  EXPECT_EQ(args_for_history(args), (std::vector<std::string>{"--input", "g", "-o", "out.nc"}));
}

}  // namespace
}  // namespace healgrid
