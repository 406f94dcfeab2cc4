#include "healgrid/write/cell_layout.hpp"

#include <algorithm>

namespace healgrid {
namespace {

constexpr std::size_t kDenseChunkCap = std::size_t{1} << 20;

OutputLayout resolve(OutputLayout configured, const HealpixGrid& grid, long long cells,
                     long long parents) {
  if (configured != OutputLayout::automatic) return configured;
  if (wide_child_offsets(grid.parent_order(), grid.child_order())) return OutputLayout::sparse;
  // Exact in double: parents < 2^53 and a power-of-two factor; the same sums on every rank.
  const double dense =
      static_cast<double>(parents) * static_cast<double>(grid.children_per_parent());
  return 2.0 * static_cast<double>(cells) < dense ? OutputLayout::sparse : OutputLayout::dense;
}

// The block's columns expanded to every child of its parents.
std::vector<OutputColumn> expand(const HealpixGrid& grid, const GridBlock& block) {
  const auto per_parent = static_cast<std::size_t>(grid.children_per_parent());
  const std::size_t n = block.parents.size() * per_parent;
  // Where each block cell lands: its parent's slot (parents and cells are both sorted).
  std::vector<std::size_t> at(block.cells.size());
  std::size_t slot = 0;
  for (std::size_t i = 0; i < block.cells.size(); ++i) {
    const auto parent = grid.parent_of(block.cells[i]);
    while (block.parents[slot] != parent) ++slot;
    at[i] = slot * per_parent + static_cast<std::size_t>(block.cells[i] - grid.first_child(parent));
  }
  std::vector<OutputColumn> out;
  for (const auto& col : block.columns) {
    out.push_back(scatter_column(col, at, n));
  }
  return out;
}

}  // namespace

CellLayout plan_cell_layout(const Communicator& comm, OutputLayout configured,
                            const HealpixGrid& grid, const GridBlock& block) {
  const auto my_cells = static_cast<long long>(block.cells.size());
  const auto my_parents = static_cast<long long>(block.parents.size());
  std::vector<long long> totals = {my_cells, my_parents};
  comm.sum_in_place(totals);
  CellLayout layout;
  layout.kind = resolve(configured, grid, totals[0], totals[1]);
  layout.cells_with_points = static_cast<std::uint64_t>(totals[0]);
  if (layout.kind == OutputLayout::dense) {
    const auto per_parent = static_cast<std::uint64_t>(grid.children_per_parent());
    layout.cells = static_cast<std::uint64_t>(my_parents) * per_parent;
    layout.first_cell =
        static_cast<std::uint64_t>(comm.exclusive_prefix_sum(my_parents)) * per_parent;
    layout.total_cells = static_cast<std::uint64_t>(totals[1]) * per_parent;
    layout.chunk_cells =
        static_cast<std::size_t>(std::min<std::uint64_t>(per_parent, kDenseChunkCap));
  } else {
    layout.cells = static_cast<std::uint64_t>(my_cells);
    layout.first_cell = static_cast<std::uint64_t>(comm.exclusive_prefix_sum(my_cells));
    layout.total_cells = static_cast<std::uint64_t>(totals[0]);
    // netCDF refuses a chunk longer than its fixed dimension.
    layout.chunk_cells = static_cast<std::size_t>(
        std::max<std::uint64_t>(1, std::min<std::uint64_t>(kSparseChunkCells, layout.total_cells)));
  }
  return layout;
}

LayoutCells layout_cells(const CellLayout& layout, const HealpixGrid& grid, const GridBlock& block,
                         bool with_ids) {
  LayoutCells out;
  if (layout.kind == OutputLayout::dense) {
    const auto per_parent = static_cast<std::size_t>(grid.children_per_parent());
    out.ids.resize(with_ids ? block.parents.size() * per_parent : 0);
    for (std::size_t p = 0; with_ids && p < block.parents.size(); ++p) {
      const auto base = static_cast<unsigned long long>(grid.first_child(block.parents[p]));
      for (std::size_t c = 0; c < per_parent; ++c) out.ids[p * per_parent + c] = base + c;
    }
    out.dense_columns = expand(grid, block);
    out.dense = true;
  } else if (with_ids) {
    out.ids.assign(block.cells.begin(), block.cells.end());
  }
  return out;
}

}  // namespace healgrid
