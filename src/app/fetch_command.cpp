// `healgrid fetch`: download a catalog's granules into a cache directory (under mpirun,
// granule i is downloaded by rank i % N, so each by exactly one rank).
#include <sys/stat.h>

#include <boost/program_options.hpp>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "healgrid/app/command_help.hpp"
#include "healgrid/app/commands.hpp"
#include "healgrid/catalog/download.hpp"
#include "healgrid/util/mpi_util.hpp"

namespace po = boost::program_options;

namespace healgrid {

int fetch_command(const std::vector<std::string>& args) {
  const auto mpi = MpiContext::world();
  std::string catalog_path, cache_dir, token_env, token_file, netrc, urs_host;
  RetryPolicy policy;
  double progress_seconds = 5;
  bool quiet = false;
  auto d = options_list("Options");
  // clang-format off
  d.add_options()
    ("help,h", "show this help")
    ("catalog", value(&catalog_path, "FILE"), "catalog written by healgrid resolve (required)")
    ("cache-dir", value(&cache_dir, "DIR"), "directory for the granules (required; created)")
    ("token-env", value(&token_env, "NAME")->default_value("EARTHDATA_TOKEN"),
     "environment variable holding an Earthdata Login bearer token")
    ("token-file", value(&token_file, "FILE"), "file holding an Earthdata bearer token")
    ("netrc", value(&netrc, "FILE"),
     ".netrc with the Earthdata Login credentials (default $NETRC, else ~/.netrc; must not be "
     "readable by group or others)")
    ("urs-host", value(&urs_host, "HOST"),
     "Earthdata Login host[:port] (default $HEALGRID_URS_HOST, else urs.earthdata.nasa.gov): "
     "the only host that ever receives the .netrc credentials")
    ("retries", value(&policy.attempts, "N")->default_value(6), "tries per granule")
    ("retry-delay", value(&policy.first_delay_s, "S")->default_value(1.0, "1"),
     "first backoff delay in seconds (doubles each retry, jittered)")
    ("timeout", value(&policy.timeout_s, "S")->default_value(60, "60"),
     "seconds without progress before a transfer is retried")
    ("progress-seconds", value(&progress_seconds, "S")->default_value(5, "5"),
     "seconds between progress lines (bytes, rate, ETA)")
    ("quiet,q", po::bool_switch(&quiet), "print errors and the summary only");
  // clang-format on
  try {
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(d).run(), vm);
    po::notify(vm);
    if (vm.count("help")) {
      if (mpi.rank == 0)
        std::cout << format_help(
            {{"[mpirun -np N] healgrid fetch --catalog CATALOG.json --cache-dir DIR [options]"},
             "Downloads every granule of the catalog over HTTPS into DIR (NAME.partial until "
             "complete and verified against the catalog's size and checksum, then renamed), "
             "resuming partial files and retrying timeouts, 429 and 5xx. Granules already in DIR "
             "and verified are skipped. Earthdata Login: a bearer token (--token-env, "
             "--token-file) or .netrc credentials for the URS host on the redirect flow.",
             {&d},
             "Exit status: 0 every granule present, 1 a download failed, 2 a usage error.\n",
             {"mpirun -np 4 healgrid fetch --catalog cycle4.json --cache-dir /scratch/atl06",
              "healgrid fetch --catalog cycle4.json --cache-dir atl06/ --token-file "
              "~/.edl_token"}});
      return 0;
    }
    if (catalog_path.empty()) throw std::invalid_argument("--catalog is required");
    if (cache_dir.empty()) throw std::invalid_argument("--cache-dir is required");
    if (policy.attempts < 1 || !(policy.timeout_s > 0) || !(policy.first_delay_s >= 0))
      throw std::invalid_argument("--retries >= 1, --timeout > 0 and --retry-delay >= 0 needed");
  } catch (const std::exception& e) {
    if (mpi.rank == 0)
      std::fprintf(stderr, "healgrid fetch: %s\n(see healgrid fetch --help)\n", e.what());
    return 2;
  }
  if (urs_host.empty())
    if (const char* env = std::getenv("HEALGRID_URS_HOST")) urs_host = env;
  if (quiet) progress_seconds = 0;

  std::string error;
  Catalog catalog;
  EarthdataAuth auth;
  try {
    catalog = read_catalog(catalog_path);
    auth = load_earthdata_auth(token_env, token_file, netrc, urs_host);
    if (mpi.rank == 0 && mkdir(cache_dir.c_str(), 0755) != 0 && errno != EEXIST)
      throw std::runtime_error(cache_dir + ": cannot create the cache directory");
  } catch (const std::exception& e) {
    error = e.what();
  }
  std::vector<std::string> errors;
  if (!all_ok(mpi, error, &errors)) {
    for (const auto& m : errors) std::fprintf(stderr, "healgrid fetch: error: %s\n", m.c_str());
    return 1;
  }
  const double t0 = MPI_Wtime();
  long long counts[3] = {0, 0, 0};  // downloaded, skipped, bytes downloaded
  std::string failures;
  HttpClient client(policy.timeout_s);
  const std::string label = "healgrid fetch [rank " + std::to_string(mpi.rank) + "]";
  for (std::size_t i = static_cast<std::size_t>(mpi.rank); i < catalog.granules.size();
       i += static_cast<std::size_t>(mpi.size)) {
    const auto& g = catalog.granules[i];
    try {
      const auto r = download_granule(client, g, cache_dir, auth, policy, label, progress_seconds);
      if (r.skipped) {
        ++counts[1];
      } else {
        ++counts[0];
        counts[2] += r.bytes;
        if (!quiet)
          std::printf("%s: %s %.1f MB in %.2f s (%.1f MB/s, %d attempt%s)\n", label.c_str(),
                      g.name.c_str(), r.bytes / 1e6, r.seconds,
                      r.seconds > 0 ? r.bytes / 1e6 / r.seconds : 0.0, r.attempts,
                      r.attempts == 1 ? "" : "s");
      }
    } catch (const std::exception& e) {
      failures += (failures.empty() ? "" : "\n") + std::string(e.what());
    }
    std::fflush(stdout);
  }
  MPI_Allreduce(MPI_IN_PLACE, counts, 3, MPI_LONG_LONG, MPI_SUM, mpi.comm);
  errors.clear();
  const bool ok = all_ok(mpi, failures, &errors);
  if (mpi.rank == 0) {
    const double seconds = MPI_Wtime() - t0;
    for (const auto& m : errors) std::fprintf(stderr, "healgrid fetch: error: %s\n", m.c_str());
    std::printf(
        "healgrid fetch: %lld downloaded (%.1f MB, %.1f MB/s), %lld already present, "
        "%zu failed, of %zu granules in %.2f s -> %s\n",
        counts[0], counts[2] / 1e6, seconds > 0 ? counts[2] / 1e6 / seconds : 0.0, counts[1],
        static_cast<std::size_t>(static_cast<long long>(catalog.granules.size()) - counts[0] -
                                 counts[1]),
        catalog.granules.size(), seconds, cache_dir.c_str());
  }
  return ok ? 0 : 1;
}

}  // namespace healgrid
