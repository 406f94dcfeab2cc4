#include "healgrid/aggregate/cell_aggregator.hpp"

#include <gtest/gtest.h>

#include <cmath>

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

TEST(CellAggregator, DenseBlockOverParentsWithData) {
  const auto cfg = config_with_stats();
  const HealpixGrid grid(1, 2, LatitudeConvention::geodetic);  // 4 children per parent
  CellAggregator agg(cfg, grid, 0, grid.parent_cell_count() - 1);
  const double a[] = {10, 1}, b[] = {20, 1}, c[] = {30, 2};
  agg.add_point(9, a);   // parent 2, child slot 1
  agg.add_point(9, b);
  agg.add_point(41, c);  // parent 10, child slot 1
  agg.add_point(40, c);  // parent 10, child slot 0
  EXPECT_EQ(agg.points(), 4u);
  const auto block = agg.finalize();
  EXPECT_EQ(block.points, 4u);
  EXPECT_EQ(block.parents, (std::vector<std::int64_t>{2, 10}));
  ASSERT_EQ(block.columns.size(), 3u);
  const auto& count = block.columns[0].i32;
  EXPECT_EQ(count, (std::vector<std::int32_t>{0, 2, 0, 0, 1, 1, 0, 0}));
  const auto& mean = block.columns[1].f32;
  ASSERT_EQ(mean.size(), 8u);
  EXPECT_TRUE(std::isnan(mean[0]));
  EXPECT_FLOAT_EQ(mean[1], 15.0f);
  EXPECT_FLOAT_EQ(mean[4], 30.0f);
  EXPECT_FLOAT_EQ(block.columns[2].f32[1], 15.0f);
  EXPECT_EQ(agg.points(), 0u);  // emptied
}

TEST(CellAggregator, AcceptsOnlyItsParentRange) {
  const auto cfg = config_with_stats();
  const HealpixGrid grid(1, 2, LatitudeConvention::geodetic);
  const HealpixGrid parents(1, 1, LatitudeConvention::geodetic);
  const std::int64_t parent = parents.cell(-60.0, 45.0);
  CellAggregator agg(cfg, grid, parent, parent);
  BeamChunk chunk;
  chunk.lat = {-60.0, 60.0, -60.0};
  chunk.lon = {45.0, 45.0, 45.0};
  chunk.values = {{1, 2, 3}, {1, 1, 1}};
  chunk.valid = {1, 1, 0};
  EXPECT_EQ(agg.add(chunk), 1u);
  const auto block = agg.finalize();
  EXPECT_EQ(block.parents, (std::vector<std::int64_t>{parent}));
}

TEST(CellAggregator, EmptyGivesEmptyBlock) {
  const auto cfg = config_with_stats();
  const HealpixGrid grid(1, 2, LatitudeConvention::geodetic);
  CellAggregator agg(cfg, grid, 1, 0);
  const auto block = agg.finalize();
  EXPECT_TRUE(block.parents.empty());
  ASSERT_EQ(block.columns.size(), 3u);
  EXPECT_TRUE(block.columns[0].i32.empty());
}

}  // namespace
}  // namespace healgrid
