#include "healgrid/catalog/download.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include "healgrid/catalog/checksum.hpp"
#include "healgrid/catalog/granule_signature.hpp"
#include "healgrid/io/atomic_file.hpp"
#include "healgrid/util/safe_path.hpp"

namespace healgrid {
namespace {

using Clock = std::chrono::steady_clock;

std::int64_t file_size(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) ? st.st_size : -1;
}

// The size of the regular file at `path` itself (a symbolic link is not followed); -1 if none.
std::int64_t own_file_size(const std::string& path) {
  struct stat st {};
  return lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) ? st.st_size : -1;
}

std::string host_of(const std::string& origin) { return origin.substr(0, origin.rfind(':')); }

struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};

// The partial file for writing (appending when resuming), never through a symbolic link
// (O_NOFOLLOW) and never anything but a regular file; nullptr with errno set.
FILE* open_partial(const std::string& partial, bool append) {
  const int flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | (append ? O_APPEND : O_TRUNC);
  const int fd = ::open(partial.c_str(), flags, 0644);
  if (fd < 0) return nullptr;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    errno = EINVAL;
    return nullptr;
  }
  FILE* f = ::fdopen(fd, append ? "ab" : "wb");
  if (!f) ::close(fd);
  return f;
}

// Throws DownloadError when something that is not a regular file (a symbolic link, a
// directory, a FIFO) has the name of the partial download: healgrid never writes through it,
// resumes from it or removes it.
void check_partial_is_regular(const std::string& name, const std::string& partial) {
  struct stat st {};
  if (::lstat(partial.c_str(), &st) != 0 || S_ISREG(st.st_mode)) return;
  throw DownloadError(name + ": " + partial + " exists and is not a regular file (" +
                      (S_ISLNK(st.st_mode) ? "a symbolic link" : "a directory or special file") +
                      "); healgrid does not write through, resume from or remove it: move it "
                      "away and rerun");
}

enum class Verdict { done, retry, fatal };
struct AttemptResult {
  AttemptResult(Verdict v, std::string m, std::string after = "")
      : verdict(v), message(std::move(m)), retry_after(std::move(after)) {}
  Verdict verdict;
  std::string message, retry_after;
};

// Progress lines: bytes, rate and ETA, at most every `every` seconds.
class ProgressLine {
 public:
  ProgressLine(std::string label, std::string name, double every, std::int64_t offset)
      : label_(std::move(label)), name_(std::move(name)), every_(every), offset_(offset) {}
  void update(long long now, long long total) {
    if (every_ <= 0) return;
    const auto t = Clock::now();
    if (std::chrono::duration<double>(t - last_).count() < every_) return;
    last_ = t;
    const double seconds = std::chrono::duration<double>(t - start_).count();
    const double rate = seconds > 0 ? now / seconds : 0;
    const double have = static_cast<double>(offset_ + now),
                 want = static_cast<double>(offset_ + total);
    if (total > 0)
      std::printf("%s: %s %.1f/%.1f MB, %.1f MB/s, ETA %.0f s\n", label_.c_str(), name_.c_str(),
                  have / 1e6, want / 1e6, rate / 1e6, rate > 0 ? (total - now) / rate : 0.0);
    else
      std::printf("%s: %s %.1f MB, %.1f MB/s\n", label_.c_str(), name_.c_str(), have / 1e6,
                  rate / 1e6);
    std::fflush(stdout);
  }

 private:
  std::string label_, name_;
  double every_;
  std::int64_t offset_;
  Clock::time_point start_ = Clock::now(), last_ = Clock::now();
};

