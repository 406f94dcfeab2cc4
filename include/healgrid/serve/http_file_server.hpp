// A small static HTTP/1.1 server for `healgrid view`: GET and HEAD of files, single byte ranges
// (206 Partial Content), one thread per connection, `Connection: close`. Routes map a URL path
// prefix to a directory, or one exact URL path to one file; nothing else is reachable (no "..",
// no directory listings).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace healgrid {

struct HttpRoute {
  std::string url;   // "/" style prefix when `directory`, else the exact path
  std::string path;  // directory or file on disk
  bool directory = false;
  bool no_store = false;  // Cache-Control: no-store (files that change while served)
};

class HttpFileServer {
 public:
  // Binds host:port (port 0: any free port) and listens; throws std::runtime_error.
  HttpFileServer(const std::string& host, int port, std::vector<HttpRoute> routes);
  ~HttpFileServer();
  HttpFileServer(const HttpFileServer&) = delete;
  HttpFileServer& operator=(const HttpFileServer&) = delete;

  int port() const { return port_; }
  // Accepts connections until the process ends.
  [[noreturn]] void serve_forever();

 private:
  void handle(int fd) const;
  std::string resolve(const std::string& url_path, bool& no_store) const;

  int listen_fd_ = -1;
  int port_ = 0;
  std::vector<HttpRoute> routes_;
};

// "%xx" decoding of a URL path (no '+' rule: that is for query strings).
std::string url_decode(const std::string& s);
// Percent-encoding of everything but unreserved characters and '/'.
std::string url_encode_path(const std::string& s);

}  // namespace healgrid
