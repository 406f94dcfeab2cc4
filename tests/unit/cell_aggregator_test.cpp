#include "healgrid/aggregate/cell_aggregator.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <string>

#include "healgrid/aggregate/overview_builder.hpp"
#include "healgrid/aggregate/statistics.hpp"
#include "healgrid/plan/pass_plan.hpp"
#include "healgrid/plan/point_parts.hpp"

namespace healgrid {
namespace {

PipelineConfig config_with_stats() {
  PipelineConfig c;
  c.groups = {"g"};
  c.latitude = "lat";
  c.longitude = "lon";
  c.variables = {{"h", "h"}, {"s", "s"}};
  auto add = [&](const char* name, StatFunction f, double q = 0.5) {
    StatisticSpec s;
    s.name = name;
    s.function = f;
    s.variable = "h";
    s.sigma = (f == StatFunction::weighted_mean) ? "s" : "";
    s.q = q;
    c.statistics.push_back(s);
  };
  add("count", StatFunction::count);
  add("h_mean", StatFunction::weighted_mean);
  add("h_q50", StatFunction::quantile, 0.5);
  c.grid.parent_order = 1;
  c.grid.child_order = 2;
  c.validate();
  return c;
}

TEST(CellAggregator, SparseBlockOfCellsWithData) {
  const auto cfg = config_with_stats();
  const HealpixGrid grid(1, 2, LatitudeConvention::geodetic);  // 4 children per parent
  CellAggregator agg(cfg, grid);
  const double a[] = {10, 1}, b[] = {20, 1}, c[] = {30, 2};
  agg.add_point(9, a);  // parent 2, child slot 1
  agg.add_point(9, b);
  agg.add_point(41, c);  // parent 10, child slot 1
  agg.add_point(40, c);  // parent 10, child slot 0
  EXPECT_EQ(agg.points(), 4u);
  const auto block = agg.finalize();
  EXPECT_EQ(block.points, 4u);
  EXPECT_EQ(block.parents, (std::vector<std::int64_t>{2, 10}));
  EXPECT_EQ(block.cells, (std::vector<std::int64_t>{9, 40, 41}));  // sorted, only with points
  ASSERT_EQ(block.columns.size(), 3u);
  const auto& count = block.columns[0].i32;
  EXPECT_EQ(count, (std::vector<std::int32_t>{2, 1, 1}));
  const auto& mean = block.columns[1].f32;
  ASSERT_EQ(mean.size(), 3u);
  EXPECT_FLOAT_EQ(mean[0], 15.0f);
  EXPECT_FLOAT_EQ(mean[1], 30.0f);
  EXPECT_FLOAT_EQ(mean[2], 30.0f);
  EXPECT_FLOAT_EQ(block.columns[2].f32[0], 15.0f);
  EXPECT_EQ(cells_with_data(block), 3u);
  EXPECT_EQ(agg.points(), 0u);  // emptied
}

// Values are kept as float while every one is exactly a float; one that is not (1e8 + 1 has no
// float32) switches every bucket, points already held included, to double. The variance of
// {1e8, 1e8 + 1} is 0.25 in double and would be 0 from float storage.
TEST(CellAggregator, KeepsDoublesOnceAValueIsNotAFloat) {
  auto cfg = config_with_stats();
  cfg.statistics[1].function = StatFunction::variance;
  cfg.statistics[1].sigma = "";
  cfg.validate();
  const HealpixGrid grid(1, 2, LatitudeConvention::geodetic);
  CellAggregator agg(cfg, grid);
  const double small[] = {1.5, 1}, big[] = {1e8, 1}, big1[] = {1e8 + 1, 1};
  agg.add_point(9, small);  // parent 2
  agg.add_point(9, small);
  agg.add_point(41, big);                              // parent 10
  EXPECT_EQ(agg.bytes_per_point(), 4u + 2 * 4u + 4u);  // float storage so far
  const double nan_sigma[] = {1e8, std::nan("")};      // a NaN is a float too
  CellAggregator other(cfg, grid);
  other.add_point(41, nan_sigma);
  EXPECT_EQ(other.bytes_per_point(), 4u + 2 * 4u + 4u);
  agg.add_point(41, big1);
  EXPECT_EQ(agg.bytes_per_point(), 4u + 2 * 8u + 4u);
  // The memory plan's bound per point holds the widened layout too (plan/pass_plan.hpp), beside
  // the binned point (plan/point_parts.hpp).
  EXPECT_LE(static_cast<double>(sizeof(PointEntry) + agg.bytes_per_point()),
            held_bytes_per_point(cfg));
  agg.add_point(9, small);
  auto block = agg.finalize();
  ASSERT_EQ(block.parents, (std::vector<std::int64_t>{2, 10}));
  ASSERT_EQ(block.cells, (std::vector<std::int64_t>{9, 41}));
  EXPECT_EQ(block.columns[0].i32[0], 3);
  EXPECT_EQ(block.columns[1].f32[0], 0.0f);   // three 1.5: kept exactly
  EXPECT_EQ(block.columns[1].f32[1], 0.25f);  // {1e8, 1e8 + 1} in double
  // The next round starts narrow again; the memory metric keeps the larger layout.
  agg.add_point(9, small);
  EXPECT_EQ(agg.bytes_per_point(), 4u + 2 * 8u + 4u);
  block = agg.finalize();
  EXPECT_EQ(block.columns[0].i32, (std::vector<std::int32_t>{1}));
}

TEST(CellsWithData, CountsCellsWithAnyNonFillStatistic) {
  // Hand-made columns, longer than the function's 4096-cell spans: a cell counts when any
  // column holds a value (a count > 0, or a float that is not NaN), whichever column it is.
  const std::size_t n = 10000;
  GridBlock block;
  block.columns.resize(3);
  block.columns[0].i32.assign(n, 0);
  block.columns[1].f32.assign(n, std::nanf(""));
  block.columns[2].f32.assign(n, std::nanf(""));
  std::size_t expected = 0;
  for (std::size_t i = 0; i < n; i += 7) {
    ++expected;
    if (i % 3 == 0)
      block.columns[0].i32[i] = 2;
    else if (i % 3 == 1)
      block.columns[1].f32[i] = -0.0f;  // zero is a value, not fill
    else
      block.columns[2].f32[i] = std::numeric_limits<float>::infinity();
  }
  block.columns[1].f32[4095] = 1.0f;  // last cell of the first span
  block.columns[2].f32[4096] = 1.0f;  // first of the second
  block.columns[0].i32[n - 1] = 1;    // last cell
  expected += (4095 % 7 != 0) + (4096 % 7 != 0) + ((n - 1) % 7 != 0);
  EXPECT_EQ(cells_with_data(block), expected);
  EXPECT_EQ(cells_with_data(GridBlock{}), 0u);
}

TEST(CellAggregator, EmptyGivesEmptyBlock) {
  const auto cfg = config_with_stats();
  const HealpixGrid grid(1, 2, LatitudeConvention::geodetic);
  CellAggregator agg(cfg, grid);
  const auto block = agg.finalize();
  EXPECT_TRUE(block.parents.empty());
  ASSERT_EQ(block.columns.size(), 3u);
  EXPECT_TRUE(block.columns[0].i32.empty());
}

}  // namespace
}  // namespace healgrid

