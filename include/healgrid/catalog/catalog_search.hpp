// Granule discovery: NASA CMR granule search (granules.umm_json, paged with CMR-Search-After,
// total from CMR-Hits) and any STAC API item search (POST {root}/search, following rel "next"
// links of both kinds: a GET href as NASA CMR-STAC returns, or method POST with a body, merged
// or not, as other STAC servers return). The page parsers are separate so the recorded
// responses can be checked directly. Results are granules without cells: finalize_catalog
// adds them.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "healgrid/catalog/catalog.hpp"
#include "healgrid/catalog/granule_query.hpp"
#include "healgrid/catalog/http_client.hpp"

namespace healgrid {

struct SearchOptions {
  std::string cmr_url = "https://cmr.earthdata.nasa.gov";                   // CMR root
  std::string stac_url = "https://cmr.earthdata.nasa.gov/stac/NSIDC_CPRD";  // STAC API root
  std::string stac_collection;  // default: SHORTNAME_VERSION (CMR-STAC's naming)
  int page_size = 2000;         // CMR: 1..2000; STAC: the `limit`
  RetryPolicy retry;
  bool quiet = false;
};

// One page of CMR granules.umm_json ("items"), CMR granules.json ("feed.entry", polygons as
// "lat lon lat lon ..." strings) or a STAC ItemCollection ("features"; the granule is the asset
// keyed "data", else the first with role "data" or an HDF5/netCDF file name, never a
// thumbnail, overview or metadata asset; none: no URL). Throws
// std::invalid_argument naming the item and key for a malformed entry.
std::vector<CatalogGranule> parse_cmr_umm_page(const nlohmann::json& page);
std::vector<CatalogGranule> parse_cmr_json_feed(const nlohmann::json& page);
std::vector<CatalogGranule> parse_stac_page(const nlohmann::json& page);

struct StacNextRequest {
  std::string method;  // "GET" or "POST"
  std::string href;
  nlohmann::json body;  // POST only: the full body to send
};
// The page's rel "next" link as the next request (a POST body merged into `previous_body`
// when the link says "merge": true); nullopt on the last page.
std::optional<StacNextRequest> stac_next_request(const nlohmann::json& page,
                                                 const nlohmann::json& previous_body);

std::string cmr_search_url(const GranuleQuery& query, const std::string& cmr_root, int page_size);
nlohmann::json stac_search_body(const GranuleQuery& query, const std::string& collection,
                                int limit);

// Runs the search to the last page; fills source, endpoint, queried_at, query, area and
// granules (name filters applied; a granule without a data link, CMR GET DATA or a STAC data
// asset, is left out with a warning naming its id). Throws std::runtime_error naming the URL on
// an HTTP error, malformed JSON, a paging loop, or fewer or more granules than CMR-Hits (CMR) or
// numberMatched (STAC, when the server states it) announced.
Catalog search_cmr(const GranuleQuery& query, const SearchOptions& options);
Catalog search_stac(const GranuleQuery& query, const SearchOptions& options);

}  // namespace healgrid
