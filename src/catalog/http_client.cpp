#include "healgrid/catalog/http_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <random>
#include <thread>

namespace healgrid {
namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct UrlHandle {
  CURLU* h = curl_url();
  ~UrlHandle() { curl_url_cleanup(h); }
  std::string get(CURLUPart part, unsigned flags = 0) const {
    char* s = nullptr;
    if (curl_url_get(h, part, &s, flags) != CURLUE_OK || !s) return "";
    std::string out = s;
    curl_free(s);
    return out;
  }
};

struct HeaderList {
  curl_slist* list = nullptr;
  ~HeaderList() { curl_slist_free_all(list); }
  void add(const std::string& h) { list = curl_slist_append(list, h.c_str()); }
};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  const auto e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

struct Transfer {
  HttpResponse* response;
  const HttpClient::BodySink* sink;
  const HttpClient::ProgressFn* progress;
  bool aborted_by_sink = false;
};

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::string line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) {  // a new response (e.g. after 100 Continue)
    t->response->headers.clear();
    const auto sp = line.find(' ');
    t->response->status = sp == std::string::npos ? 0 : std::atol(line.c_str() + sp + 1);
  } else if (const auto colon = line.find(':'); colon != std::string::npos) {
    t->response->headers.emplace_back(lower(trim(line.substr(0, colon))),
                                      trim(line.substr(colon + 1)));
  }
  return size * n;
}

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  if (t->sink && *t->sink) {
    if (!(*t->sink)(data, size * n, t->response->status)) {
      t->aborted_by_sink = true;
      return 0;
    }
  } else {
    t->response->body.append(data, size * n);
  }
  return size * n;
}

int on_progress(void* user, curl_off_t total, curl_off_t now, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  if (t->progress && *t->progress) (*t->progress)(now, total);
  return 0;
}

bool transport_retryable(CURLcode code) {
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

}  // namespace

struct HttpClient::Handle {
  CURL* curl = nullptr;
  Handle() {
    global_init();
    curl = curl_easy_init();
    if (!curl) throw std::runtime_error("cannot initialise libcurl");
    curl_easy_setopt(curl, CURLOPT_COOKIEFILE, "");  // in-memory cookie jar (Earthdata session)
  }
  ~Handle() { curl_easy_cleanup(curl); }
};

std::string HttpResponse::header(const std::string& name) const {
  for (auto it = headers.rbegin(); it != headers.rend(); ++it)
    if (it->first == name) return it->second;
  return "";
}

// 127.0.0.0/8 (as dotted decimal), ::1 and localhost: the addresses of this host only.
static bool is_loopback_host(const std::string& host) {
  if (host == "[::1]" || host == "localhost") return true;
  unsigned a = 0, b = 0, c = 0, d = 0;
  char tail = 0;
  return std::sscanf(host.c_str(), "%3u.%3u.%3u.%3u%c", &a, &b, &c, &d, &tail) == 4 && a == 127 &&
         b < 256 && c < 256 && d < 256;
}

void check_url_allowed(const std::string& url) {
  UrlHandle u;
  if (curl_url_set(u.h, CURLUPART_URL, url.c_str(), 0) != CURLUE_OK)
    throw std::invalid_argument(url_for_log(url) + ": not a valid URL");
  const auto scheme = lower(u.get(CURLUPART_SCHEME));
  const auto host = lower(u.get(CURLUPART_HOST));
  if (scheme == "https") return;
  if (scheme == "http" && is_loopback_host(host)) return;
  throw std::invalid_argument(url_for_log(url) +
                              ": only https:// URLs are allowed (http:// only to loopback)");
}

