// aggregate/window_blocks: the union of the windows' sparse blocks and each block aligned onto
// it (its values at its cells, the fill elsewhere), against hand-made blocks.
#include "healgrid/aggregate/window_blocks.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "test_configs.hpp"

namespace healgrid {
namespace {

// A block of `cells` (children of parents of order 1 at order 2: cell / 4 is the parent) with
// count = i + 1 and h_mean = 10 * cell at the i-th cell.
GridBlock block_of(const PipelineConfig& c, std::vector<std::int64_t> cells) {
  GridBlock b;
  b.cells = std::move(cells);
  for (const auto cell : b.cells)
    if (b.parents.empty() || b.parents.back() != cell / 4) b.parents.push_back(cell / 4);
  b.columns.resize(2);
  b.columns[0].spec = &c.statistics[0];
  b.columns[1].spec = &c.statistics[1];
  for (std::size_t i = 0; i < b.cells.size(); ++i) {
    b.columns[0].i32.push_back(static_cast<std::int32_t>(i + 1));
    b.columns[1].f32.push_back(10.0f * static_cast<float>(b.cells[i]));
    b.points += i + 1;
  }
  return b;
}

TEST(WindowBlocks, UnionIsSortedAndEachBlockLandsOnItsCells) {
  const auto c = test::count_and_mean_config();
  std::vector<GridBlock> windows = {block_of(c, {5, 6, 40}), block_of(c, {}),
                                    block_of(c, {3, 6, 41, 47})};
  const auto all = union_block(windows);
  EXPECT_EQ(all.cells, (std::vector<std::int64_t>{3, 5, 6, 40, 41, 47}));
  EXPECT_EQ(all.parents, (std::vector<std::int64_t>{0, 1, 10, 11}));
  EXPECT_EQ(all.points, 6u + 0u + 10u);
  EXPECT_TRUE(all.columns.empty());

  std::vector<GridBlock> aligned;
  for (auto& w : windows) aligned.push_back(align_to_cells(std::move(w), all));
  for (const auto& a : aligned) {
    EXPECT_EQ(a.cells, all.cells);
    EXPECT_EQ(a.parents, all.parents);
    ASSERT_EQ(a.columns.size(), 2u);
  }
  EXPECT_EQ(aligned[0].columns[0].i32, (std::vector<std::int32_t>{0, 1, 2, 3, 0, 0}));
  EXPECT_EQ(aligned[2].columns[0].i32, (std::vector<std::int32_t>{1, 0, 2, 0, 3, 4}));
  EXPECT_EQ(aligned[1].columns[0].i32, (std::vector<std::int32_t>(6, 0)));
  const auto& mean = aligned[2].columns[1].f32;
  ASSERT_EQ(mean.size(), 6u);
  EXPECT_EQ(mean[0], 30.0f);
  EXPECT_TRUE(std::isnan(mean[1]));
  EXPECT_EQ(mean[2], 60.0f);
  EXPECT_TRUE(std::isnan(mean[3]));
  EXPECT_EQ(mean[5], 470.0f);
  EXPECT_EQ(aligned[0].points, 6u);  // each window keeps its own points
  EXPECT_EQ(cells_with_data_in_any(aligned), 6u);
}

TEST(WindowBlocks, CellsWithDataCountsACellOnceWhateverTheWindows) {
  const auto c = test::count_and_mean_config();
  std::vector<GridBlock> windows = {block_of(c, {1, 2}), block_of(c, {2, 9})};
  const auto all = union_block(windows);
  std::vector<GridBlock> aligned;
  for (auto& w : windows) aligned.push_back(align_to_cells(std::move(w), all));
  EXPECT_EQ(cells_with_data_in_any(aligned), 3u);
  EXPECT_EQ(cells_with_data_in_any({}), 0u);
}

}  // namespace
}  // namespace healgrid
