// The output's cell layout (write/cell_layout.hpp) on however many ranks mpirun started (ctest:
// 1, 2, 3): rank r holds parent 42 + r with the same number of its 16 children with data, so the
// automatic choice sits at its boundary (sparse only below half the dense cells) and each rank's
// place in the file is known: r x 16 cells dense, r x (its cells) sparse.
#include "healgrid/write/cell_layout.hpp"

#include <gtest/gtest.h>

#include <cstdint>

namespace healgrid {
namespace {

GridBlock block_with(const HealpixGrid& grid, std::int64_t parent, int cells) {
  GridBlock block;
  block.parents = {parent};
  for (int c = 0; c < cells; ++c) block.cells.push_back(grid.first_child(parent) + 2 * c);
  return block;
}

TEST(CellLayout, AutoIsSparseBelowHalfTheDenseCellsAndPlacesEachRank) {
  const HealpixGrid grid(6, 8, LatitudeConvention::authalic);  // 16 children per parent
  const auto world = Communicator::world();
  const auto ranks = static_cast<std::uint64_t>(world.size);
  const auto rank = static_cast<std::uint64_t>(world.rank);
  for (int cells = 1; cells <= 8; ++cells) {
    const auto block = block_with(grid, 42 + world.rank, cells);
    const auto layout = plan_cell_layout(world, OutputLayout::automatic, grid, block);
    const bool sparse = 2 * cells < 16;
    const std::uint64_t stored = sparse ? static_cast<std::uint64_t>(cells) : 16;
    EXPECT_EQ(layout.kind, sparse ? OutputLayout::sparse : OutputLayout::dense)
        << cells << " of 16 cells with data";
    EXPECT_EQ(layout.cells_with_points, ranks * static_cast<std::uint64_t>(cells));
    EXPECT_EQ(layout.total_cells, ranks * stored);
    EXPECT_EQ(layout.cells, stored);
    EXPECT_EQ(layout.first_cell, rank * stored);
  }
}

TEST(CellLayout, ConfiguredLayoutIsKept) {
  const HealpixGrid grid(6, 8, LatitudeConvention::authalic);
  const auto world = Communicator::world();
  const auto few = block_with(grid, 42 + world.rank, 1),
             many = block_with(grid, 42 + world.rank, 8);
  EXPECT_EQ(plan_cell_layout(world, OutputLayout::dense, grid, few).kind, OutputLayout::dense);
  EXPECT_EQ(plan_cell_layout(world, OutputLayout::sparse, grid, many).kind, OutputLayout::sparse);
}

}  // namespace
}  // namespace healgrid
