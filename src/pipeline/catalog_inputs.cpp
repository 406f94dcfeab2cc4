#include "healgrid/pipeline/catalog_inputs.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "healgrid/catalog/checksum.hpp"
#include "healgrid/io/output_schema.hpp"
#include "healgrid/pipeline/collective_step.hpp"

namespace healgrid {
namespace {

// Throws InputError naming the file, the catalog and both checksums when the file's digest
// differs from `expected` ("ALGORITHM VALUE"; "" or an unknown algorithm: nothing to check).
void check_granule_checksum(const std::string& path, const std::string& expected,
                            const std::string& catalog_path) {
  const auto space = expected.find(' ');
  if (space == std::string::npos) return;
  const std::string algorithm = expected.substr(0, space);
  std::string want = expected.substr(space + 1);
  for (auto& c : want) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!digest_algorithm_known(algorithm)) return;
  std::string got;
  try {
    got = file_digest_hex(path, algorithm);
  } catch (const std::runtime_error& e) {
    throw InputError(e.what());
  }
  if (got != want)
    throw InputError(path + ": " + algorithm + " " + got + " differs from the catalog's " + want +
                     " (" + catalog_path +
                     "): this file is not the catalog's granule; remove it and rerun healgrid "
                     "fetch");
}

}  // namespace

std::vector<Granule> resolve_run_granules(const RunOptions& opt, const HealpixGrid& grid,
                                          CatalogSelection& selection) {
  std::string catalog_path = opt.catalog_path;
  try {
    if (opt.query_given) {
      check_catalog_replaceable(catalog_path_beside(opt.output));  // before any query
      QueryArgs args = opt.query;
      args.search.quiet = opt.quiet;
      Catalog catalog = run_search(make_query(args), args);
      finalize_catalog(catalog, grid.parent_order(), grid.convention());
      catalog_path = catalog_path_beside(opt.output);
      write_catalog(catalog_path, catalog);
    }
    auto granules = granules_from_catalog(catalog_path, opt.cache_dir, grid.parent_order(),
                                          grid.convention(), selection);
    if (!opt.quiet)
      std::printf(
          "[resolve] catalog %s (sha256 %.12s...): %zu of %zu granules touch %s\n",
          catalog_path.c_str(), selection.catalog_sha256.c_str(), granules.size(),
          selection.catalog_granules,
          selection.restrict_cells
              ? (std::to_string(selection.planned_cells.size()) + " planned parent cells").c_str()
              : "the grid (no footprints: every cell planned)");
    return granules;
  } catch (const InputError&) {
    throw;
  } catch (const std::exception& e) {
    throw InputError(e.what());
  }
}

void bcast_selection(const Communicator& mpi, CatalogSelection& s) {
  std::vector<std::string> header{s.catalog_path, s.catalog_sha256, s.restrict_cells ? "1" : "0"};
  mpi.bcast(header);
  s.catalog_path = header.at(0);
  s.catalog_sha256 = header.at(1);
  s.restrict_cells = header.at(2) == "1";
  mpi.bcast(s.planned_cells);
}

void verify_catalog_checksums(const Communicator& comm, const std::vector<Granule>& granules,
                              bool verify, CatalogSelection& s) {
  if (!verify) {
    s.checksums_note = "not verified (--catalog-checksums skip): size only";
    return;
  }
  std::vector<std::string> expected(granules.size());  // "ALGORITHM VALUE" or ""
  if (comm.is_root())
    for (std::size_t i = 0; i < granules.size(); ++i)
      if (const auto it = s.checksums.find(granules[i].path); it != s.checksums.end())
        expected[i] = it->second;
  comm.bcast(expected);
  const auto checked = std::count_if(expected.begin(), expected.end(), [](const std::string& e) {
    return digest_algorithm_known(e.substr(0, e.find(' ')));
  });
  s.checksums_note = std::to_string(checked) + " of " + std::to_string(granules.size()) +
                     " granules verified against the catalog's checksums";
  run_on_every_rank(comm, [&] {
    for (std::size_t i = static_cast<std::size_t>(comm.rank); i < granules.size();
         i += static_cast<std::size_t>(comm.size))
      check_granule_checksum(granules[i].path, expected[i], s.catalog_path);
  });
}

void restrict_to_planned_cells(IndexResult& index, const HealpixGrid& grid,
                               const CatalogSelection& s) {
  if (!s.restrict_cells) return;
  const auto planned = [&](std::int64_t parent) {
    return std::binary_search(s.planned_cells.begin(), s.planned_cells.end(), parent);
  };
  index.loads.erase(std::remove_if(index.loads.begin(), index.loads.end(),
                                   [&](const ParentLoad& l) { return !planned(l.parent); }),
                    index.loads.end());
  for (auto& part : index.points)
    keep_points(part, [&](const PointRef& p) { return planned(grid.parent_of(p.cell)); });
}

std::vector<std::pair<std::string, std::string>> catalog_attributes(const CatalogSelection& s) {
  if (s.catalog_path.empty()) return {};
  return {
      {schema::kCatalog, s.catalog_path},
      {schema::kCatalogSha256, s.catalog_sha256},
      {schema::kCatalogCells, s.restrict_cells ? std::to_string(s.planned_cells.size()) : "all"},
      {schema::kCatalogChecksums, s.checksums_note}};
}

std::string catalog_path_beside(const std::string& output) {
  const bool nc = output.size() > 3 && output.compare(output.size() - 3, 3, ".nc") == 0;
  return (nc ? output.substr(0, output.size() - 3) : output) + ".catalog.json";
}

}  // namespace healgrid
