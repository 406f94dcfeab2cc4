#include "healgrid/catalog/catalog.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>

#include "healgrid/catalog/checksum.hpp"
#include "healgrid/io/atomic_file.hpp"
#include "healgrid/util/safe_path.hpp"

namespace healgrid {
namespace {

using nlohmann::json;

json rings_to_json(const std::vector<Ring>& rings) {
  json out = json::array();
  for (const auto& r : rings) {
    json ring = json::array();
    for (const auto& p : r) ring.push_back({p.lon, p.lat});
    out.push_back(ring);
  }
  return out;
}

std::vector<Ring> rings_from_json(const json& j) {
  std::vector<Ring> rings;
  for (const auto& r : j) {
    Ring ring;
    for (const auto& p : r) ring.push_back({p.at(0).get<double>(), p.at(1).get<double>()});
    rings.push_back(ring);
  }
  return rings;
}

bool touches(const std::vector<std::int64_t>& granule_cells,
             const std::vector<std::int64_t>& planned) {
  return !intersect_cells(granule_cells, planned).empty();
}

}  // namespace

std::size_t drop_duplicate_names(Catalog& c, const std::string& where, bool warn) {
  std::map<std::string, std::string> first_id;  // name -> id of its first entry
  std::vector<CatalogGranule> unique;
  for (auto& g : c.granules) {
    const auto [it, fresh] = first_id.emplace(g.name, g.id);
    if (fresh) {
      unique.push_back(std::move(g));
      continue;
    }
    if (warn)
      std::fprintf(stderr,
                   "healgrid: warning: %s: granule %s is listed twice (ids %s and %s): used once "
                   "(%s)\n",
                   where.c_str(), g.name.c_str(), it->second.c_str(), g.id.c_str(),
                   it->second.c_str());
  }
  const std::size_t dropped = c.granules.size() - unique.size();
  c.granules = std::move(unique);
  return dropped;
}

void finalize_catalog(Catalog& c, int parent_order, LatitudeConvention latitude) {
  std::stable_sort(
      c.granules.begin(), c.granules.end(),
      [](const CatalogGranule& a, const CatalogGranule& b) { return a.name < b.name; });
  std::set<std::string> seen;
  std::vector<CatalogGranule> unique;
  for (auto& g : c.granules) {
    // A server's name becomes one plain file name (an escaped "../" or "a%2Fb" names no
    // directory in the cache); a name with nothing usable leaves its granule out.
    const std::string plain = plain_file_name(g.name);
    if (plain.empty()) {
      std::fprintf(stderr, "healgrid: warning: granule %s: no usable file name in '%s': left out\n",
                   redact_credentials(g.id).c_str(), redact_credentials(g.name).c_str());
      continue;
    }
    g.name = plain;
    if (seen.insert(g.id.empty() ? g.name : g.id).second) unique.push_back(std::move(g));
  }
  c.granules = std::move(unique);
  drop_duplicate_names(c, c.endpoint.empty() ? "the search" : c.endpoint);
  c.parent_order = parent_order;
  c.latitude = latitude;
  c.area_cells.reset();
  if (!c.area.empty())
    c.area_cells =
        area_cells(c.area, parent_order, latitude,
                   c.query.contains("polygon") ? AreaEdges::polygon : AreaEdges::lon_lat);
  c.cells.clear();
  c.all_cells = false;
  for (auto& g : c.granules) {
    g.cells.reset();
    if (g.footprint) g.cells = footprint_cells(*g.footprint, parent_order, latitude);
    if (g.cells) {
      c.cells =
          union_cells(c.cells, c.area_cells ? intersect_cells(*g.cells, *c.area_cells) : *g.cells);
    } else if (c.area_cells) {
      c.cells = union_cells(c.cells, *c.area_cells);
    } else {
      c.all_cells = true;
    }
  }
}

json catalog_to_json(const Catalog& c) {
  json granules = json::array();
  for (const auto& g : c.granules) {
    json e = {{"id", g.id},
              {"name", g.name},
              {"https_url", g.https_url},
              {"s3_url", g.s3_url},
              {"time_start", g.time_start},
              {"time_end", g.time_end},
              {"bytes", g.bytes}};
    if (!g.path.empty()) e["path"] = g.path;
    e["checksum"] = g.checksum.empty()
                        ? json(nullptr)
                        : json{{"algorithm", g.checksum_algorithm}, {"value", g.checksum}};
    e["footprint"] = g.footprint ? rings_to_json(*g.footprint) : json(nullptr);
    e["cells"] = g.cells ? json(*g.cells) : json(nullptr);
    granules.push_back(e);
  }
  json j = {{"healgrid_catalog", 1},
            {"source", c.source},
            {"endpoint", c.endpoint},
            {"queried_at", c.queried_at},
            {"query", c.query},
            {"grid", {{"parent_order", c.parent_order}, {"latitude", to_string(c.latitude)}}},
            {"granule_count", c.granules.size()}};
  if (!c.area.empty()) j["area"] = rings_to_json(c.area);
  if (c.area_cells) j["area_cells"] = *c.area_cells;
  j["cells"] = c.all_cells ? json(nullptr) : json(c.cells);
  j["granules"] = granules;
  return j;
}

Catalog read_catalog(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError(path + ": cannot read the catalog file");
  std::string key = "(document)";
  try {
    const json j = json::parse(in);
    Catalog c;
    key = "healgrid_catalog";
    if (j.at(key).get<int>() != 1) throw std::invalid_argument("unsupported catalog version");
    key = "source", c.source = j.at(key).get<std::string>();
    key = "endpoint", c.endpoint = j.at(key).get<std::string>();
    key = "queried_at", c.queried_at = j.at(key).get<std::string>();
    key = "query", c.query = j.at(key);
    key = "grid.parent_order", c.parent_order = j.at("grid").at("parent_order").get<int>();
    key = "grid.latitude";
    c.latitude = j.at("grid").at("latitude").get<std::string>() == "geodetic"
                     ? LatitudeConvention::geodetic
                     : LatitudeConvention::authalic;
    key = "area";
    if (j.contains(key)) c.area = rings_from_json(j.at(key));
    key = "area_cells";
    if (j.contains(key)) c.area_cells = j.at(key).get<std::vector<std::int64_t>>();
    key = "cells";
    c.all_cells = j.at(key).is_null();
    if (!c.all_cells) c.cells = j.at(key).get<std::vector<std::int64_t>>();
    std::size_t i = 0;
    for (const auto& e : j.at("granules")) {
      const std::string at = "granules[" + std::to_string(i++) + "].";
      CatalogGranule g;
      key = at + "id", g.id = e.at("id").get<std::string>();
      key = at + "name", g.name = e.at("name").get<std::string>();
      if (g.name.empty() || g.name.find('/') != std::string::npos || g.name[0] == '.')
        throw std::invalid_argument("granule name must be a plain file name");
      key = at + "https_url", g.https_url = e.value("https_url", "");
      key = at + "s3_url", g.s3_url = e.value("s3_url", "");
      key = at + "path", g.path = e.value("path", "");
      key = at + "time_start", g.time_start = e.value("time_start", "");
      key = at + "time_end", g.time_end = e.value("time_end", "");
      key = at + "bytes", g.bytes = e.value("bytes", std::int64_t{-1});
      key = at + "checksum";
      if (e.contains("checksum") && !e.at("checksum").is_null()) {
        g.checksum = e.at("checksum").at("value").get<std::string>();
        g.checksum_algorithm = specific_algorithm(  // catalogs written before SHA-2 was read
            e.at("checksum").at("algorithm").get<std::string>(), g.checksum);
      }
      key = at + "footprint";
      if (e.contains("footprint") && !e.at("footprint").is_null())
        g.footprint = rings_from_json(e.at("footprint"));
      key = at + "cells";
      if (e.contains("cells") && !e.at("cells").is_null())
        g.cells = e.at("cells").get<std::vector<std::int64_t>>();
      c.granules.push_back(std::move(g));
    }
    return c;
  } catch (const std::exception& e) {
    throw InputError(path + ": malformed catalog at key '" + key + "': " + e.what());
  }
}

void check_catalog_replaceable(const std::string& path) {
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) return;  // nothing there yet
  const std::string advice =
      ": healgrid replaces only a catalog it wrote; move it away or "
      "choose another catalog path";
  if (S_ISLNK(st.st_mode))
    throw InputError(path + ": the catalog path is a symbolic link" + advice);
  if (!S_ISREG(st.st_mode))
    throw InputError(path + ": the catalog path exists and is not a regular file" + advice);
  std::ifstream in(path);
  const auto doc = nlohmann::json::parse(in, nullptr, false);
  if (!doc.is_object() || !doc.contains("healgrid_catalog"))
    throw InputError(path +
                     ": the file exists and is not a healgrid catalog (no "
                     "\"healgrid_catalog\" key)" +
                     advice);
}

