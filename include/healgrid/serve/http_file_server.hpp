// The static file server of `healgrid view`, on cpp-httplib: GET and HEAD of files, single byte
// ranges (206 Partial Content; 416 with the file size when a range starts past the end), files
// streamed from disk in pieces (never loaded whole, so a multi-GB output costs no memory), a
// bounded pool of worker threads. Routes map a URL path prefix to a directory, or one exact URL
// path to one file; nothing else is reachable (no "..", no directory listings). Handlers answer
// exact URL paths with content made on request (the viewer's coastlines).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace httplib {
class Server;
}

namespace healgrid {

struct HttpRoute {
  std::string url;   // "/" style prefix when `directory`, else the exact path
  std::string path;  // directory or file on disk
  bool directory = false;
  bool no_store = false;  // Cache-Control: no-store (files that change while served)
};

// What a handler answers: a status, a body and its content type.
struct HttpReply {
  int status = 200;
  std::string body, content_type = "application/json";
};
// Called with the query parameters (decoded; the last of a repeated name wins).
using HttpHandler = std::function<HttpReply(const std::map<std::string, std::string>& query)>;

class HttpFileServer {
 public:
  // Binds host:port (port 0: any free port); throws std::runtime_error naming the address.
  HttpFileServer(const std::string& host, int port, std::vector<HttpRoute> routes);
  ~HttpFileServer();
  HttpFileServer(const HttpFileServer&) = delete;
  HttpFileServer& operator=(const HttpFileServer&) = delete;

  int port() const { return port_; }
  // GET `url` (exact path) answered by `handler`; before serve_forever() only.
  void add_handler(const std::string& url, HttpHandler handler);
  // Serves requests until the process ends.
  [[noreturn]] void serve_forever();

 private:
  std::string resolve(const std::string& url_path, bool& no_store) const;

  std::unique_ptr<httplib::Server> server_;
  int port_ = 0;
  std::vector<HttpRoute> routes_;
  std::map<std::string, HttpHandler> handlers_;
};

// Percent-encoding of everything but unreserved characters and '/'.
std::string url_encode_path(const std::string& s);

// `dir`/`rest` when it is a file of `dir` itself, as the server serves it: no hidden component
// (".ssh/id_rsa", ".git/config") and no symbolic link leading out of it (the real path stays
// below the directory's real path); "" otherwise.
std::string inside_directory(const std::string& dir, const std::string& rest);

}  // namespace healgrid
