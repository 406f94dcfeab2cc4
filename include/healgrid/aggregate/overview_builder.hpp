// Overview levels: the output's statistics at coarser HEALPix orders (config `output.overviews`),
// computed from the points themselves, never from the fine cells' statistics.
//
// In the nested scheme the cell of a child id at order o is child >> 2(child_order - o).
//  - Orders from the parent order up to child_order - 1: every point of a parent cell is on
//    one rank, so while the aggregator still holds a parent's points (aggregate/cell_aggregator
//    finalize) they are reduced again per coarser cell with the same reducers as the output's
//    cells: exact for every statistic, quantiles included.
//  - Orders below the parent order: a coarse cell spans parents on several ranks. Each parent
//    contributes per statistic its partials in double (count, sum, min, max, mean and M2 =
//    sum of squared deviations, sum of weights 1/s^2, weighted sum); rank 0 gathers them and
//    merges them in parent-id order (Chan et al.'s pairwise update for mean and M2), so the
//    result is the same for any rank count. Exact for count, min, max, sum, mean,
//    weighted_mean, weighted_mean_sigma, variance and std; quantiles need every point of the
//    cell at once and are left out at these orders.
// Each level holds only its cells with data, increasing (docs/conventions.md, "Overview levels").
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "healgrid/aggregate/cell_aggregator.hpp"
#include "healgrid/aggregate/statistics.hpp"
#include "healgrid/config/pipeline_config.hpp"
#include "healgrid/grid/healpix_grid.hpp"
#include "healgrid/util/mpi_util.hpp"

namespace healgrid {

// One overview level: its cells with data and one column per statistic it holds (every config
// statistic, less the quantiles below the parent order).
struct OverviewLevel {
  int order = 0;
  std::uint64_t total_cells = 0;      // over every rank; known on every rank after gather()
  std::vector<std::uint64_t> cells;   // increasing; after gather(): rank 0 only
  std::vector<OutputColumn> columns;  // the statistics present, in config order
  // Time windows (aggregate/window_overviews.hpp), rank 0: per window its columns on `cells`;
  // `columns` then only name the statistics (no values).
  std::vector<std::vector<OutputColumn>> window_columns;
};

// Whether statistic `f` is written at `order` (quantiles only from the parent order up).
bool overview_has_statistic(StatFunction f, int order, int parent_order);

// One parent's points as the aggregator holds them: each point's child offset in the parent,
// the points' order sorted by child (stable), and the values (variables interleaved, float or
// double). The one place that knows the aggregator's bucket layout.
struct ParentPoints {
  const std::uint32_t* child = nullptr;  // child offsets; or, at deep child orders
  const std::uint32_t* order = nullptr;
  std::size_t n = 0;
  const float* narrow = nullptr;  // one of narrow/wide is set
  const double* wide = nullptr;
  std::size_t nvars = 0;
  const std::uint64_t* child64 = nullptr;  // (child_order - parent_order > 16), these
  std::uint64_t child_at(std::size_t point) const {
    return child64 ? child64[point] : child[point];
  }
  double value(std::size_t point, std::size_t var) const {
    const std::size_t at = point * nvars + var;
    return wide ? wide[at] : static_cast<double>(narrow[at]);
  }
};

class OverviewBuilder {
 public:
  // `orders`: increasing, each below child_order (config/overview_orders.hpp resolve()).
  OverviewBuilder(const PipelineConfig& config, const HealpixGrid& grid, std::vector<int> orders);

  bool enabled() const { return !orders_.empty(); }

  // One parent's points (called once per parent with points, in any parent order).
  void add_parent(std::int64_t parent, const ParentPoints& points);

  // Collective: the levels, increasing order, complete on rank 0 (the other ranks get each
  // level's order and total_cells only). The builder is left empty.
  std::vector<OverviewLevel> gather(const Communicator& comm);

 private:
  void add_fine_levels(std::int64_t parent, const ParentPoints& points);
  void add_partials(std::int64_t parent, const ParentPoints& points);
  OverviewLevel merge_partials(int order, const std::vector<std::int64_t>& parents,
                               const std::vector<double>& partials) const;

  const PipelineConfig& config_;
  const HealpixGrid& grid_;
  std::vector<int> orders_;
  std::vector<int> var_index_, sigma_index_;
  std::vector<OverviewLevel> fine_;    // orders >= parent order, this rank's cells
  std::vector<std::int64_t> parents_;  // parents with partials, in add order
  std::vector<double> partials_;       // kPartialFields per statistic per parent
  CellValues cell_values_;
};

}  // namespace healgrid