void write_catalog(const std::string& path, const Catalog& catalog) {
  check_catalog_replaceable(path);
  try {
    io::write_file_atomically(path, catalog_to_json(catalog).dump(1) + "\n");
  } catch (const std::runtime_error& e) {
    throw InputError(std::string(e.what()) + " (writing the catalog)");
  }
}

std::vector<Granule> granules_from_catalog(const std::string& catalog_path,
                                           const std::string& cache_dir, int parent_order,
                                           LatitudeConvention latitude,
                                           CatalogSelection& selection) {
  Catalog catalog = read_catalog(catalog_path);
  drop_duplicate_names(catalog, catalog_path);
  selection.catalog_path = catalog_path;
  selection.catalog_sha256 = file_digest_hex(catalog_path, "SHA-256");
  selection.catalog_granules = catalog.granules.size();
  // The catalog's cells were computed for its grid; another grid gets them recomputed from
  // the footprints and the area (catalog cells are never reused at a different order).
  if (catalog.parent_order != parent_order || catalog.latitude != latitude)
    finalize_catalog(catalog, parent_order, latitude);
  selection.restrict_cells = !catalog.all_cells;
  selection.planned_cells = catalog.cells;

  std::vector<Granule> granules;
  std::vector<std::string> missing;
  for (const auto& g : catalog.granules) {
    if (selection.restrict_cells && g.cells && !touches(*g.cells, selection.planned_cells)) {
      ++selection.left_out;
      continue;
    }
    std::vector<std::string> candidates;
    if (!cache_dir.empty()) candidates.push_back(safe_cache_path(cache_dir, g.name));
    if (!g.path.empty()) candidates.push_back(g.path);
    bool found = false;
    for (const auto& p : candidates) {
      struct stat st {};
      if (stat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
      if (g.bytes >= 0 && st.st_size != g.bytes) continue;  // incomplete or another file
      if (!g.checksum.empty()) selection.checksums[p] = g.checksum_algorithm + " " + g.checksum;
      // Named by the file, as every rank names it from the path alone.
      granules.push_back(
          {p, p.substr(p.find_last_of('/') + 1), static_cast<std::int64_t>(st.st_size)});
      found = true;
      break;
    }
    if (!found) missing.push_back(g.name);
  }
  if (!missing.empty()) {
    std::string list;
    for (std::size_t i = 0; i < missing.size() && i < 3; ++i) list += (i ? ", " : "") + missing[i];
    if (missing.size() > 3) list += ", ...";
    throw InputError(catalog_path + ": " + std::to_string(missing.size()) +
                     " granule(s) not available locally with the catalog's size (" + list + ")" +
                     (cache_dir.empty() ? "; give --cache-dir where `healgrid fetch` put them"
                                        : " in " + cache_dir + "; run `healgrid fetch --catalog " +
                                              catalog_path + " --cache-dir " + cache_dir + "`"));
  }
  return each_granule_once(std::move(granules));  // sorted by name
}

}  // namespace healgrid