namespace healgrid {
namespace {

// Random points over a few parents; every cell's count and mean must equal a direct grouping,
// for a child depth on the counting-sort path and one on the comparison-sort path.
void check_against_map(int parent_order, int child_order) {
  auto cfg = config_with_stats();
  cfg.grid.parent_order = parent_order;
  cfg.grid.child_order = child_order;
  const HealpixGrid grid(parent_order, child_order, LatitudeConvention::geodetic);
  CellAggregator agg(cfg, grid);
  std::map<std::int64_t, std::vector<double>> expected;
  std::uint64_t state = 12345;
  auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return state >> 11;
  };
  const std::int64_t parents[] = {3, 4, 17, 40};
  for (int i = 0; i < 20000; ++i) {
    const auto parent = parents[next() % 4];
    // Few children (collisions), spread over the parent (offsets beyond 32 bits when deep).
    const auto stride = std::max<std::int64_t>(1, grid.children_per_parent() / 64);
    const auto child = static_cast<std::int64_t>(next() % 37) * stride;
    const auto cell = grid.first_child(parent) + child;
    const double point[] = {static_cast<double>(next() % 1000), 1.0};
    agg.add_point(cell, point);
    expected[cell].push_back(point[0]);
  }
  const auto block = agg.finalize();
  ASSERT_EQ(block.parents, (std::vector<std::int64_t>{3, 4, 17, 40}));
  // Exactly the cells of the map, in id order, each with its count and mean.
  ASSERT_EQ(block.cells.size(), expected.size());
  std::size_t slot = 0;
  for (const auto& [cell, values] : expected) {
    ASSERT_EQ(block.cells[slot], cell);
    ASSERT_EQ(block.columns[0].i32[slot], static_cast<int>(values.size())) << cell;
    double sum = 0;
    for (double v : values) sum += v;
    EXPECT_FLOAT_EQ(block.columns[1].f32[slot], static_cast<float>(sum / values.size()));
    ++slot;
  }
}

// Batches that split runs of one parent (999 points against runs of 40, parents interleaved)
// keep each cell's points in the order they came and their values exact, against a grouping
// written here: an order-sensitive sum (1 + 1e16 - 1e16 is 0 in that order, 1 in another) and
// a variance that only doubles keep (16777216 and 16777217 are one float), both arriving in
// the middle of a batch; and one point at a time gives the same block.
TEST(CellAggregator, AddPointsKeepsEachCellsOrderAndValues) {
  PipelineConfig cfg = config_with_stats();
  cfg.statistics.clear();
  for (const auto f : {StatFunction::count, StatFunction::sum, StatFunction::variance}) {
    StatisticSpec spec;
    spec.name = "s" + std::to_string(cfg.statistics.size());
    spec.function = f;
    spec.variable = "h";
    cfg.statistics.push_back(spec);
  }
  cfg.validate();
  const HealpixGrid grid(1, 2, LatitudeConvention::geodetic);
  std::vector<std::int64_t> cells;
  std::vector<double> h, s;
  std::uint64_t state = 7;
  for (int i = 0; i < 3000; ++i) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    const auto parent = std::int64_t{(i / 40) % 3 == 0 ? 5 : 9 + (i / 40) % 2};  // runs
    cells.push_back(grid.first_child(parent) + static_cast<std::int64_t>((state >> 40) % 4));
    h.push_back(static_cast<double>(static_cast<float>((state >> 20) % 100000) * 0.25f));
    s.push_back(0.5 + static_cast<double>((state >> 50) % 4));
  }
  const double ordered[] = {1.0, 1e16, -1e16}, doubles[] = {16777216.0, 16777217.0};
  for (int k = 0; k < 3; ++k) {
    cells[1500 + k] = grid.first_child(20);
    h[1500 + k] = ordered[k];
  }
  for (int k = 0; k < 2; ++k) {
    cells[2221 + k] = grid.first_child(21) + 1;
    h[2221 + k] = doubles[k];
  }
  CellAggregator one(cfg, grid), batched(cfg, grid);
  std::map<std::int64_t, std::vector<double>> expected;  // each cell's values, in order
  for (std::size_t i = 0; i < cells.size(); ++i) {
    const double point[] = {h[i], s[i]};
    one.add_point(cells[i], point);
    expected[cells[i]].push_back(h[i]);
  }
  std::vector<double> columns(h);  // h, then s: one column of cells.size() per variable
  columns.insert(columns.end(), s.begin(), s.end());
  for (std::size_t i = 0; i < cells.size(); i += 999)
    batched.add_points(cells.data() + i, columns.data() + i, cells.size(),
                       std::min<std::size_t>(999, cells.size() - i));
  EXPECT_EQ(batched.points(), cells.size());
  const auto a = batched.finalize(), b = one.finalize();
  ASSERT_EQ(a.cells.size(), expected.size());
  std::size_t slot = 0;
  for (const auto& [cell, x] : expected) {
    ASSERT_EQ(a.cells[slot], cell);
    EXPECT_EQ(a.columns[0].i32[slot], static_cast<std::int32_t>(x.size())) << cell;
    EXPECT_EQ(a.columns[1].f32[slot], static_cast<float>(stat_sum(x.data(), x.size()))) << cell;
    EXPECT_EQ(a.columns[2].f32[slot], static_cast<float>(stat_variance(x.data(), x.size())))
        << cell;
    ++slot;
  }
  const auto at = [&](std::int64_t cell) {
    return static_cast<std::size_t>(std::find(a.cells.begin(), a.cells.end(), cell) -
                                    a.cells.begin());
  };
  EXPECT_EQ(a.columns[1].f32[at(grid.first_child(20))], 1.0f);       // 1 + 1e16 - 1e16, compensated
  EXPECT_EQ(a.columns[2].f32[at(grid.first_child(21) + 1)], 0.25f);  // not 0 as floats
  EXPECT_EQ(a.cells, b.cells);
  for (std::size_t c = 0; c < a.columns.size(); ++c) {
    EXPECT_EQ(a.columns[c].i32, b.columns[c].i32) << c;
    EXPECT_EQ(a.columns[c].f32, b.columns[c].f32) << c;
  }
}

