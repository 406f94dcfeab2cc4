#include "healgrid/serve/http_file_server.hpp"

#include <fcntl.h>
#include <httplib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>

namespace healgrid {
namespace {

// Enough for the viewer's parallel range reads and progress polls; a download never blocks them.
constexpr std::size_t kWorkerThreads = 8;
constexpr std::size_t kPieceBytes = std::size_t{1} << 20;  // read and sent at a time

const char* content_type(const std::string& path) {
  const auto dot = path.find_last_of('.');
  const std::string ext = dot == std::string::npos ? "" : path.substr(dot + 1);
  if (ext == "html") return "text/html; charset=utf-8";
  if (ext == "js" || ext == "mjs") return "text/javascript; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "json") return "application/json";
  if (ext == "wasm") return "application/wasm";
  if (ext == "png") return "image/png";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "nc") return "application/x-netcdf";
  return "application/octet-stream";
}

// An open file, closed when the last copy of the provider that streams it is gone.
struct OpenFile {
  int fd = -1;
  long long size = 0;
  std::string etag;  // changes when the file is replaced or rewritten
  ~OpenFile() {
    if (fd >= 0) close(fd);
  }
};

std::shared_ptr<OpenFile> open_regular_file(const std::string& path) {
  auto file = std::make_shared<OpenFile>();
  file->fd = path.empty() ? -1 : open(path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st {};
  if (file->fd < 0 || fstat(file->fd, &st) != 0 || !S_ISREG(st.st_mode)) return nullptr;
  file->size = st.st_size;
  file->etag = "\"" + std::to_string(st.st_ino) + "-" + std::to_string(st.st_size) + "-" +
               std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec) + "\"";
  return file;
}

enum class RangeAnswer { whole, part, unsatisfiable };

// The ranges asked for, made explicit for cpp-httplib, which serves a single explicit range
// within the file correctly but not a range ending past the end, a suffix or open range among
// several, or a zero-length suffix (RFC 9110 14.1.2): each range is clamped to the file; none
// left is 416; several are answered with the whole file (a server may ignore Range), as is an
// If-Range that is not this file's ETag. `ranges` is the request's, rewritten in place.
RangeAnswer normalise_ranges(httplib::Ranges& ranges, const httplib::Request& req,
                             const OpenFile& file) {
  if (ranges.empty()) return RangeAnswer::whole;
  if (req.has_header("If-Range") && req.get_header_value("If-Range") != file.etag) {
    ranges.clear();
    return RangeAnswer::whole;
  }
  const long long size = file.size;
  httplib::Ranges kept;
  for (const auto& [first, last] : ranges) {
    long long begin = first, end = last;
    if (first < 0) {  // a suffix: the last `last` bytes
      if (last <= 0) continue;
      begin = std::max(0LL, size - last), end = size - 1;
    } else if (last < 0 || last >= size) {
      end = size - 1;
    }
    if (begin >= size || end < begin) continue;
    kept.emplace_back(begin, end);
  }
  if (kept.empty()) return RangeAnswer::unsatisfiable;
  if (kept.size() > 1) kept.clear();
  ranges = kept;
  return kept.empty() ? RangeAnswer::whole : RangeAnswer::part;
}

// A Range header applies to a file, not to an error or a computed answer: cpp-httplib would
// otherwise cut the body to it and send a Content-Range with the 404.
void ignore_ranges(const httplib::Request& req) {
  const_cast<httplib::Request&>(req).ranges.clear();  // the server's own object, as below
}

void not_found(const httplib::Request& req, httplib::Response& res) {
  ignore_ranges(req);
  res.status = 404;
  res.set_content("404 Not Found\n", "text/plain");
}

void answer(const HttpHandler& handler, const httplib::Request& req, httplib::Response& res) {
  ignore_ranges(req);
  std::map<std::string, std::string> query;
  for (const auto& [name, value] : req.params) query[name] = value;
  try {
    const HttpReply reply = handler(query);
    res.status = reply.status;
    res.set_header("Cache-Control", "no-cache");
    res.set_content(reply.body, reply.content_type);
  } catch (const std::exception& e) {
    res.status = 500;
    res.set_content(std::string(e.what()) + "\n", "text/plain");
  }
}

}  // namespace