// The outcome of a final (not redirected, not challenged) response for `url`, resumed at
// `offset` into `partial`.
AttemptResult final_verdict(const HttpResponse& response, const std::string& url,
                            const std::string& origin, const CatalogGranule& g, std::int64_t offset,
                            const EarthdataAuth& auth, const std::string& partial,
                            const std::string& error_body) {
  const long status = response.status;
  if ((status == 401 || status == 403) && !auth.any())
    return {Verdict::fatal, url_for_log(url) + ": HTTP " + std::to_string(status) +
                                ": no Earthdata Login credentials were found (looked in " +
                                auth.looked_in + "): set a token or add .netrc credentials for " +
                                host_of(auth.urs_origin)};
  if (status == 401 || status == 403)
    return {Verdict::fatal,
            url_for_log(url) + ": HTTP " + std::to_string(status) +
                (origin == auth.urs_origin ? ": Earthdata Login refused the credentials"
                                           : ": not authorised (set an Earthdata token, or .netrc "
                                             "credentials for " +
                                                 host_of(auth.urs_origin) + ")")};
  if (status == 416 && offset > 0 && offset == g.bytes)  // complete already: verify it
    return {Verdict::done, ""};
  if (status == 416 && offset > 0) {  // the partial file is no prefix of this resource
    std::remove(partial.c_str());
    return {Verdict::retry, url_for_log(url) + ": HTTP 416 for the resumed range; restarting"};
  }
  if (retryable_status(status))
    return {Verdict::retry, url_for_log(url) + ": HTTP " + std::to_string(status),
            response.header("retry-after")};
  if (status == 206) {
    long long first = -1;
    std::sscanf(response.header("content-range").c_str(), "bytes %lld-", &first);
    if (first != offset) {
      std::remove(partial.c_str());
      return {Verdict::retry, url_for_log(url) + ": Content-Range does not start at " +
                                  std::to_string(offset) + "; restarting"};
    }
  }
  if (status == 200 || status == 206) return {Verdict::done, ""};
  return {Verdict::fatal, url_for_log(url) + ": HTTP " + std::to_string(status) +
                              (error_body.empty() ? "" : ": " + error_body.substr(0, 200))};
}

AttemptResult attempt(HttpClient& client, const CatalogGranule& g, const std::string& partial,
                      const EarthdataAuth& auth, const std::string& label, double progress_s) {
  std::int64_t offset = std::max<std::int64_t>(0, own_file_size(partial));
  std::string url = g.https_url;
  const std::string data_origin = url_origin(url);
  bool send_basic = false;
  for (int hop = 0; hop < 16; ++hop) {
    const std::string origin = url_origin(url);
    HttpRequest request;
    request.url = url;
    request.stall_timeout_only = true;
    if (!auth.bearer_token.empty() && origin == data_origin)
      request.headers.push_back("Authorization: Bearer " + auth.bearer_token);
    if (send_basic && origin == auth.urs_origin) {
      request.basic_user = auth.user;
      request.basic_password = auth.password;
    }
    if (offset > 0) request.headers.push_back("Range: bytes=" + std::to_string(offset) + "-");
    std::unique_ptr<FILE, FileCloser> out;
    std::string error_body, write_error;
    const auto sink = [&](const char* data, std::size_t n, long status) {
      if (status != 200 && status != 206) {
        if (error_body.size() < 512) error_body.append(data, std::min<std::size_t>(n, 512));
        return true;
      }
      if (!out) {
        out.reset(open_partial(partial, status == 206));
        if (!out) {
          write_error = partial + ": cannot write: " + std::strerror(errno) +
                        (errno == ELOOP ? " (a symbolic link: healgrid does not follow it)" : "");
          return false;
        }
      }
      if (std::fwrite(data, 1, n, out.get()) != n) {
        write_error = partial + ": write failed (disk full?)";
        return false;
      }
      return true;
    };
    ProgressLine line(label, g.name, progress_s, offset);
    HttpResponse response;
    try {
      response = client.send(request, sink,
                             [&](long long now, long long total) { line.update(now, total); });
    } catch (const TransportError& e) {
      if (!write_error.empty()) return {Verdict::fatal, write_error};
      return {e.retryable ? Verdict::retry : Verdict::fatal, e.what()};
    } catch (const std::invalid_argument& e) {
      return {Verdict::fatal, e.what()};
    }
    out.reset();
    const long status = response.status;
    if (status >= 300 && status < 400 && !response.redirect_url.empty()) {
      url = response.redirect_url;
      send_basic = false;
      continue;
    }
    if (status == 401 && origin == auth.urs_origin && !auth.user.empty() && !send_basic) {
      send_basic = true;  // the Earthdata Login challenge: answer it, on this host only
      continue;
    }
    return final_verdict(response, url, origin, g, offset, auth, partial, error_body);
  }
  return {Verdict::fatal, url_for_log(g.https_url) + ": too many redirects"};
}

