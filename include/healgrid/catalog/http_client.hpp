// A small HTTP client over libcurl (RAII handles) for the catalog APIs and the downloads.
// Redirects are followed here, not by libcurl, so every hop is checked: only https://, or
// http:// to a loopback host (test servers). Requests that fail in a way worth retrying
// (timeouts, dropped connections, 408, 429, 5xx) are retried with exponential backoff and
// jitter, honouring Retry-After.
#pragma once

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace healgrid {

// A transport failure (no complete HTTP response): `retryable` for timeouts, refused or
// dropped connections, a body shorter than its Content-Length.
class TransportError : public std::runtime_error {
 public:
  TransportError(const std::string& what, bool retryable)
      : std::runtime_error(what), retryable(retryable) {}
  bool retryable;
};

struct HttpResponse {
  long status = 0;
  std::string body;                                          // unless a body sink took it
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case, in order
  std::string url;           // the URL that answered (after redirects)
  std::string redirect_url;  // absolute Location of a 3xx
  std::string header(const std::string& lower_case_name) const;  // last value, "" if none
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::string body;
  std::vector<std::string> headers;        // "Name: value"
  std::string basic_user, basic_password;  // Basic auth for this very request only
  bool stall_timeout_only = false;         // downloads: time out on no progress, not on total time
};

struct RetryPolicy {
  int attempts = 6;            // tries per request in all
  double first_delay_s = 1.0;  // backoff: first_delay * 2^k, jittered, capped
  double max_delay_s = 60.0;
  double timeout_s = 60.0;  // per request (downloads: without progress)
};

// Throws std::invalid_argument naming the URL unless it is https://, or http:// to loopback
// (127.0.0.0/8 in dotted decimal, ::1, localhost).
void check_url_allowed(const std::string& url);
// "host:port" (default port of the scheme filled in), lower-case host.
std::string url_origin(const std::string& url);
// The URL without user info and query string: what may appear in logs (presigned URLs carry
// credentials in the query).
std::string url_for_log(const std::string& url);
// Percent-encodes a query value.
std::string url_encode(const std::string& text);

bool retryable_status(long status);
// Seconds to wait before try `attempt` + 1 (attempt counts from 1), from Retry-After when the
// server sent one, else backoff with jitter.
double retry_delay_s(const RetryPolicy& policy, int attempt, const std::string& retry_after);

class HttpClient {
 public:
  // Called with each body chunk of the final response and its status; return false to abort.
  using BodySink = std::function<bool(const char* data, std::size_t n, long status)>;
  // Called now and then during a transfer with bytes so far and expected (0 if unknown).
  using ProgressFn = std::function<void(long long now, long long total)>;

  explicit HttpClient(double timeout_s);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // One request, no redirect followed. Throws TransportError.
  HttpResponse send(const HttpRequest& request, const BodySink& sink = nullptr,
                    const ProgressFn& progress = nullptr);
  // Follows up to 10 redirects (every hop checked by check_url_allowed; 301/302/303 turn a
  // POST into a GET). Throws TransportError or std::invalid_argument.
  HttpResponse send_following(HttpRequest request);
  void set_timeout(double seconds) { timeout_s_ = seconds; }

 private:
  struct Handle;
  std::unique_ptr<Handle> handle_;
  double timeout_s_;
};

// send_following with retries under `policy`; a retry prints one line to stderr prefixed by
// `who`. Returns the last response (maybe an error status that is not worth retrying); throws
// std::runtime_error naming the URL once the tries are used up.
HttpResponse request_with_retries(HttpClient& client, const HttpRequest& request,
                                  const RetryPolicy& policy, const std::string& who);

}  // namespace healgrid