std::string inside_directory(const std::string& dir, const std::string& rest) {
  if (rest.empty() || rest[0] == '.' || rest.find("/.") != std::string::npos) return "";
  const std::string path = dir + "/" + rest;
  char real_dir[PATH_MAX], real_path[PATH_MAX];
  if (!realpath(dir.c_str(), real_dir) || !realpath(path.c_str(), real_path)) return "";
  const std::string base = std::string(real_dir) + "/";
  return std::string(real_path).rfind(base, 0) == 0 ? path : "";
}

std::string url_encode_path(const std::string& s) {
  std::string out;
  for (const unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

HttpFileServer::HttpFileServer(const std::string& host, int port, std::vector<HttpRoute> routes)
    : server_(std::make_unique<httplib::Server>()), routes_(std::move(routes)) {
  server_->new_task_queue = [] { return new httplib::ThreadPool(kWorkerThreads); };
  // SO_REUSEADDR only: cpp-httplib's default adds SO_REUSEPORT, with which a second `view` on
  // the same port also listens and the kernel splits the requests between the two files.
  server_->set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  // GET handlers answer HEAD too (headers only).
  server_->Get(".*", [this](const httplib::Request& req, httplib::Response& res) {
    if (const auto h = handlers_.find(req.path); h != handlers_.end())
      return answer(h->second, req, res);
    bool no_store = false;
    const std::string path = resolve(req.path, no_store);  // req.path is decoded
    const auto file = open_regular_file(path);
    if (!file) return not_found(req, res);
    res.set_header("Accept-Ranges", "bytes");
    res.set_header("Cache-Control", no_store ? "no-store" : "no-cache");
    res.set_header("ETag", file->etag);
    // The request is the server's own object: its ranges are rewritten for cpp-httplib, which
    // applies them to the response after this handler.
    auto& ranges = const_cast<httplib::Request&>(req).ranges;
    if (normalise_ranges(ranges, req, *file) == RangeAnswer::unsatisfiable) {
      ranges.clear();
      res.status = 416;
      res.set_header("Content-Range", "bytes */" + std::to_string(file->size));
      return;
    }
    if (file->size == 0) return res.set_content("", content_type(path));
    // cpp-httplib asks for the requested range only (206 and Content-Range when one was sent).
    res.set_content_provider(
        static_cast<std::size_t>(file->size), content_type(path),
        [file](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
          std::vector<char> piece(std::min(length, kPieceBytes));
          const ssize_t got =
              pread(file->fd, piece.data(), piece.size(), static_cast<off_t>(offset));
          return got > 0 && sink.write(piece.data(), static_cast<std::size_t>(got));
        });
  });
  port_ = port == 0 ? server_->bind_to_any_port(host) : port;
  if (port_ <= 0 || (port != 0 && !server_->bind_to_port(host, port)))
    throw std::runtime_error(host + ":" + std::to_string(port) +
                             ": cannot listen (address in use, or not an address of this host)");
}

HttpFileServer::~HttpFileServer() = default;

void HttpFileServer::add_handler(const std::string& url, HttpHandler handler) {
  handlers_[url] = std::move(handler);
}

void HttpFileServer::serve_forever() {
  server_->listen_after_bind();
  throw std::runtime_error("the HTTP server stopped");  // listen_after_bind returns on failure
}

std::string HttpFileServer::resolve(const std::string& url_path, bool& no_store) const {
  // Refuse any ".." segment: routes expose their own files only.
  if (url_path.empty() || url_path[0] != '/' || url_path.find("/../") != std::string::npos ||
      (url_path.size() >= 3 && url_path.compare(url_path.size() - 3, 3, "/..") == 0))
    return "";
  for (const auto& r : routes_) {
    if (!r.directory && url_path == r.url) {
      no_store = r.no_store;
      return r.path;
    }
  }
  for (const auto& r : routes_) {
    if (r.directory && url_path.rfind(r.url, 0) == 0) {
      std::string rest = url_path.substr(r.url.size());
      if (rest.empty() || rest.back() == '/') rest += "index.html";
      no_store = r.no_store;
      return inside_directory(r.path, rest);
    }
  }
  return "";
}

}  // namespace healgrid