// Rounds whose buckets are reserved from the plan's loads (expect: one reused buffer) give
// the blocks of rounds that were not: with exact loads, with a load too small (its bucket grows
// out of the buffer), a parent not expected at all, a value that is not a float in the middle
// of a round (every bucket moves to doubles), and a round with more points than the first (a
// larger buffer).
TEST(CellAggregator, ExpectedRoundsGiveTheBlocksOfUnexpectedOnes) {
  PipelineConfig cfg = config_with_stats();
  const HealpixGrid grid(1, 3, LatitudeConvention::geodetic);  // 16 children per parent
  struct Round {
    std::vector<std::int64_t> cells;
    std::vector<double> h, s;
    std::vector<ParentLoad> loads;
  };
  std::uint64_t state = 99;
  const auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return state >> 24;
  };
  const auto round_of = [&](int points, std::vector<std::int64_t> parents) {
    Round r;
    std::map<std::int64_t, std::int64_t> per_parent;
    for (int i = 0; i < points; ++i) {
      const auto parent = parents[static_cast<std::size_t>(i / 50) % parents.size()];
      r.cells.push_back(grid.first_child(parent) + static_cast<std::int64_t>(next() % 16));
      r.h.push_back(static_cast<double>(static_cast<float>(next() % 100000) * 0.125f));
      r.s.push_back(0.25 + static_cast<double>(next() % 8));
      ++per_parent[parent];
    }
    for (const auto& [parent, n] : per_parent) r.loads.push_back({parent, n});
    return r;
  };
  std::vector<Round> rounds = {round_of(3000, {2, 7, 11}), round_of(2000, {3, 7, 30}),
                               round_of(9000, {1, 2, 5, 40, 41})};
  rounds[1].loads.front().points /= 2;  // too small: grows beyond its reservation
  rounds[1].loads.pop_back();           // parent 30: not expected
  rounds[1].h[1234] = 0.1;              // not a float: doubles from here on
  CellAggregator planned(cfg, grid);
  for (std::size_t k = 0; k < rounds.size(); ++k) {
    const auto& r = rounds[k];
    CellAggregator fresh(cfg, grid);
    planned.expect(r.loads);
    std::vector<double> columns(r.h);
    columns.insert(columns.end(), r.s.begin(), r.s.end());
    for (std::size_t i = 0; i < r.cells.size(); i += 700) {
      const auto n = std::min<std::size_t>(700, r.cells.size() - i);
      planned.add_points(r.cells.data() + i, columns.data() + i, r.cells.size(), n);
      fresh.add_points(r.cells.data() + i, columns.data() + i, r.cells.size(), n);
    }
    const auto a = planned.finalize(), b = fresh.finalize();
    ASSERT_FALSE(a.cells.empty()) << k;
    EXPECT_EQ(a.parents, b.parents) << k;
    EXPECT_EQ(a.cells, b.cells) << k;
    EXPECT_EQ(a.points, r.cells.size()) << k;
    for (std::size_t c = 0; c < a.columns.size(); ++c) {
      EXPECT_EQ(a.columns[c].i32, b.columns[c].i32) << k << " " << c;
      EXPECT_EQ(a.columns[c].f32, b.columns[c].f32) << k << " " << c;
    }
    // The mean of the cell holding the double is not the float version's.
    if (k == 1) {
      const auto cell = r.cells[1234];
      const auto at = static_cast<std::size_t>(std::find(a.cells.begin(), a.cells.end(), cell) -
                                               a.cells.begin());
      double sum = 0, weights = 0;
      for (std::size_t i = 0; i < r.cells.size(); ++i)
        if (r.cells[i] == cell) {
          sum += r.h[i] / (r.s[i] * r.s[i]);
          weights += 1 / (r.s[i] * r.s[i]);
        }
      EXPECT_FLOAT_EQ(a.columns[1].f32[at], static_cast<float>(sum / weights));
    }
  }
}

