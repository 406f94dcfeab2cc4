// `healgrid run --catalog`: the glue between a frozen catalog and the run's phases.
//   phase 1 (rank 0): granules_from_catalog (catalog/catalog.hpp) gives the local granules whose
//     footprint touches a planned cell; bcast_selection hands the planned cells to every rank;
//     verify_catalog_checksums (every rank) checks the granules' bytes against the catalog;
//   after the index pass (every rank): restrict_to_planned_cells drops the points and loads of
//     parent cells outside the catalog's cells, so the plan starts from the catalog's cells and
//     the result does not depend on the number of ranks;
//   write: catalog_attributes names the catalog file and its SHA-256 in the output.
// With a query instead of a catalog (`run --collection ... --cycle ... --bbox ...`),
// resolve_run_catalog resolves on rank 0 and writes the catalog beside the output.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "healgrid/app/run_options.hpp"
#include "healgrid/catalog/catalog.hpp"
#include "healgrid/pipeline/index_pass.hpp"
#include "healgrid/util/mpi_util.hpp"

namespace healgrid {

// Rank 0, phase 1 of a run without --input: the catalog's local granules (for a query: resolved
// first and written to catalog_path_beside(output)). Prints one line unless opt.quiet. Throws
// InputError naming the catalog, URL or missing granules.
std::vector<Granule> resolve_run_granules(const RunOptions& opt, const HealpixGrid& grid,
                                          CatalogSelection& selection);

void bcast_selection(const Communicator& mpi, CatalogSelection& selection);
// Collective, before the index pass: each granule's bytes against the catalog's checksum
// (rank r hashes granules r, r + size, ...: the reading is spread over the ranks). A file that
// differs (another file with the catalog's name and size) fails the run naming the file, the
// catalog and both checksums. Granules without a checksum in the catalog are not read here.
// With `verify` false (--catalog-checksums skip) nothing is read. Either way sets
// selection.checksums_note on every rank, for the output's healgrid_catalog_checksums.
void verify_catalog_checksums(const Communicator& comm, const std::vector<Granule>& granules,
                              bool verify, CatalogSelection& selection);
void restrict_to_planned_cells(IndexResult& index, const HealpixGrid& grid,
                               const CatalogSelection& selection);
// ("healgrid_catalog", path), ("healgrid_catalog_sha256", hex), ("healgrid_catalog_cells", n),
// ("healgrid_catalog_checksums", what was verified); empty when the run did not use a catalog.
std::vector<std::pair<std::string, std::string>> catalog_attributes(
    const CatalogSelection& selection);

// The catalog file written beside OUTPUT for a run given a query: OUTPUT minus ".nc", plus
// ".catalog.json".
std::string catalog_path_beside(const std::string& output);

}  // namespace healgrid
