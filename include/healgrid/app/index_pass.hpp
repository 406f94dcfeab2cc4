// The index pass, spread over all ranks: each rank opens its share of the granules (granule i
// on rank i % size), reads coordinates and filter datasets once, and counts, per beam and
// parent cell, the points that pass, with the row range that holds them.
#pragma once

#include <string>
#include <vector>

#include "healgrid/catalog/granule_list.hpp"
#include "healgrid/config/pipeline_config.hpp"
#include "healgrid/grid/healpix_grid.hpp"
#include "healgrid/plan/work_plan.hpp"
#include "healgrid/util/mpi_util.hpp"

namespace healgrid {

struct IndexResult {
  std::vector<IndexEntry> entries;
  std::vector<std::pair<std::int64_t, std::string>> failures;  // granule index, reason
  std::vector<std::int64_t> beamless;  // readable granules holding none of the configured beams
  std::int64_t rows_scanned = 0;
};

// Rows read per HDF5 call: bounds the transient memory of one beam.
constexpr std::uint64_t kRowBlock = std::uint64_t{1} << 20;

IndexResult index_granules(const MpiContext& mpi, const std::vector<Granule>& granules,
                           const PipelineConfig& config, const HealpixGrid& grid);

}  // namespace healgrid
