// The output: one NetCDF-4/HDF5 file written collectively by all ranks (nc_create_par,
// NC_COLLECTIVE; every rank joins every call, with zero-length writes where it has nothing).
// Layout: dimension and coordinate `cell_ids` (uint64, strictly increasing: every child of every
// parent cell with data in the dense layout, the cells with data in the sparse one, see
// write/cell_layout.hpp; the xdggs attributes), the same ids as the CF auxiliary coordinate
// `healpix_index`, the CF-1.13 grid mapping `crs`, one variable per statistic, the global
// attribute `healgrid_layout` (dense or sparse), and the provenance of every granule on a
// `granules` dimension (names: io/output_schema.hpp; why each attribute sits where:
// docs/conventions.md). Written to `<output>.partial` and renamed by rank 0
// (io/atomic_file's commit_file: synced, renamed, directory synced) only once the file is closed
// and complete.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "healgrid/aggregate/cell_aggregator.hpp"
#include "healgrid/aggregate/overview_builder.hpp"
#include "healgrid/config/pipeline_config.hpp"
#include "healgrid/grid/healpix_grid.hpp"
#include "healgrid/util/mpi_util.hpp"
#include "healgrid/write/cell_layout.hpp"
#include "healgrid/write/time_axis.hpp"

namespace healgrid {

struct GranuleRecord {
  std::string name;  // file name (no directory)
  std::int64_t bytes = 0;
  std::int64_t points_used = 0;
  std::string status;  // "used" or "skipped: <reason>"
};

struct OutputMetadata {
  std::string history;       // command line
  std::string date_created;  // ISO 8601, UTC
  std::string overrides;     // CLI overrides of config values, "" if none
  std::uint64_t points_used = 0;
  std::vector<GranuleRecord> granules;  // identical on every rank
  std::vector<std::string> units;       // per statistic
  std::vector<std::string> long_names;  // per statistic
  // More global text attributes, written in order (e.g. the catalog: app/catalog_inputs.hpp).
  std::vector<std::pair<std::string, std::string>> extra_attributes;
};

std::string partial_path(const std::string& output_path);

// Collective. `layout` (write/cell_layout: plan_cell_layout over the same blocks) says which
// cells the file stores and where this rank's go; `total_parents` the parent cells with data
// over all ranks. `overviews` (OverviewBuilder::gather: complete on rank 0) go in their groups
// (write/overview_writer.hpp). With `time_axis` (config time_windows) the statistics come from
// its blocks, one per window, each on the cells of `block` (whose columns are then unused),
// and have a leading time dimension. Writes the run's partial file (io/run_partial.hpp);
// commit_netcdf gives it the output's name. Throws std::runtime_error naming the file on
// failure (the caller must then abort the job: the other ranks may be inside a collective
// call).
void write_netcdf(const Communicator& mpi, const std::string& output_path,
                  const PipelineConfig& config, const HealpixGrid& grid, const GridBlock& block,
                  const CellLayout& layout, std::int64_t total_parents, const OutputMetadata& meta,
                  const std::vector<OverviewLevel>& overviews = {},
                  const TimeAxis* time_axis = nullptr);

// Collective, after write_netcdf on every rank: renames the complete partial file to
// `output_path` (rank 0), replacing the previous output.
void commit_netcdf(const Communicator& mpi, const std::string& output_path);

// ISO 8601 UTC time of SOURCE_DATE_EPOCH when set (reproducible builds convention), else now.
std::string creation_time_utc();

}  // namespace healgrid
