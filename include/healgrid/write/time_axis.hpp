// The time axis of a time-windowed output (config/time_windows.hpp): dimension `time` (one per
// window) and `nv` (2), the CF coordinate `time(time)` holding each window's start (seconds since
// 1970-01-01T00:00:00Z, calendar standard; the start lies within the window's bounds, as CF
// requires, and names the window the way users select it: ds.sel(time="2019-03")),
// `time_bnds(time, nv)` holding [start, end), `time_points_used(time)` (the points each window
// used, over all ranks); the global `healgrid_time_windows` (the windows as configured) goes
// with the other global attributes (OutputMetadata::extra_attributes).
// Every statistic then has the dimensions (time, cell_ids), chunked one window at a time; row w
// holds window w's block as the output's layout stores it (write/cell_layout: the windows'
// blocks all lie on the same cells, the union of theirs, so the dense layout expands each the
// same way and the sparse layout stores them as they are). The chunks of a row follow the
// layout's chunking and ownership, exactly as a statistic of an output without windows.
// Names: io/output_schema.hpp.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "healgrid/aggregate/cell_aggregator.hpp"
#include "healgrid/io/nc_file.hpp"
#include "healgrid/util/mpi_util.hpp"
#include "healgrid/write/cell_layout.hpp"

namespace healgrid {

struct TimeAxis {
  std::vector<double> starts, ends;      // per window, POSIX seconds
  std::vector<long long> points_used;    // per window, all ranks (the same on every rank)
  std::vector<const GridBlock*> blocks;  // per window, this rank's block on the output's cells
};

struct TimeAxisVars {
  int dim = -1, time = -1, bounds = -1, points_used = -1;
};

// Define mode: the dimensions and variables above.
TimeAxisVars define_time_axis(io::NcFile& nc, const TimeAxis& axis);

// Define mode: a statistic on (time, cells), chunks of one window and `chunk` cells (contiguous
// when `chunk` is 0: no cells).
int define_windowed_statistic(io::NcFile& nc, const std::string& name, nc_type type,
                              const TimeAxisVars& time, int cell_dim, std::size_t chunk,
                              int deflate_level);

// Each window's columns as `layout` stores this rank's cells (no ids: those of the union
// block). REQUIRES: every block of `axis` on the same cells (aggregate/window_blocks.hpp).
std::vector<LayoutCells> window_cells(const CellLayout& layout, const HealpixGrid& grid,
                                      const TimeAxis& axis);

// Data mode, collective: rank 0 writes the axis, the other ranks join with nothing.
void write_time_axis(io::NcFile& nc, const Communicator& mpi, const TimeAxis& axis,
                     const TimeAxisVars& vars);

}  // namespace healgrid
