#include "healgrid/aggregate/cell_aggregator.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "healgrid/aggregate/statistics.hpp"

namespace healgrid {

CellAggregator::CellAggregator(const PipelineConfig& config, const HealpixGrid& grid,
                               std::int64_t first_parent, std::int64_t last_parent)
    : config_(config),
      grid_(grid),
      first_parent_(first_parent),
      last_parent_(last_parent),
      values_(config.variables.size()) {}

std::uint64_t CellAggregator::bytes_per_point() const {
  return sizeof(std::int64_t) + sizeof(double) * values_.size() + sizeof(std::uint32_t);
}

void CellAggregator::add_point(std::int64_t cell, const double* values) {
  cells_.push_back(cell);
  for (std::size_t v = 0; v < values_.size(); ++v) values_[v].push_back(values[v]);
}

std::uint64_t CellAggregator::add(const BeamChunk& chunk) {
  std::uint64_t accepted = 0;
  std::vector<double> point(values_.size());
  for (std::size_t i = 0; i < chunk.size(); ++i) {
    if (!chunk.valid[i]) continue;
    const auto cell = grid_.cell(chunk.lat[i], chunk.lon[i]);
    const auto parent = grid_.parent_of(cell);
    if (parent < first_parent_ || parent > last_parent_) continue;
    for (std::size_t v = 0; v < values_.size(); ++v) point[v] = chunk.values[v][i];
    add_point(cell, point.data());
    ++accepted;
  }
  return accepted;
}

GridBlock CellAggregator::finalize() {
  GridBlock block;
  block.points = cells_.size();
  // Group by cell, keeping insertion order within a cell (stable) for determinism.
  std::vector<std::uint32_t> order(cells_.size());
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::uint32_t a, std::uint32_t b) { return cells_[a] < cells_[b]; });

  for (auto i : order) {
    const auto parent = grid_.parent_of(cells_[i]);
    if (block.parents.empty() || block.parents.back() != parent) block.parents.push_back(parent);
  }
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