// "" when the file is the granule (size, checksum); else what is wrong. `remove` tells whether
// the file is no prefix of the granule (too long, or complete with a wrong checksum).
std::string verify(const CatalogGranule& g, const std::string& path, bool& remove) {
  remove = false;
  const auto size = file_size(path);
  if (g.bytes >= 0 && size < g.bytes)
    return "incomplete: " + std::to_string(size) + " of " + std::to_string(g.bytes) + " bytes";
  if (g.bytes >= 0 && size > g.bytes) {
    remove = true;
    return std::to_string(size) + " bytes, the catalog says " + std::to_string(g.bytes);
  }
  if (!g.checksum.empty() && digest_algorithm_known(g.checksum_algorithm)) {
    const auto digest = file_digest_hex(path, g.checksum_algorithm);
    std::string expected = g.checksum;
    for (auto& c : expected) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (digest != expected) {
      remove = true;
      return g.checksum_algorithm + " " + digest + " differs from the catalog's " + expected;
    }
  }
  return "";
}

}  // namespace

std::optional<NetrcEntry> read_netrc(const std::string& path, const std::string& host) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return std::nullopt;
  if (st.st_mode & (S_IRWXG | S_IRWXO)) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%03o", static_cast<unsigned>(st.st_mode & 0777));
    throw std::runtime_error(path + ": permissions " + mode +
                             " let others read the credentials; refusing it (chmod 600 " + path +
                             ")");
  }
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot read");
  std::vector<std::string> tokens;
  for (std::string t; in >> t;) tokens.push_back(t);
  std::optional<NetrcEntry> match, fallback;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const bool machine = tokens[i] == "machine" && i + 1 < tokens.size();
    if (!machine && tokens[i] != "default") continue;
    const std::string name = machine ? tokens[i + 1] : "";
    NetrcEntry e;
    std::size_t j = i + (machine ? 2 : 1);
    for (; j + 1 < tokens.size() && tokens[j] != "machine" && tokens[j] != "default"; j += 2) {
      if (tokens[j] == "login") e.login = tokens[j + 1];
      if (tokens[j] == "password") e.password = tokens[j + 1];
    }
    if (machine && name == host && !match) match = e;
    if (!machine && !fallback) fallback = e;
    i = j - 1;
  }
  return match ? match : fallback;
}

EarthdataAuth load_earthdata_auth(const std::string& token_env, const std::string& token_file,
                                  const std::string& netrc_path, const std::string& urs_host) {
  EarthdataAuth auth;
  const std::string host = urs_host.empty() ? "urs.earthdata.nasa.gov" : urs_host;
  auth.urs_origin = url_origin("https://" + host);
  if (const char* t = token_env.empty() ? nullptr : std::getenv(token_env.c_str()); t && *t)
    auth.bearer_token = t;
  if (!token_env.empty()) auth.looked_in = "$" + token_env;
  if (!token_file.empty()) {
    std::ifstream in(token_file);
    if (!in) throw std::runtime_error(token_file + ": cannot read the token file");
    in >> auth.bearer_token;
    if (auth.bearer_token.empty())
      throw std::runtime_error(token_file + ": the token file is empty");
  }
  std::string path = netrc_path;
  if (path.empty()) {
    const char* env = std::getenv("NETRC");
    const char* home = std::getenv("HOME");
    path = env && *env ? env : home ? std::string(home) + "/.netrc" : "";
  }
  auth.looked_in += (auth.looked_in.empty() ? "" : ", ") + std::string(".netrc ") +
                    (path.empty() ? "(neither $NETRC nor $HOME is set)"
                                  : path + " (machine " + host_of(auth.urs_origin) + ")");
  if (!path.empty()) {
    if (const auto entry = read_netrc(path, host_of(auth.urs_origin))) {
      auth.user = entry->login;
      auth.password = entry->password;
    } else if (!netrc_path.empty() && file_size(netrc_path) < 0) {
      throw std::runtime_error(netrc_path + ": no such .netrc file");
    }
  }
  return auth;
}

