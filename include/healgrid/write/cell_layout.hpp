// Which cells the output stores, where each rank's cells go, and how they are chunked: the
// writer's layout abstraction (config/output_layout.hpp names the layouts).
//
//   dense  - every child of every parent cell with data: each rank's cells start at its parent
//            offset x 4^(child - parent); chunks of min(4^(child - parent), 2^20) cells, so a
//            chunk never spans two parents (nor two ranks). Byte-identical to the files of the
//            dense-only writer before the sparse layout.
//   sparse - only the cells of the block (>= 1 point), ids strictly increasing; each rank's
//            cells start at the exclusive prefix sum of the cell counts; chunks of
//            kSparseChunkCells cells (fewer when the file holds fewer), which cross rank
//            boundaries (write/direct_chunk_writer gathers each chunk on one rank).
//   auto   - sparse when the dense blocks would be mostly fill: cells with data (over all ranks)
//            fewer than half the dense cells, or child_order - parent_order above 16; else
//            dense. Decided from global sums, so every rank and every rank count agrees.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "healgrid/aggregate/cell_aggregator.hpp"
#include "healgrid/config/output_layout.hpp"
#include "healgrid/grid/healpix_grid.hpp"
#include "healgrid/util/mpi_util.hpp"

namespace healgrid {

// Cells per chunk of a sparse file (the last chunk may be partial). 2^16 cells: 256 KiB of a
// float statistic, 512 KiB of ids.
constexpr std::size_t kSparseChunkCells = std::size_t{1} << 16;

struct CellLayout {
  OutputLayout kind = OutputLayout::sparse;  // dense or sparse, never automatic
  std::uint64_t total_cells = 0;             // length of the cell_ids dimension
  std::uint64_t first_cell = 0;              // this rank's first cell in the file
  std::uint64_t cells = 0;                   // this rank's cells
  std::size_t chunk_cells = 1;               // cells per chunk
  std::uint64_t cells_with_points = 0;       // over every rank: the cells of the blocks
};

// Collective: resolves `configured` (auto by the rule above) and places this rank's cells.
CellLayout plan_cell_layout(const Communicator& comm, OutputLayout configured,
                            const HealpixGrid& grid, const GridBlock& block);

// This rank's cells as the layout stores them: the ids, and one column per statistic (the
// block's own for sparse; for dense the block expanded to every child of its parents, with the
// fill value, NaN or 0, where a cell has no point).
struct LayoutCells {
  std::vector<unsigned long long> ids;
  std::vector<OutputColumn> dense_columns;  // dense only
  bool dense = false;
  const std::vector<OutputColumn>& columns(const GridBlock& block) const {
    return dense ? dense_columns : block.columns;
  }
};
// `with_ids` false: the columns only (time windows: every window on the same cells).
LayoutCells layout_cells(const CellLayout& layout, const HealpixGrid& grid, const GridBlock& block,
                         bool with_ids = true);

}  // namespace healgrid
