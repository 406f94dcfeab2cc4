// The overview levels in the output (aggregate/overview_builder.hpp): one netCDF-4 group per
// order, `overviews/order_NN` (two digits), each readable on its own, e.g. with
// `xr.open_dataset(f, group="overviews/order_08").pipe(xdggs.decode)`. A group holds its own
// dimension `cell_ids` (the level's cells with data, increasing), `cell_ids`, `healpix_index`
// and `crs` with the root's attribute contract at the group's order (docs/conventions.md), and
// every statistic the level holds with the root variable's attributes; its attributes are
// `Conventions`, `latitude_convention`, `parent_order`, `child_order` (the file's) and
// `healgrid_overview_method`. Names: io/output_schema.hpp.
//
// The groups are defined with the root (collective define mode); rank 0 holds every level
// (OverviewBuilder::gather) and writes it alone: uncompressed through netCDF's collective
// writes (the other ranks join with nothing), compressed through the direct chunk writer
// (write/direct_chunk_writer) once netCDF has closed the file. Either way the bytes depend on
// the values only, never on the rank count.
//
// With time windows (`time`: write/time_axis.hpp) each group also holds the time axis (`time`,
// `time_bnds`, `time_points_used`, so that the group decodes on its own with its time) and its
// statistics are on (time, cell_ids), chunks of one window: row w holds window w's columns
// (OverviewLevel::window_columns, aggregate/window_overviews.hpp).
#pragma once

#include <string>
#include <vector>

#include "healgrid/aggregate/overview_builder.hpp"
#include "healgrid/grid/healpix_grid.hpp"
#include "healgrid/io/nc_file.hpp"
#include "healgrid/util/mpi_util.hpp"
#include "healgrid/write/time_axis.hpp"

namespace healgrid {

// "overviews/order_08".
std::string overview_group_path(int order);

// A statistic variable's attributes, copied from the root's definition.
struct OverviewAttributes {
  std::string long_name, units;
};

struct OverviewVars {
  int cell_ids = -1, healpix_index = -1;
  std::vector<int> statistics;  // one per level column
  std::size_t chunk = 0;        // cells per chunk; 0: contiguous (an empty level)
  TimeAxisVars time;            // time windows only
};

// Define mode, collective: every level's group. `attributes` per config statistic.
std::vector<OverviewVars> define_overviews(io::NcFile& nc, const PipelineConfig& config,
                                           const HealpixGrid& grid,
                                           const std::vector<OverviewLevel>& levels,
                                           const std::vector<OverviewAttributes>& attributes,
                                           const TimeAxis* time = nullptr);

// Data mode, collective: the uncompressed levels' values (nothing when compressed).
void write_overview_values(io::NcFile& nc, const Communicator& comm,
                           const std::vector<OverviewLevel>& levels,
                           const std::vector<OverviewVars>& vars, bool compressed,
                           const TimeAxis* time = nullptr);

// After netCDF closed `path`, collective: the compressed levels' chunks.
void write_overview_chunks(const Communicator& comm, const std::string& path,
                           const std::vector<OverviewLevel>& levels,
                           const std::vector<OverviewVars>& vars, int deflate_level,
                           std::size_t windows = 0);

}  // namespace healgrid