// A second expect before finalize (more parents announced while points are held) keeps the
// points already added: their storage is not handed out again.
TEST(CellAggregator, ExpectingAgainBeforeFinalizeKeepsWhatWasAdded) {
  const auto cfg = config_with_stats();
  const HealpixGrid grid(1, 2, LatitudeConvention::geodetic);
  CellAggregator planned(cfg, grid), fresh(cfg, grid);
  std::vector<std::int64_t> cells;
  std::vector<double> columns;
  for (int i = 0; i < 400; ++i) cells.push_back(grid.first_child(i < 200 ? 6 : 8) + i % 4);
  for (int i = 0; i < 400; ++i) columns.push_back(static_cast<double>(i));  // h
  for (int i = 0; i < 400; ++i) columns.push_back(1.0 + i % 3);             // s
  planned.expect({{6, 200}});
  planned.add_points(cells.data(), columns.data(), 400, 200);
  planned.expect({{8, 200}});
  planned.add_points(cells.data() + 200, columns.data() + 200, 400, 200);
  fresh.add_points(cells.data(), columns.data(), 400, 400);
  const auto a = planned.finalize(), b = fresh.finalize();
  EXPECT_EQ(a.cells, b.cells);
  ASSERT_EQ(a.columns.size(), b.columns.size());
  for (std::size_t c = 0; c < a.columns.size(); ++c) {
    EXPECT_EQ(a.columns[c].i32, b.columns[c].i32) << c;
    EXPECT_EQ(a.columns[c].f32, b.columns[c].f32) << c;
  }
  EXPECT_EQ(a.columns[0].i32, (std::vector<std::int32_t>(8, 50)));
}

