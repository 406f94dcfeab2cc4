// The output estimate refuses what cannot fit before anything is allocated, with the figures.
#include "healgrid/plan/output_estimate.hpp"

#include <gtest/gtest.h>

#include "healgrid/app/run_options.hpp"
#include "healgrid/config/pipeline_config.hpp"

namespace healgrid {
namespace {

PipelineConfig shipped_with_orders(int parent, int child) {
  auto config = parse_config(default_config_text(), "built-in config");  // 9 statistics
  config.grid.parent_order = parent;
  config.grid.child_order = child;
  config.output.layout = OutputLayout::dense;  // the layout that holds every child
  return config;
}

TEST(OutputEstimate, HeldBlocksByHand) {
  auto dense = shipped_with_orders(6, 12);  // 4096 children per parent, 44 bytes per cell
  // Dense: every window's block and one more while merged.
  EXPECT_DOUBLE_EQ(held_output_bytes(dense, 300, 5, 1), 2 * 300.0 * 4096 * 44);
  EXPECT_DOUBLE_EQ(held_output_bytes(dense, 300, 5, 12), 13 * 300.0 * 4096 * 44);
  // Sparse and auto: at most one cell per cell run, no more than every child; every window's
  // block aligned to the union of the cells, the union, and a merged copy.
  auto sparse = dense;
  sparse.output.layout = OutputLayout::sparse;
  EXPECT_DOUBLE_EQ(held_output_bytes(sparse, 300, 1000, 1), 2 * 1000.0 * 44);
  EXPECT_DOUBLE_EQ(held_output_bytes(sparse, 300, 1000, 12), 14 * 1000.0 * 44);
  EXPECT_DOUBLE_EQ(held_output_bytes(sparse, 2, 1000000000, 1), 2 * 2 * 4096.0 * 44);
  auto automatic = dense;
  automatic.output.layout = OutputLayout::automatic;
  EXPECT_DOUBLE_EQ(held_output_bytes(automatic, 300, 1000, 12), 14 * 1000.0 * 44);
  EXPECT_DOUBLE_EQ(held_output_bytes(sparse, 0, 0, 12), 0.0);
}

TEST(OutputEstimate, CellsAndBytesByHand) {
  const auto e = estimate_output(shipped_with_orders(6, 12), 1000, 300);
  EXPECT_EQ(e.cells_per_parent, 4096);  // 4^6
  EXPECT_EQ(e.bytes_per_cell, 9 * 4 + 8);
  EXPECT_DOUBLE_EQ(e.cells, 4096000.0);
  EXPECT_DOUBLE_EQ(e.file_bytes, 4096000.0 * 44);
  EXPECT_DOUBLE_EQ(e.rank_bytes, 300.0 * 4096 * 44);
  EXPECT_EQ(output_memory_problem(e, 1e9), "");  // 54 MB on the busiest rank
  // 24 time windows: a block each, held until the write.
  const auto w = estimate_output(shipped_with_orders(6, 12), 1000, 300, 24);
  EXPECT_DOUBLE_EQ(w.rank_bytes, 24 * 300.0 * 4096 * 44);
  EXPECT_DOUBLE_EQ(w.file_bytes, 24 * 4096000.0 * 44);
  const auto problem = output_memory_problem(w, 1e9);  // 1.30 GB on the busiest rank
  EXPECT_NE(problem.find("in each of 24 time windows"), std::string::npos) << problem;
}

TEST(OutputEstimate, ChildOrder22IsRefusedWithFiguresAndTheKey) {
  // --child-order 22 over parent 6: 4^16 cells per parent, 189 GB for a single parent cell.
  const auto e = estimate_output(shipped_with_orders(6, 22), 1, 1);
  EXPECT_EQ(e.cells_per_parent, std::int64_t{1} << 32);
  EXPECT_DOUBLE_EQ(e.rank_bytes, 4294967296.0 * 44);
  const auto problem = output_memory_problem(e, 24e9);
  EXPECT_NE(problem.find("grid.child_order"), std::string::npos) << problem;
  EXPECT_NE(problem.find("--child-order"), std::string::npos) << problem;
  EXPECT_NE(problem.find("4.29e+09 child cells"), std::string::npos) << problem;
  EXPECT_NE(problem.find("needs 189 GB but has 24 GB"), std::string::npos) << problem;
  // The same grid fits where the memory is there (a large node, one rank).
  EXPECT_EQ(output_memory_problem(e, 200e9), "");
}

TEST(OutputEstimate, ManyParentsOnOneRankAtAModestOrder) {
  // Child 16 over parent 6: 4^10 cells, 46 MB per parent; 2000 parents on a rank: 92 GB.
  const auto e = estimate_output(shipped_with_orders(6, 16), 8000, 2000);
  EXPECT_DOUBLE_EQ(e.rank_bytes, 2000.0 * 1048576 * 44);
  EXPECT_NE(output_memory_problem(e, 16e9), "");
  EXPECT_EQ(output_memory_problem(estimate_output(shipped_with_orders(6, 16), 8000, 200), 16e9),
            "");
}

TEST(OutputEstimate, SparseAndAutoLayoutsAreNotRefusedForDeepOrders) {
  // Only cells with data are held (auto picks dense only when half its cells hold data): child
  // 29 over parent 6 is no dense block to refuse.
  for (const auto layout : {OutputLayout::sparse, OutputLayout::automatic}) {
    auto config = shipped_with_orders(6, 29);
    config.output.layout = layout;
    const auto e = estimate_output(config, 1000, 1000);
    EXPECT_EQ(e.rank_bytes, 0.0);
    EXPECT_EQ(output_memory_problem(e, 1e9), "");
  }
}

}  // namespace
}  // namespace healgrid
