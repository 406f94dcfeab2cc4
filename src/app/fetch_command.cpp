// `healgrid fetch`: download a catalog's granules into a cache directory (under mpirun,
// granule i is downloaded by rank i % N, so each by exactly one rank; an entry listed twice
// under one name is fetched once; one fetch per cache directory at a time: FetchLock).
#include <sys/stat.h>

#include <boost/program_options.hpp>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>

#include "healgrid/app/command_help.hpp"
#include "healgrid/app/commands.hpp"
#include "healgrid/catalog/checksum.hpp"
#include "healgrid/catalog/download.hpp"
#include "healgrid/io/output_lock.hpp"
#include "healgrid/util/mpi_util.hpp"

namespace po = boost::program_options;

namespace healgrid {

namespace {

struct FetchOptions {
  std::string catalog_path, cache_dir, token_env, token_file, netrc, urs_host;
  RetryPolicy policy;
  double progress_seconds = 5;
  bool quiet = false;
};

void print_help(const po::options_description& d) {
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
}

// The options, or nothing when --help was shown. Throws std::exception on a usage error.
std::optional<FetchOptions> parse_options(const std::vector<std::string>& args, bool is_root) {
  FetchOptions o;
  auto d = options_list("Options");
  // clang-format off
  d.add_options()
    ("help,h", "show this help")
    ("catalog", value(&o.catalog_path, "FILE"), "catalog written by healgrid resolve (required)")
    ("cache-dir", value(&o.cache_dir, "DIR"), "directory for the granules (required; created)")
    ("token-env", value(&o.token_env, "NAME")->default_value("EARTHDATA_TOKEN"),
     "environment variable holding an Earthdata Login bearer token")
    ("token-file", value(&o.token_file, "FILE"), "file holding an Earthdata bearer token")
    ("netrc", value(&o.netrc, "FILE"),
     ".netrc with the Earthdata Login credentials (default $NETRC, else ~/.netrc; must not be "
     "readable by group or others)")
    ("urs-host", value(&o.urs_host, "HOST"),
     "Earthdata Login host[:port] (default $HEALGRID_URS_HOST, else urs.earthdata.nasa.gov): "
     "the only host that ever receives the .netrc credentials")
    ("retries", value(&o.policy.attempts, "N")->default_value(6), "tries per granule")
    ("retry-delay", value(&o.policy.first_delay_s, "S")->default_value(1.0, "1"),
     "first backoff delay in seconds (doubles each retry, jittered)")
    ("timeout", value(&o.policy.timeout_s, "S")->default_value(60, "60"),
     "seconds without progress before a transfer is retried")
    ("progress-seconds", value(&o.progress_seconds, "S")->default_value(5, "5"),
     "seconds between progress lines (bytes, rate, ETA)")
    ("quiet,q", po::bool_switch(&o.quiet), "print errors and the summary only");
  // clang-format on
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(d).run(), vm);
  po::notify(vm);
  if (vm.count("help")) {
    if (is_root) print_help(d);
    return std::nullopt;
  }
  if (o.catalog_path.empty()) throw std::invalid_argument("--catalog is required");
  if (o.cache_dir.empty()) throw std::invalid_argument("--cache-dir is required");
  const auto& p = o.policy;
  if (p.attempts < 1 || !(p.timeout_s > 0) || !(p.first_delay_s >= 0))
    throw std::invalid_argument("--retries >= 1, --timeout > 0 and --retry-delay >= 0 needed");
  if (o.urs_host.empty())
    if (const char* env = std::getenv("HEALGRID_URS_HOST")) o.urs_host = env;
  if (o.quiet) o.progress_seconds = 0;
  return o;
}

struct FetchTally {
  long long downloaded = 0, skipped = 0, bytes = 0;
};

// Downloads granules rank, rank + size, ...; returns the failures' messages ("" if none).
std::string download_share(const Communicator& comm, const FetchOptions& o, const Catalog& catalog,
                           const EarthdataAuth& auth, FetchTally& tally) {
  std::string failures;
  HttpClient client(o.policy.timeout_s);
  const std::string label = "healgrid fetch [rank " + std::to_string(comm.rank) + "]";
  for (std::size_t i = static_cast<std::size_t>(comm.rank); i < catalog.granules.size();
       i += static_cast<std::size_t>(comm.size)) {
    const auto& g = catalog.granules[i];
    try {
      const auto r =
          download_granule(client, g, o.cache_dir, auth, o.policy, label, o.progress_seconds);
      if (r.skipped) {
        ++tally.skipped;
      } else {
        ++tally.downloaded;
        tally.bytes += r.bytes;
        if (!o.quiet)
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
  return failures;
}

// One fetch per cache directory at a time: rank 0 holds CACHE/.healgrid-fetch.lock
// (io/output_lock.hpp). A second fetch into the same cache fails at once naming the holder.
class FetchLock : public io::OutputLock {
 public:
  explicit FetchLock(const std::string& cache_dir)
      : io::OutputLock(cache_dir + "/.healgrid-fetch",
                       "another healgrid fetch is downloading into " + cache_dir,
                       ": wait for it to end (one fetch per cache directory)") {}
};

// Granules whose checksum is in an algorithm healgrid cannot compute are checked by size only:
// said once, naming the algorithms, so that a silent "verified" is never assumed.
void warn_unverifiable_checksums(const Catalog& catalog) {
  std::map<std::string, long long> unknown;
  for (const auto& g : catalog.granules)
    if (!g.checksum.empty() && !digest_algorithm_known(g.checksum_algorithm))
      ++unknown[g.checksum_algorithm];
  if (unknown.empty()) return;
  std::string which;
  long long n = 0;
  for (const auto& [algorithm, count] : unknown) {
    which += (which.empty() ? "" : ", ") + algorithm;
    n += count;
  }
  std::fprintf(stderr,
               "healgrid fetch: warning: %lld granule(s) carry a checksum in an algorithm healgrid "
               "cannot compute (%s): those are checked by size only\n",
               n, which.c_str());
}

void print_errors(const std::vector<std::string>& errors) {
  for (const auto& m : errors) std::fprintf(stderr, "healgrid fetch: error: %s\n", m.c_str());
}

}  // namespace

int fetch_command(const std::vector<std::string>& args) {
  const auto comm = Communicator::world();
  std::optional<FetchOptions> parsed;
  try {
    parsed = parse_options(args, comm.is_root());
    if (!parsed) return 0;
  } catch (const std::exception& e) {
    if (comm.is_root())
      std::fprintf(stderr, "healgrid fetch: %s\n(see healgrid fetch --help)\n", e.what());
    return 2;
  }
  const FetchOptions& o = *parsed;
  std::string error;
  Catalog catalog;
  EarthdataAuth auth;
  std::optional<FetchLock> lock;  // rank 0 holds the cache's lock for the whole fetch
  try {
    catalog = read_catalog(o.catalog_path);
    auth = load_earthdata_auth(o.token_env, o.token_file, o.netrc, o.urs_host);
    if (comm.is_root() && mkdir(o.cache_dir.c_str(), 0755) != 0 && errno != EEXIST)
      throw std::runtime_error(o.cache_dir + ": cannot create the cache directory");
    if (comm.is_root()) lock.emplace(o.cache_dir);
    drop_duplicate_names(catalog, o.catalog_path, comm.is_root());
  } catch (const std::exception& e) {
    error = e.what();
  }
  std::vector<std::string> errors;
  if (!comm.all_ok(error, &errors)) {
    print_errors(errors);
    return 1;
  }
  if (comm.is_root()) warn_unverifiable_checksums(catalog);
  const double t0 = MPI_Wtime();
  FetchTally tally;
  const std::string failures = download_share(comm, o, catalog, auth, tally);
  std::vector<long long> counts = {tally.downloaded, tally.skipped, tally.bytes};
  comm.sum_in_place(counts);
  errors.clear();
  const bool ok = comm.all_ok(failures, &errors);
  if (comm.is_root()) {
    const double seconds = MPI_Wtime() - t0;
    print_errors(errors);
    const auto total = static_cast<long long>(catalog.granules.size());
    std::printf(
        "healgrid fetch: %lld downloaded (%.1f MB, %.1f MB/s), %lld already present, "
        "%lld failed, of %lld granules in %.2f s -> %s\n",
        counts[0], counts[2] / 1e6, seconds > 0 ? counts[2] / 1e6 / seconds : 0.0, counts[1],
        total - counts[0] - counts[1], total, seconds, o.cache_dir.c_str());
  }
  return ok ? 0 : 1;
}

}  // namespace healgrid