// Tracks cross cells in runs, and a cell's runs come from several tracks: its values must be
// reduced in the order the points came. A weighted mean is an order-sensitive sum (1e16 + 1 -
// 1e16 is 0 in that order, 1e16 - 1e16 + 1 is 1), checked against the points grouped here in
// arrival order; on the counting path, the comparison path (order 10) and 64-bit offsets (29),
// each with and without overviews, with values kept as floats (big = 2^60, a float; 2^60 + 1 is
// 2^60 in double) and as doubles (1e16, not a float).
void check_runs_keep_arrival_order(int child_order, bool overviews, double big) {
  auto cfg = config_with_stats();
  cfg.grid.child_order = child_order;
  const HealpixGrid grid(1, child_order, LatitudeConvention::geodetic);
  CellAggregator agg(cfg, grid);
  OverviewBuilder builder(cfg, grid, {child_order - 1});
  if (overviews) agg.set_overviews(&builder);
  std::map<std::int64_t, std::vector<double>> expected;
  std::uint64_t state = 99;
  auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return state >> 11;
  };
  const double values[] = {big, -big, 1.0, 3.0};
  for (int run = 0; run < 3000; ++run) {
    const std::int64_t parent = 5 + static_cast<std::int64_t>(next() % 3);
    const auto stride = std::max<std::int64_t>(1, grid.children_per_parent() / 8);
    const auto cell = grid.first_child(parent) + static_cast<std::int64_t>(next() % 6) * stride;
    for (auto k = next() % 9; k-- > 0;) {  // runs of 0 to 8 points
      const double point[] = {values[next() % 4], 1.0};
      agg.add_point(cell, point);
      expected[cell].push_back(point[0]);
    }
  }
  const auto block = agg.finalize();
  ASSERT_EQ(block.cells.size(), expected.size());
  std::size_t slot = 0;
  for (const auto& [cell, x] : expected) {
    ASSERT_EQ(block.cells[slot], cell);
    EXPECT_EQ(block.columns[0].i32[slot], static_cast<int>(x.size())) << cell;
    const std::vector<double> sigma(x.size(), 1.0);
    EXPECT_EQ(block.columns[1].f32[slot],
              static_cast<float>(stat_weighted_mean(x.data(), sigma.data(), x.size())))
        << cell;
    ++slot;
  }
}

TEST(CellAggregator, RunsKeepArrivalOrderCountingPath) {
  check_runs_keep_arrival_order(6, false, 0x1p60);
  check_runs_keep_arrival_order(6, false, 1e16);
  check_runs_keep_arrival_order(6, true, 0x1p60);
  check_runs_keep_arrival_order(6, true, 1e16);
}
TEST(CellAggregator, RunsKeepArrivalOrderComparisonPath) {
  check_runs_keep_arrival_order(10, false, 0x1p60);
  check_runs_keep_arrival_order(10, false, 1e16);
  check_runs_keep_arrival_order(10, true, 0x1p60);
  check_runs_keep_arrival_order(10, true, 1e16);
}
TEST(CellAggregator, RunsKeepArrivalOrderAtOrder29) {
  check_runs_keep_arrival_order(29, false, 0x1p60);
  check_runs_keep_arrival_order(29, false, 1e16);
  check_runs_keep_arrival_order(29, true, 0x1p60);
  check_runs_keep_arrival_order(29, true, 1e16);
}

TEST(CellAggregator, GroupsLikeADirectMapCountingPath) { check_against_map(1, 6); }
TEST(CellAggregator, GroupsLikeADirectMapComparisonPath) { check_against_map(1, 10); }
// Child offsets beyond 32 bits (child_order - parent_order > 16): order 29 under parent 1.
TEST(CellAggregator, GroupsLikeADirectMapAtOrder29) { check_against_map(1, 29); }

}  // namespace
}  // namespace healgrid
