// A frozen catalog: the query, the endpoint, when it was asked, and per granule its id, file
// name, https and s3 URLs, time range, size, checksum (when the server gave one), footprint and
// the HEALPix parent cells the footprint touches. Written by `healgrid resolve`, read by
// `healgrid fetch` and `healgrid run --catalog`, so a campaign reruns on exactly these inputs.
//
// JSON layout (sorted by granule name; "cells" are nested ids at grid.parent_order):
//   {"healgrid_catalog": 1, "source": "cmr"|"stac", "endpoint": URL, "queried_at": ISO time,
//    "query": {...}, "grid": {"parent_order": 6, "latitude": "authalic"},
//    "area_cells": [..] (only with a query area), "cells": [..],
//    "granules": [{"id", "name", "https_url", "s3_url", "path" (optional local file),
//                  "time_start", "time_end", "bytes" (-1 unknown),
//                  "checksum": {"algorithm", "value"} | null,
//                  "footprint": [[[lon, lat], ...], ...] | null, "cells": [..] | null}]}
// A granule with no footprint has "cells": null and is taken to touch every cell.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "healgrid/catalog/footprint.hpp"
#include "healgrid/catalog/granule_list.hpp"
#include "healgrid/config/pipeline_config.hpp"

namespace healgrid {

struct CatalogGranule {
  std::string id, name, https_url, s3_url, path;
  std::string time_start, time_end;
  std::int64_t bytes = -1;
  std::string checksum_algorithm, checksum;
  std::optional<std::vector<Ring>> footprint;
  std::optional<std::vector<std::int64_t>> cells;
};

struct Catalog {
  std::string source, endpoint, queried_at;
  nlohmann::json query = nlohmann::json::object();
  std::vector<Ring> area;  // the query area (empty: none), kept to recompute cells
  int parent_order = 6;
  LatitudeConvention latitude = LatitudeConvention::authalic;
  std::optional<std::vector<std::int64_t>> area_cells;
  std::vector<std::int64_t> cells;  // union of granule cells (within the area, if any)
  bool all_cells = false;           // some granule has no footprint and there is no area
  std::vector<CatalogGranule> granules;
};

// Each granule name once: an entry whose name an earlier entry has (one granule under two
// concept ids: two revisions, two providers, an entry copied by hand) is dropped, with a
// warning on stderr (when `warn`) naming `where` (the catalog file or the search) and both ids.
// Returns how many were dropped.
std::size_t drop_duplicate_names(Catalog& catalog, const std::string& where, bool warn = true);

// Sorts granules by name, drops duplicate ids and names (drop_duplicate_names), and computes every
// granule's cells, the area's cells and the catalog's cells at (order, latitude).
void finalize_catalog(Catalog& catalog, int parent_order, LatitudeConvention latitude);

nlohmann::json catalog_to_json(const Catalog& catalog);
// Throws InputError naming the file and the key for a malformed catalog.
Catalog read_catalog(const std::string& path);
// Written atomically (io/atomic_file.hpp), only over a catalog healgrid wrote
// (check_catalog_replaceable); throws InputError naming the file.
void write_catalog(const std::string& path, const Catalog& catalog);
// What write_catalog may replace: nothing, or a regular file (not a symbolic link) holding a
// JSON object with the key "healgrid_catalog" (the marker every catalog healgrid writes
// carries). Anything else (someone's text, a granule, a link, a directory) throws InputError
// naming the path; called before any query, so a refused run asks no server.
void check_catalog_replaceable(const std::string& path);

// Where `healgrid run --catalog` reads from: the local granules of the catalog entries whose
// cells touch the planned cells, and the planned cells (the catalog's, recomputed when the
// run's grid differs from the catalog's).
struct CatalogSelection {
  std::string catalog_path, catalog_sha256;
  bool restrict_cells = false;                     // false: every cell is planned
  std::vector<std::int64_t> planned_cells;         // sorted, at the run's parent order
  std::size_t catalog_granules = 0, left_out = 0;  // left out: footprint touches no planned cell
  // Rank 0: local path -> "ALGORITHM VALUE", the catalog's checksum of the granule there
  // (granules without one are absent), checked by verify_catalog_checksums before any read.
  std::map<std::string, std::string> checksums;
  // Every rank, after verify_catalog_checksums: what was checked (the output's
  // healgrid_catalog_checksums).
  std::string checksums_note;
};

// Rank 0. Each entry resolves to CACHE_DIR/name (when cache_dir is given and the file is
// there) or to its "path". Each granule is used once: entries of one name (drop_duplicate_names)
// and files of the same bytes (each_granule_once, catalog/granule_list.hpp) are kept once with
// a warning. Throws InputError naming the catalog and the missing granules.
std::vector<Granule> granules_from_catalog(const std::string& catalog_path,
                                           const std::string& cache_dir, int parent_order,
                                           LatitudeConvention latitude,
                                           CatalogSelection& selection);

}  // namespace healgrid
