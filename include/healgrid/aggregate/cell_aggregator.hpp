// Collects the used points of one rank's parent cells and reduces them per child cell into a
// dense block: every child of every parent that received at least one point, in id order.
// Points are reduced in the order they were added (granule name, beam, row), so each cell's
// result is independent of how parent cells are spread over ranks.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "healgrid/config/pipeline_config.hpp"
#include "healgrid/grid/healpix_grid.hpp"

namespace healgrid {

struct OutputColumn {
  const StatisticSpec* spec = nullptr;
  std::vector<float> f32;         // float statistics, NaN where empty
  std::vector<std::int32_t> i32;  // count, 0 where empty
};

struct GridBlock {
  std::vector<std::int64_t> parents;  // sorted; each has >= 1 point
  std::vector<OutputColumn> columns;  // one per config statistic, parents.size() * 4^dk long
  std::uint64_t points = 0;
};

class CellAggregator {
 public:
  CellAggregator(const PipelineConfig& config, const HealpixGrid& grid);

  // Adds one point of child cell `cell` (values indexed like config.variables).
  void add_point(std::int64_t cell, const double* values);

  // Capacity for `points` points, so adding never reallocates (the plan knows the count).
  void reserve(std::uint64_t points);

  std::uint64_t points() const { return cells_.size(); }
  std::uint64_t bytes_per_point() const;

  // Reduces everything added; the aggregator is left empty.
  GridBlock finalize();

 private:
  const PipelineConfig& config_;
  const HealpixGrid& grid_;
  // Point indices grouped by cell, cells ascending, insertion order kept within a cell.
  std::vector<std::uint32_t> order_by_cell(std::vector<std::int64_t>& parents) const;

  std::vector<std::int64_t> cells_;
  std::vector<std::vector<double>> values_;  // per variable
};

}  // namespace healgrid
