// `healgrid resolve`: query CMR or a STAC API and freeze the answer into a catalog file.
#include <boost/program_options.hpp>
#include <cstdio>
#include <iostream>

#include "healgrid/app/command_help.hpp"
#include "healgrid/app/commands.hpp"
#include "healgrid/app/query_options.hpp"
#include "healgrid/app/run_options.hpp"
#include "healgrid/util/mpi_util.hpp"

namespace po = boost::program_options;

namespace healgrid {

int resolve_command(const std::vector<std::string>& args) {
  const auto mpi = Communicator::world();
  if (mpi.rank != 0) return 0;  // one query is enough: only rank 0 works
  QueryArgs query_args;
  std::string output, config_path, latitude;
  int parent_order = -1;
  bool quiet = false;
  auto general = options_list("Options");
  // clang-format off
  general.add_options()
    ("help,h", "show this help")
    ("output,o", value(&output, "FILE"), "catalog file to write (JSON; required)")
    ("config,c", value(&config_path, "FILE"),
     "pipeline config whose grid gives the parent order and latitude convention of the cells "
     "(default: the built-in ATL06 pipeline)")
    ("parent-order", value(&parent_order, "ORDER"), "override grid.parent_order")
    ("latitude", value(&latitude, "NAME"), "override grid.latitude")
    ("quiet,q", po::bool_switch(&quiet), "print errors and the summary only");
  // clang-format on
  general.add(query_options_description(query_args));
  try {
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(general).run(), vm);
    po::notify(vm);
    if (vm.count("help")) {
      std::cout << format_help(
          {{"healgrid resolve --output CATALOG.json [--source cmr|stac] [--collection ATL06 "
            "--version 006] [--cycle N] [--start TIME --end TIME] [--bbox W,S,E,N | --polygon "
            "AREA.geojson] [options]"},
           "Asks NASA CMR (granules.umm_json, every page) or a STAC API (POST /search, every "
           "next link) for the granules of a collection in a time window and area, and writes a "
           "catalog: the query, endpoint, time of query and per granule its URLs, time range, "
           "size, checksum, footprint and the HEALPix parent cells the footprint touches "
           "(inclusive). `healgrid fetch` downloads it; `healgrid run --catalog` grids it.",
           {&general},
           "Exit status: 0 success, 1 the query failed, 2 a usage error.\n",
           {"healgrid resolve --cycle 4 --region 10,11,12 --output cycle4.json",
            "healgrid resolve --start 2019-01-01 --end 2019-02-01 --bbox -60,-90,-30,-60 "
            "--output peninsula.json"}});
      return 0;
    }
    if (output.empty()) throw std::invalid_argument("--output: the catalog file is required");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "healgrid resolve: %s\n(see healgrid resolve --help)\n", e.what());
    return 2;
  }
  GranuleQuery query;
  PipelineConfig config;
  try {
    query = make_query(query_args);
    config = parse_config(
        config_path.empty() ? default_config_text() : load_config_file(config_path).source_text,
        config_path.empty() ? "built-in config" : config_path);
    RunOptions overrides;
    if (parent_order >= 0) overrides.parent_order = parent_order;
    if (!latitude.empty()) overrides.latitude = latitude;
    apply_overrides(overrides, config);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "healgrid resolve: %s\n", e.what());
    return 2;
  }
  try {
    check_catalog_replaceable(output);  // before any query
  } catch (const std::exception& e) {
    std::fprintf(stderr, "healgrid resolve: error: %s\n", e.what());
    return 1;
  }
  try {
    query_args.search.quiet = quiet;
    Catalog catalog = run_search(query, query_args);
    const auto found = catalog.granules.size();
    finalize_catalog(catalog, config.grid.parent_order, config.grid.latitude);
    write_catalog(output, catalog);
    std::size_t without_footprint = 0;
    for (const auto& g : catalog.granules) without_footprint += !g.footprint;
    std::printf(
        "healgrid resolve: %zu granules (%zu duplicates dropped, %zu without footprint), "
        "%zu parent cells at order %d -> %s\n",
        catalog.granules.size(), found - catalog.granules.size(), without_footprint,
        catalog.cells.size(), catalog.parent_order, output.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "healgrid resolve: error: %s\n", e.what());
    return 1;
  }
  return 0;
}

}  // namespace healgrid
