// The granule-query options shared by `healgrid resolve` and `healgrid run` (--collection,
// --cycle, --bbox, ...), and the catalog-server options (--source, --cmr-url, --stac-url, ...).
#pragma once

#include <boost/program_options.hpp>
#include <string>

#include "healgrid/catalog/catalog_search.hpp"
#include "healgrid/catalog/granule_query.hpp"

namespace healgrid {

struct QueryArgs {
  std::string collection = "ATL06", version = "006", provider = "NSIDC_CPRD";
  std::string start, end, bbox, polygon_file, rgts, regions, cycles;
  static constexpr int kNoCycle = -1000000;  // --cycle not given (0 and below are refused)
  int cycle = kNoCycle;
  std::string source = "cmr";
  SearchOptions search;
  int retries = 6;
  double retry_delay_s = 1.0;
  double timeout_s = 60;
};

// `for_run`: --start/--end also set the points' time window (`healgrid run`), said in the help.
boost::program_options::options_description query_options_description(QueryArgs& args,
                                                                      bool for_run = false);

// The query the options describe; throws std::invalid_argument naming the option.
GranuleQuery make_query(const QueryArgs& args);

// Runs the search the options describe (CMR or STAC); see search_cmr / search_stac.
Catalog run_search(const GranuleQuery& query, QueryArgs args);

}  // namespace healgrid
