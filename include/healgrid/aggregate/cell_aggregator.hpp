// Collects the used points of one rank's parent cells and reduces them per child cell into a
// sparse block: the child cells that received at least one point, in id order, with one value
// per statistic each, so memory follows the cells with data, not the grid (any child_order up
// to 29). The dense layout is an expansion at write time (write/cell_layout.hpp).
// Points are kept in one bucket per parent cell as they arrive, so reducing a parent touches
// only its own contiguous points (cache-sized), and each bucket is freed once reduced. Within a
// cell, points are reduced in the order they were added (granule name, beam, row), so each
// cell's result is independent of how parent cells are spread over ranks.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "healgrid/aggregate/bucket_arena.hpp"
#include "healgrid/config/pipeline_config.hpp"
#include "healgrid/grid/healpix_grid.hpp"
#include "healgrid/plan/work_plan.hpp"

namespace healgrid {

class OverviewBuilder;  // aggregate/overview_builder.hpp

struct OutputColumn {
  const StatisticSpec* spec = nullptr;
  std::vector<float> f32;         // float statistics, NaN where empty
  std::vector<std::int32_t> i32;  // count, 0 where empty
};

// `col` spread over `n` cells: value i goes to cell at[i], the others hold the fill (NaN, or 0
// for counts). Shared by the dense expansion and the time windows' alignment.
OutputColumn scatter_column(const OutputColumn& col, const std::vector<std::size_t>& at,
                            std::size_t n);

struct GridBlock {
  std::vector<std::int64_t> parents;  // sorted; each has >= 1 point
  std::vector<std::int64_t> cells;    // child cells with >= 1 point, strictly increasing
  std::vector<OutputColumn> columns;  // one per config statistic, cells.size() long
  std::uint64_t points = 0;
};

// Cells of `block` in which some statistic is not the fill (NaN, or 0 for counts): every cell
// of a block unless some cell's points gave no value.
std::uint64_t cells_with_data(const GridBlock& block);

class CellAggregator {
 public:
  CellAggregator(const PipelineConfig& config, const HealpixGrid& grid);

  // Optional: the parents to expect and an upper bound of their points (the plan's counts),
  // so buckets never reallocate; with nothing added since the last finalize, their storage is
  // one reused buffer (aggregate/bucket_arena.hpp). Points of other parents are still accepted.
  void expect(const std::vector<ParentLoad>& loads);

  // Adds one point of child cell `cell` (values indexed like config.variables). REQUIRES: cell
  // is a cell of the grid at child_order; `values` holds one value per config variable.
  // One point per call (a batch of one: for tests and small inputs; the read loop batches).
  void add_point(std::int64_t cell, const double* values);
  // The same for `n` points in order: point i of cell cells[i], its value of variable k at
  // values[k * stride + i] (the read loop's batch: one column of `stride` per variable).
  // REQUIRES: as add_point, for each point; stride >= n when there are several variables.
  void add_points(const std::int64_t* cells, const double* values, std::size_t stride,
                  std::size_t n);

  std::uint64_t points() const { return points_; }
  // Memory per point held: the larger layout if any round needed doubles.
  std::uint64_t bytes_per_point() const;

  // Reduces everything added; the aggregator is left empty (expectations included).
  GridBlock finalize();

  // Optional: finalize also hands each parent's points to `overviews` (coarser levels, while
  // the points are still here). Not owned; nullptr: none.
  void set_overviews(OverviewBuilder* overviews) { overviews_ = overviews; }

 private:
  // A parent's points: the child's offset in the parent (nested ids: children are contiguous)
  // and the values, stored as float while every value added is exactly a float (float32 or
  // small-integer datasets, the usual case), which halves the memory, else as double.
  struct Bucket {
    explicit Bucket(BucketArena* arena)
        : children(ArenaAllocator<std::uint32_t>(arena)),
          deep_children(ArenaAllocator<std::uint64_t>(arena)),
          narrow(ArenaAllocator<float>(arena)),
          wide(ArenaAllocator<double>(arena)) {}
    ArenaVector<std::uint32_t> children;       // child_order - parent_order <= 16
    ArenaVector<std::uint64_t> deep_children;  // deeper grids: offsets beyond 32 bits
    ArenaVector<float> narrow;  // variables interleaved: point i at [i * nvars, (i+1) * nvars)
    ArenaVector<double> wide;   // the same, once wide_
  };
  Bucket& bucket_of(std::int64_t parent);
  void widen();  // a value that is not exactly a float arrived: every bucket to double
  // Appends the cells of one parent's bucket, reduced, to `block` (offsets: the bucket's
  // children or deep_children).
  template <typename Offset>
  void reduce_bucket(std::int64_t parent, const Bucket& b, const ArenaVector<Offset>& child,
                     GridBlock& block);

  const PipelineConfig& config_;
  const HealpixGrid& grid_;
  std::size_t nvars_;
  bool deep_;                                 // child offsets need 64 bits
  std::vector<int> var_index_, sigma_index_;  // per statistic: its variable and sigma (or -1)
  bool wide_ = false;                         // this round's values are stored as double
  bool ever_wide_ = false;  // some round's were (bytes_per_point reports the larger size)
  std::unique_ptr<BucketArena> arena_;  // before buckets_: their blocks live in it
  std::unordered_map<std::int64_t, Bucket> buckets_;
  std::int64_t last_parent_ = -1;
  Bucket* last_bucket_ = nullptr;
  std::uint64_t points_ = 0;
  OverviewBuilder* overviews_ = nullptr;
  // reduce_bucket's sort, kept from parent to parent of a round (finalize): sized to its largest
  // bucket once, not allocated and zero-filled per parent.
  std::vector<std::uint32_t> order_, counts_;
};

}  // namespace healgrid