// Why the file at `path` (the granule's name in the cache) is not the catalog's granule; ""
// when nothing is there.
std::string not_this_granule(const CatalogGranule& g, const std::string& path) {
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) return "";
  if (S_ISLNK(st.st_mode)) return "a symbolic link";
  if (!S_ISREG(st.st_mode)) return "not a regular file";
  if (!starts_like_granule(path)) return "not an HDF5/netCDF file";
  bool remove = false;
  const auto problem = verify(g, path, remove);
  return problem.empty() ? "unreadable" : problem;
}

bool cached_and_verified(const CatalogGranule& g, const std::string& cache_dir) {
  const std::string path = safe_cache_path(cache_dir, g.name);
  if (file_size(path) < 0 || !starts_like_granule(path)) return false;
  bool remove = false;
  return verify(g, path, remove).empty();
}

DownloadOutcome download_granule(HttpClient& client, const CatalogGranule& g,
                                 const std::string& cache_dir, const EarthdataAuth& auth,
                                 const RetryPolicy& policy, const std::string& label,
                                 double progress_seconds) {
  DownloadOutcome outcome;
  const std::string path = safe_cache_path(cache_dir, g.name), partial = path + ".partial";
  if (cached_and_verified(g, cache_dir)) {
    outcome.skipped = true;
    outcome.bytes = file_size(path);
    return outcome;
  }
  // Whatever else is at the granule's name is not fetch's (it renames only verified downloads
  // there): a user's own subset or notes, a symbolic link. Never replaced.
  if (const auto why = not_this_granule(g, path); !why.empty())
    throw DownloadError(g.name + ": " + path + " exists and is not the catalog's granule (" + why +
                        "): fetch replaces no file it did not download; move or remove it, then "
                        "rerun");
  if (g.https_url.empty())
    throw DownloadError(
        g.name + ": the catalog has no https URL for it" +
        (g.s3_url.empty()
             ? std::string()
             : " (only " + g.s3_url + ": fetch downloads over https; read it in-region)"));
  client.set_timeout(policy.timeout_s);
  const auto start = Clock::now();
  for (int n = 1;; ++n) {
    outcome.attempts = n;
    check_partial_is_regular(g.name, partial);
    // A kept .partial that is no granule's start (an HTML page saved by an older run) would be
    // resumed into HTML + granule bytes: start over instead.
    if (file_size(partial) > 0 && !starts_like_granule(partial)) {
      std::fprintf(stderr, "%s: %s: %s is not the start of an HDF5/netCDF file; discarded\n",
                   label.c_str(), g.name.c_str(), partial.c_str());
      std::remove(partial.c_str());
    }
    auto result = attempt(client, g, partial, auth, label, progress_seconds);
    if (result.verdict == Verdict::done && !starts_like_granule(partial)) {
      const std::string why = explain_not_a_granule(partial, g.https_url);
      std::remove(partial.c_str());
      throw DownloadError(g.name + ": " + why);
    }
    if (result.verdict == Verdict::done) {
      bool remove = false;
      const auto problem = verify(g, partial, remove);
      if (problem.empty()) {
        try {
          // Synced, renamed, directory synced; never over a file that appeared meanwhile.
          io::commit_file(partial, path, [](const std::string&) { return false; });
        } catch (const std::runtime_error& e) {
          throw DownloadError(e.what());
        }
        outcome.bytes = file_size(path);
        outcome.seconds = std::chrono::duration<double>(Clock::now() - start).count();
        return outcome;
      }
      if (remove) std::remove(partial.c_str());
      result = AttemptResult(Verdict::retry, g.name + ": " + problem);
    }
    if (result.verdict == Verdict::fatal) throw DownloadError(g.name + ": " + result.message);
    if (n >= policy.attempts)
      throw DownloadError(g.name + ": giving up after " + std::to_string(n) +
                          " attempts, last: " + result.message +
                          (file_size(partial) > 0 ? " (partial download kept for a rerun)" : ""));
    const double wait = retry_delay_s(policy, n, result.retry_after);
    std::fprintf(stderr, "%s: %s: %s; retry %d/%d in %.1f s\n", label.c_str(), g.name.c_str(),
                 result.message.c_str(), n + 1, policy.attempts, wait);
    std::this_thread::sleep_for(std::chrono::duration<double>(wait));
  }
}

}  // namespace healgrid
