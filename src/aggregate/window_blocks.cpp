#include "healgrid/aggregate/window_blocks.hpp"

#include <algorithm>
#include <iterator>
#include <limits>

#include "healgrid/aggregate/statistics.hpp"
#include "healgrid/util/require.hpp"

namespace healgrid {

std::vector<std::int64_t> union_parents(const std::vector<GridBlock>& blocks) {
  std::vector<std::int64_t> all;
  for (const auto& b : blocks) {
    std::vector<std::int64_t> merged;
    std::set_union(all.begin(), all.end(), b.parents.begin(), b.parents.end(),
                   std::back_inserter(merged));
    all.swap(merged);
  }
  return all;
}

GridBlock align_to_parents(GridBlock block, const std::vector<std::int64_t>& parents,
                           std::int64_t children_per_parent) {
  if (block.parents == parents) return block;
  HEALGRID_REQUIRE(
      std::includes(parents.begin(), parents.end(), block.parents.begin(), block.parents.end()),
      "the target parents hold the block's");
  const auto per = static_cast<std::size_t>(children_per_parent);
  GridBlock out;
  out.parents = parents;
  out.points = block.points;
  for (auto& col : block.columns) {
    OutputColumn aligned;
    aligned.spec = col.spec;
    if (is_integer_statistic(col.spec->function))
      aligned.i32.assign(parents.size() * per, 0);
    else
      aligned.f32.assign(parents.size() * per, std::numeric_limits<float>::quiet_NaN());
    // Each of the block's parents is copied to its slot among `parents` (both sorted).
    std::size_t slot = 0;
    for (std::size_t p = 0; p < block.parents.size(); ++p) {
      while (parents[slot] != block.parents[p]) ++slot;
      if (!col.i32.empty())
        std::copy_n(col.i32.begin() + static_cast<long>(p * per), per,
                    aligned.i32.begin() + static_cast<long>(slot * per));
      else if (!col.f32.empty())
        std::copy_n(col.f32.begin() + static_cast<long>(p * per), per,
                    aligned.f32.begin() + static_cast<long>(slot * per));
    }
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
