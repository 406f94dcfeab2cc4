// How big the output is before anything is allocated: with `output.layout: dense` every parent
// cell with data is written with all its 4^(child_order - parent_order) child cells, so a deep
// child order multiplies the output (child 22 over parent 6: 4.3 billion cells per parent cell)
// and used to end in std::bad_alloc hours into a run. The sparse and auto layouts hold at most
// one cell per point (rank_bytes 0 here). The estimate is pure arithmetic (unit-tested); the
// memory budget is measured once per run.
#pragma once

#include <cstdint>
#include <string>

#include "healgrid/config/pipeline_config.hpp"

namespace healgrid {

struct OutputEstimate {
  std::int64_t cells_per_parent = 0;
  std::int64_t parents = 0;         // parent cells with data (written)
  double cells = 0;                 // parents * cells_per_parent
  std::int64_t bytes_per_cell = 0;  // 4 per statistic + 8 for the cell id
  double file_bytes = 0;            // uncompressed size of the output's cell variables
  double rank_bytes = 0;            // the busiest rank's output blocks in memory
  std::int64_t windows = 1;         // time windows: each holds its own block until the write
};

// `parents` parent cells with data, at most `parents_on_one_rank` of them on one rank, in
// `windows` time windows (config time_windows; 1 without).
OutputEstimate estimate_output(const PipelineConfig& config, std::int64_t parents,
                               std::int64_t parents_on_one_rank, std::int64_t windows = 1);

// Bytes of one rank's output blocks in memory at the end of its reads, with `parents` parent
// cells holding `cell_runs` cell runs (ParentLoad) in `windows` time windows: dense, every
// window's block (estimate_output) and one more while the rounds' blocks are merged; sparse and
// auto, at most min(cell_runs, every child) cells per block, in every window (each window's
// block is aligned to the union of the windows' cells for the write), and two more: the rounds'
// merge, and with windows the union of the cells and a window's block being aligned.
double held_output_bytes(const PipelineConfig& config, std::int64_t parents, std::int64_t cell_runs,
                         std::int64_t windows);

// "" when the busiest rank's block fits in `memory_per_rank_bytes`; else a message with the
// figures and the keys to change (grid.child_order / --child-order, or more nodes).
std::string output_memory_problem(const OutputEstimate& estimate, double memory_per_rank_bytes);

// The memory of this node: physical, or this process's cgroup limit when lower (Slurm --mem,
// containers). plan/memory_budget.hpp turns it into a budget per rank.
double node_memory_bytes();

}  // namespace healgrid
