// Authenticated, resumable granule downloads into a cache directory.
//
// NASA Earthdata Login: a bearer token (sent only to the host of the granule URL itself, never
// to a host it redirects to), or ~/.netrc credentials for the URS host, sent (HTTP Basic) only
// when that host answers 401, on the redirect flow: data host -> 302 to URS -> 401 -> Basic ->
// 302 back (session cookie, kept in memory) -> presigned URL. Credentials are never printed.
// Every hop must be https:// (http:// only to loopback).
//
// A download is written to CACHE/NAME.partial (opened with O_NOFOLLOW: a NAME.partial that is
// not a regular file, e.g. a symbolic link, fails that granule naming it and is left untouched),
// resumed from there with a Range request after a dropped connection or a stall, checked
// against the catalog's size and checksum, and renamed to CACHE/NAME only when complete and
// verified. A download that is not HDF5 or netCDF (no file
// signature: e.g. the HTML login or EULA page Earthdata answers with status 200) is removed
// and fails saying what happened and what to do; a .partial that does not start like a granule
// is discarded before resuming. Timeouts, 429 and 5xx are retried with
// exponential backoff and jitter (Retry-After honoured).
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

#include "healgrid/catalog/catalog.hpp"
#include "healgrid/catalog/http_client.hpp"

namespace healgrid {

struct EarthdataAuth {
  std::string bearer_token;
  std::string urs_origin;  // "host:port" of the Earthdata Login server
  std::string user, password;
  // Where load_earthdata_auth looked, for the message when none were found ("$EARTHDATA_TOKEN,
  // .netrc /home/u/.netrc"): a 401 without credentials says so instead of blaming them.
  std::string looked_in;
  bool any() const { return !bearer_token.empty() || !user.empty(); }
};

struct NetrcEntry {
  std::string login, password;
};
// The `machine HOST` (else `default`) entry of a .netrc file; nullopt if none. Throws
// std::runtime_error naming the file when it is readable by group or others.
std::optional<NetrcEntry> read_netrc(const std::string& path, const std::string& host);

// Auth from the options and the environment: token from the variable `token_env` or from
// `token_file`; .netrc from `netrc_path` (default $NETRC, else ~/.netrc) for `urs_host`
// ("host" or "host:port"; default urs.earthdata.nasa.gov). Throws std::runtime_error.
EarthdataAuth load_earthdata_auth(const std::string& token_env, const std::string& token_file,
                                  const std::string& netrc_path, const std::string& urs_host);

struct DownloadOutcome {
  bool skipped = false;  // already in the cache and verified
  std::int64_t bytes = 0;
  double seconds = 0;
  int attempts = 0;
};

class DownloadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Downloads one catalog granule to `cache_dir`/name (see above). `label` prefixes the progress
// lines (printed every `progress_seconds`, 0 = never). Throws DownloadError naming the granule
// and URL (without its query string) when it cannot complete.
DownloadOutcome download_granule(HttpClient& client, const CatalogGranule& granule,
                                 const std::string& cache_dir, const EarthdataAuth& auth,
                                 const RetryPolicy& policy, const std::string& label,
                                 double progress_seconds);

// True when CACHE/NAME exists with the granule's size and checksum (when known).
bool cached_and_verified(const CatalogGranule& granule, const std::string& cache_dir);

}  // namespace healgrid
