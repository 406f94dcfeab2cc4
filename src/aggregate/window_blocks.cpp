#include "healgrid/aggregate/window_blocks.hpp"

#include <algorithm>
#include <iterator>

#include "healgrid/util/require.hpp"

namespace healgrid {
namespace {

std::vector<std::int64_t> sorted_union(const std::vector<std::int64_t>& a,
                                       const std::vector<std::int64_t>& b) {
  std::vector<std::int64_t> merged;
  merged.reserve(a.size() + b.size());
  std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(merged));
  return merged;
}

}  // namespace

GridBlock union_block(const std::vector<GridBlock>& blocks) {
  GridBlock all;
  for (const auto& b : blocks) {
    all.parents = sorted_union(all.parents, b.parents);
    all.cells = sorted_union(all.cells, b.cells);
    all.points += b.points;
  }
  return all;
}

GridBlock align_to_cells(GridBlock block, const GridBlock& target) {
  GridBlock out;
  out.parents = target.parents;
  out.cells = target.cells;
  out.points = block.points;
  // Where each of the block's cells lands among the target's (both strictly increasing).
  std::vector<std::size_t> at(block.cells.size());
  std::size_t slot = 0;
  for (std::size_t i = 0; i < block.cells.size(); ++i) {
    while (slot < target.cells.size() && target.cells[slot] < block.cells[i]) ++slot;
    HEALGRID_REQUIRE(slot < target.cells.size() && target.cells[slot] == block.cells[i],
                     "the target cells hold the block's");
    at[i] = slot;
  }
  const std::size_t n = target.cells.size();
  for (auto& col : block.columns) {
    OutputColumn aligned = scatter_column(col, at, n);
    col = {};  // free as we go: the aligned copy replaces it
    out.columns.push_back(std::move(aligned));
  }
  return out;
}

std::uint64_t cells_with_data_in_any(const std::vector<GridBlock>& aligned) {
  std::vector<unsigned char> has;
  for (const auto& b : aligned)
    for (const auto& c : b.columns) {
      const std::size_t n = c.i32.empty() ? c.f32.size() : c.i32.size();
      has.resize(n, 0);
      for (std::size_t i = 0; i < n; ++i)
        has[i] |= c.i32.empty() ? c.f32[i] == c.f32[i] : c.i32[i] != 0;
    }
  return static_cast<std::uint64_t>(std::count(has.begin(), has.end(), 1));
}

}  // namespace healgrid
