// Overview levels (aggregate/overview_builder) on however many ranks mpirun started (ctest: 1,
// 2, 3): each rank aggregates the points of its contiguous share of the parent cells, in two
// rounds as the read loop does, and the gathered levels on rank 0 must equal a brute-force
// calculation over every point at each order: exact for every statistic from the parent order
// up, quantiles absent below it. The points are generated from their index alone, so every rank
// knows them all.
#include "healgrid/aggregate/overview_builder.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

#include "healgrid/aggregate/cell_aggregator.hpp"
#include "healgrid/aggregate/statistics.hpp"
#include "healgrid/util/mpi_util.hpp"

namespace healgrid {
namespace {

constexpr int kParent = 2, kChild = 4;

PipelineConfig overview_config() {
  PipelineConfig c;
  c.groups = {"g"};
  c.latitude = "lat";
  c.longitude = "lon";
  c.variables = {{"h", "h"}, {"s", "s"}};
  const std::pair<const char*, StatFunction> stats[] = {
      {"count", StatFunction::count},
      {"h_min", StatFunction::min},
      {"h_max", StatFunction::max},
      {"h_sum", StatFunction::sum},
      {"h_avg", StatFunction::mean},
      {"h_wmean", StatFunction::weighted_mean},
      {"h_wsig", StatFunction::weighted_mean_sigma},
      {"h_var", StatFunction::variance},
      {"h_std", StatFunction::std},
      {"h_q30", StatFunction::quantile}};
  for (const auto& [name, f] : stats) {
    StatisticSpec s;
    s.name = name;
    s.function = f;
    s.variable = "h";
    if (f == StatFunction::weighted_mean || f == StatFunction::weighted_mean_sigma) s.sigma = "s";
    s.q = 0.3;
    c.statistics.push_back(s);
  }
  c.grid.parent_order = kParent;
  c.grid.child_order = kChild;
  c.validate();
  return c;
}

struct Point {
  std::int64_t cell;
  double h, s;
};

// Points in a third of the parent cells, several per child cell, values not all floats.
std::vector<Point> all_points() {
  std::vector<Point> points;
  const std::int64_t cells = 12LL << (2 * kChild);
  for (std::int64_t i = 0; i < 6000; ++i) {
    const std::int64_t cell = (i * 7919) % cells;
    if ((cell >> (2 * (kChild - kParent))) % 3 != 0) continue;
    points.push_back({cell, 1000.0 + (i % 97) * 0.5 + (i % 13) * 0.1, 0.5 + (i % 5) * 0.25});
  }
  return points;
}

// Brute force: statistic `s` of the points of each cell at `order`.
std::map<std::uint64_t, double> expected(const std::vector<Point>& points, int order,
                                         const StatisticSpec& s) {
  std::map<std::uint64_t, std::vector<const Point*>> cells;
  for (const auto& p : points)
    cells[static_cast<std::uint64_t>(p.cell) >> (2 * (kChild - order))].push_back(&p);
  std::map<std::uint64_t, double> out;
  for (const auto& [cell, members] : cells) {
    CellValues v(2);
    for (const auto* p : members) {
      v.column(0).push_back(p->h);
      v.column(1).push_back(p->s);
    }
    out[cell] = v.compute(s, 0, s.sigma.empty() ? -1 : 1);
  }
  return out;
}

TEST(OverviewBuilder, EveryLevelEqualsBruteForceOnAnyRankCount) {
  const auto comm = Communicator::world();
  const auto cfg = overview_config();
  const HealpixGrid grid(kParent, kChild, LatitudeConvention::geodetic);
  const auto points = all_points();
  const std::int64_t parents = 12LL << (2 * kParent);
  const std::int64_t first = parents * comm.rank / comm.size;
  const std::int64_t last = parents * (comm.rank + 1) / comm.size;  // exclusive
  const std::vector<int> orders = {0, 1, 2, 3};
  OverviewBuilder builder(cfg, grid, orders);
  CellAggregator agg(cfg, grid);
  agg.set_overviews(&builder);
  for (int round = 0; round < 2; ++round) {  // the lower half of my parents, then the upper
    const std::int64_t mid = (first + last) / 2;
    for (const auto& p : points) {
      const auto parent = grid.parent_of(p.cell);
      const bool mine =
          round == 0 ? parent >= first && parent < mid : parent >= mid && parent < last;
      const double values[] = {p.h, p.s};
      if (mine) agg.add_point(p.cell, values);
    }
    agg.finalize();
  }
  const auto levels = builder.gather(comm);
  ASSERT_EQ(levels.size(), orders.size());
  for (std::size_t l = 0; l < levels.size(); ++l) {
    const auto& level = levels[l];
    EXPECT_EQ(level.order, orders[l]);
    const auto counts = expected(points, level.order, cfg.statistics[0]);
    EXPECT_EQ(level.total_cells, counts.size());
    if (!comm.is_root()) {
      EXPECT_TRUE(level.cells.empty());
      continue;
    }
    std::vector<std::uint64_t> want_cells;
    for (const auto& [cell, n] : counts) want_cells.push_back(cell);
    EXPECT_EQ(level.cells, want_cells) << "order " << level.order;
    std::size_t c = 0;
    for (const auto& s : cfg.statistics) {
      const bool present = c < level.columns.size() && level.columns[c].spec == &s;
      EXPECT_EQ(present, s.function != StatFunction::quantile || level.order >= kParent)
          << s.name << " at order " << level.order;
      if (!present) continue;
      const auto& col = level.columns[c++];
      const auto want = expected(points, level.order, s);
      std::size_t i = 0;
      for (const auto& [cell, value] : want) {
        const double got = col.i32.empty() ? col.f32.at(i) : col.i32.at(i);
        EXPECT_NEAR(got, value, std::abs(value) * 2e-7 + 1e-9)
            << s.name << " order " << level.order << " cell " << cell;
        ++i;
      }
    }
  }
}

}  // namespace
}  // namespace healgrid