std::string url_origin(const std::string& url) {
  UrlHandle u;
  if (curl_url_set(u.h, CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) return "";
  return lower(u.get(CURLUPART_HOST)) + ":" + u.get(CURLUPART_PORT, CURLU_DEFAULT_PORT);
}

std::string url_for_log(const std::string& url) {
  std::string s = url.substr(0, url.find_first_of("?#"));
  const auto scheme_end = s.find("://");
  if (scheme_end == std::string::npos) return s;
  // User info ends at the last '@' of the authority ("user:p@ss@host" keeps no part of it).
  const auto path_start = s.find('/', scheme_end + 3);
  const auto at = s.rfind('@', path_start == std::string::npos ? std::string::npos : path_start);
  if (at != std::string::npos && at > scheme_end) s.erase(scheme_end + 3, at - scheme_end - 2);
  return s;
}

std::string url_encode(const std::string& text) {
  global_init();
  char* s = curl_easy_escape(nullptr, text.c_str(), static_cast<int>(text.size()));
  std::string out = s ? s : "";
  curl_free(s);
  return out;
}

bool retryable_status(long status) { return status == 408 || status == 429 || status >= 500; }

double retry_delay_s(const RetryPolicy& policy, int attempt, const std::string& retry_after) {
  if (!retry_after.empty()) {
    char* end = nullptr;
    const double seconds = std::strtod(retry_after.c_str(), &end);
    if (end && *end == '\0' && seconds >= 0) return std::min(seconds, policy.max_delay_s);
    const time_t when = curl_getdate(retry_after.c_str(), nullptr);
    if (when > 0)
      return std::clamp(std::difftime(when, std::time(nullptr)), 0.0, policy.max_delay_s);
  }
  static thread_local std::mt19937 rng{std::random_device{}()};
  const double cap =
      std::min(policy.max_delay_s, policy.first_delay_s * std::pow(2.0, attempt - 1));
  return std::uniform_real_distribution<double>(0.5 * cap, cap)(rng);  // "equal jitter"
}

HttpClient::HttpClient(double timeout_s)
    : handle_(std::make_unique<Handle>()), timeout_s_(timeout_s) {}
HttpClient::~HttpClient() = default;

HttpResponse HttpClient::send(const HttpRequest& request, const BodySink& sink,
                              const ProgressFn& progress) {
  check_url_allowed(request.url);
  CURL* c = handle_->curl;
  curl_easy_reset(c);
  curl_easy_setopt(c, CURLOPT_COOKIEFILE, "");  // keep the in-memory jar on after the reset
  HttpResponse response;
  Transfer transfer{&response, &sink, &progress};
  HeaderList headers;
  for (const auto& h : request.headers) headers.add(h);
  const long timeout_ms = std::lround(timeout_s_ * 1000);
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "healgrid/" HEALGRID_VERSION);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  if (request.stall_timeout_only) {
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, std::max(1L, std::lround(timeout_s_)));
  } else {  // API responses: compressed transfer welcome
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.list);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &transfer);
  if (request.method == "POST") {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  } else if (request.method != "GET") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  if (!request.basic_user.empty()) {
    curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(c, CURLOPT_USERNAME, request.basic_user.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, request.basic_password.c_str());
  }
  char error[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  const CURLcode rc = curl_easy_perform(c);
  // Never keep credentials on the handle beyond this request.
  curl_easy_setopt(c, CURLOPT_USERNAME, nullptr);
  curl_easy_setopt(c, CURLOPT_PASSWORD, nullptr);
  if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && transfer.aborted_by_sink)) {
    throw TransportError(
        url_for_log(request.url) + ": " + (error[0] ? std::string(error) : curl_easy_strerror(rc)),
        transport_retryable(rc));
  }
  if (transfer.aborted_by_sink)
    throw TransportError(url_for_log(request.url) + ": transfer aborted", false);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  char* redirect = nullptr;
  if (curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &redirect) == CURLE_OK && redirect)
    response.redirect_url = redirect;
  response.url = request.url;
  return response;
}

HttpResponse HttpClient::send_following(HttpRequest request) {
  for (int hop = 0; hop <= 10; ++hop) {
    auto response = send(request);
    if (response.status < 300 || response.status >= 400 || response.redirect_url.empty())
      return response;
    if (response.status != 307 && response.status != 308) {
      request.method = "GET";
      request.body.clear();
    }
    request.url = response.redirect_url;
  }
  throw TransportError(url_for_log(request.url) + ": more than 10 redirects", false);
}

HttpResponse request_with_retries(HttpClient& client, const HttpRequest& request,
                                  const RetryPolicy& policy, const std::string& who) {
  std::string last;
  for (int attempt = 1;; ++attempt) {
    std::string retry_after;
    try {
      auto response = client.send_following(request);
      if (!retryable_status(response.status)) return response;
      last = "HTTP " + std::to_string(response.status);
      retry_after = response.header("retry-after");
    } catch (const TransportError& e) {
      if (!e.retryable) throw std::runtime_error(e.what());
      last = e.what();
    }
    if (attempt >= policy.attempts)
      throw std::runtime_error(url_for_log(request.url) + ": giving up after " +
                               std::to_string(attempt) + " attempts, last: " + last);
    const double wait = retry_delay_s(policy, attempt, retry_after);
    std::fprintf(stderr, "%s: %s: %s; retry %d/%d in %.1f s\n", who.c_str(),
                 url_for_log(request.url).c_str(), last.c_str(), attempt + 1, policy.attempts,
                 wait);
    std::this_thread::sleep_for(std::chrono::duration<double>(wait));
  }
}

}  // namespace healgrid
