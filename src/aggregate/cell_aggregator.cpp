#include "healgrid/aggregate/cell_aggregator.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "healgrid/aggregate/statistics.hpp"

namespace healgrid {

CellAggregator::CellAggregator(const PipelineConfig& config, const HealpixGrid& grid)
    : config_(config), grid_(grid), values_(config.variables.size()) {}

std::uint64_t CellAggregator::bytes_per_point() const {
  return sizeof(std::int64_t) + sizeof(double) * values_.size() + sizeof(std::uint32_t);
}

void CellAggregator::reserve(std::uint64_t points) {
  cells_.reserve(points);
  for (auto& v : values_) v.reserve(points);
}

void CellAggregator::add_point(std::int64_t cell, const double* values) {
  cells_.push_back(cell);
  for (std::size_t v = 0; v < values_.size(); ++v) values_[v].push_back(values[v]);
}

std::vector<std::uint32_t> CellAggregator::order_by_cell(std::vector<std::int64_t>& parents) const {
  // Distinct parents: points arrive in long runs of one parent (a beam crossing a cell).
  parents.clear();
  for (const auto cell : cells_) {
    const auto parent = grid_.parent_of(cell);
    if (parents.empty() || parents.back() != parent) parents.push_back(parent);
  }
  std::sort(parents.begin(), parents.end());
  parents.erase(std::unique(parents.begin(), parents.end()), parents.end());

  // Counting sort by parent slot (stable), remembering each point's slot.
  std::vector<std::uint32_t> slot_of(cells_.size());
  std::vector<std::size_t> start(parents.size() + 1, 0);
  std::int64_t cached_parent = -1;
  std::uint32_t cached_slot = 0;
  for (std::size_t i = 0; i < cells_.size(); ++i) {
    const auto parent = grid_.parent_of(cells_[i]);
    if (parent != cached_parent) {
      cached_parent = parent;
      cached_slot = static_cast<std::uint32_t>(
          std::lower_bound(parents.begin(), parents.end(), parent) - parents.begin());
    }
    slot_of[i] = cached_slot;
    ++start[cached_slot + 1];
  }
  std::partial_sum(start.begin(), start.end(), start.begin());
  std::vector<std::uint32_t> by_parent(cells_.size());
  {
    auto next = start;
    for (std::size_t i = 0; i < cells_.size(); ++i)
      by_parent[next[slot_of[i]]++] = static_cast<std::uint32_t>(i);
  }
  slot_of = {};

  // Within each parent, a stable sort by child: a counting sort over the children when that
  // table is small, a comparison sort otherwise (very deep child orders).
  const auto per_parent = static_cast<std::size_t>(grid_.children_per_parent());
  const bool counting = per_parent <= (std::size_t{1} << 16);
  std::vector<std::uint32_t> counts(counting ? per_parent + 1 : 0), out(cells_.size());
  for (std::size_t p = 0; p < parents.size(); ++p) {
    const auto b = start[p], e = start[p + 1];
    const auto base = grid_.first_child(parents[p]);
    if (!counting) {
      std::copy(by_parent.begin() + b, by_parent.begin() + e, out.begin() + b);
      std::stable_sort(out.begin() + b, out.begin() + e,
                       [&](std::uint32_t x, std::uint32_t y) { return cells_[x] < cells_[y]; });
      continue;
    }
    std::fill(counts.begin(), counts.end(), 0);
    for (auto k = b; k < e; ++k) ++counts[cells_[by_parent[k]] - base + 1];
    std::partial_sum(counts.begin(), counts.end(), counts.begin());
    for (auto k = b; k < e; ++k) {
      const auto i = by_parent[k];
      out[b + counts[cells_[i] - base]++] = i;
    }
  }
  return out;
}

GridBlock CellAggregator::finalize() {
  GridBlock block;
  block.points = cells_.size();
  const auto order = order_by_cell(block.parents);
  const auto per_parent = static_cast<std::size_t>(grid_.children_per_parent());
  const std::size_t cells_out = block.parents.size() * per_parent;

  std::vector<int> var_index, sigma_index;
  for (const auto& s : config_.statistics) {
    OutputColumn col;
    col.spec = &s;
    if (is_integer_statistic(s.function))
      col.i32.assign(cells_out, 0);
    else
      col.f32.assign(cells_out, std::numeric_limits<float>::quiet_NaN());
    block.columns.push_back(std::move(col));
    var_index.push_back(config_.variable_index(s.variable));
    sigma_index.push_back(s.sigma.empty() ? -1 : config_.variable_index(s.sigma));
  }

  CellValues cell_values(values_.size());
  std::size_t parent_slot = 0;
  for (std::size_t begin = 0; begin < order.size();) {
    const auto cell = cells_[order[begin]];
    std::size_t end = begin;
    cell_values.clear();
    while (end < order.size() && cells_[order[end]] == cell) {
      for (std::size_t v = 0; v < values_.size(); ++v)
        cell_values.column(v).push_back(values_[v][order[end]]);
      ++end;
    }
    const auto parent = grid_.parent_of(cell);
    while (block.parents[parent_slot] != parent) ++parent_slot;
    const std::size_t out = parent_slot * per_parent + (cell - grid_.first_child(parent));
    for (std::size_t s = 0; s < block.columns.size(); ++s) {
      auto& col = block.columns[s];
      const double value = cell_values.compute(*col.spec, var_index[s], sigma_index[s]);
      if (!col.i32.empty())
        col.i32[out] = static_cast<std::int32_t>(value);
      else
        col.f32[out] = static_cast<float>(value);
    }
    begin = end;
  }
  cells_.clear();
  cells_.shrink_to_fit();
  for (auto& v : values_) {
    v.clear();
    v.shrink_to_fit();
  }
  return block;
}

}  // namespace healgrid
