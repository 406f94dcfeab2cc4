#include "healgrid/serve/http_file_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <vector>

namespace healgrid {
namespace {

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

bool send_all(int fd, const char* data, std::size_t n) {
  while (n > 0) {
    const ssize_t k = send(fd, data, n, MSG_NOSIGNAL);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    data += k;
    n -= static_cast<std::size_t>(k);
  }
  return true;
}

void send_status(int fd, int code, const char* reason, bool head) {
  char buf[256];
  const std::string body = std::to_string(code) + " " + reason + "\n";
  std::snprintf(buf, sizeof buf,
                "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
                "Connection: close\r\n\r\n",
                code, reason, body.size());
  send_all(fd, buf, std::strlen(buf));
  if (!head) send_all(fd, body.data(), body.size());
}

// "bytes=a-b", "bytes=a-" or "bytes=-n" against a file of `size` bytes; false if unusable.
bool parse_range(const std::string& value, long long size, long long& lo, long long& hi) {
  long long a = -1, b = -1;
  if (value.rfind("bytes=", 0) != 0 || value.find(',') != std::string::npos) return false;
  const std::string spec = value.substr(6);
  const auto dash = spec.find('-');
  if (dash == std::string::npos) return false;
  const std::string first = spec.substr(0, dash), last = spec.substr(dash + 1);
  try {
    if (!first.empty()) a = std::stoll(first);
    if (!last.empty()) b = std::stoll(last);
  } catch (const std::exception&) {
    return false;
  }
  if (a < 0 && b < 0) return false;
  if (a < 0) {  // suffix: the last b bytes
    lo = b >= size ? 0 : size - b;
    hi = size - 1;
  } else {
    lo = a;
    hi = (b < 0 || b >= size) ? size - 1 : b;
  }
  return lo <= hi && lo < size;
}

}  // namespace

std::string url_decode(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
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
    : routes_(std::move(routes)) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  const int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1)
    throw std::runtime_error(host + ": not an IPv4 address");
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw std::runtime_error(host + ":" + std::to_string(port) + ": " + std::strerror(errno));
  if (listen(listen_fd_, 64) != 0)
    throw std::runtime_error(std::string("listen: ") + std::strerror(errno));
  socklen_t len = sizeof addr;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
}

HttpFileServer::~HttpFileServer() {
  if (listen_fd_ >= 0) close(listen_fd_);
}

void HttpFileServer::serve_forever() {
  while (true) {
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    // The file download of a big output must not hold up the progress polls.
    std::thread([this, fd] {
      handle(fd);
      close(fd);
    }).detach();
  }
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
      return r.path + "/" + rest;
    }
  }
  return "";
}

void HttpFileServer::handle(int fd) const {
  timeval timeout{30, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  std::string request;
  char buf[4096];
  while (request.find("\r\n\r\n") == std::string::npos && request.size() < 65536) {
    const ssize_t k = recv(fd, buf, sizeof buf, 0);
    if (k <= 0) return;
    request.append(buf, static_cast<std::size_t>(k));
  }
  const auto line_end = request.find("\r\n");
  const std::string line = request.substr(0, line_end);
  const auto sp1 = line.find(' '), sp2 = line.find(' ', sp1 + 1);
  if (sp1 == std::string::npos || sp2 == std::string::npos)
    return send_status(fd, 400, "Bad Request", false);
  const std::string method = line.substr(0, sp1);
  std::string target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const bool head = method == "HEAD";
  if (method != "GET" && !head) return send_status(fd, 405, "Method Not Allowed", false);
  target = url_decode(target.substr(0, target.find_first_of("?#")));

  std::string range;
  for (std::size_t pos = line_end + 2; pos < request.size();) {
    const auto end = request.find("\r\n", pos);
    if (end == std::string::npos || end == pos) break;
    const std::string header = request.substr(pos, end - pos);
    const auto colon = header.find(':');
    std::string name = header.substr(0, colon);
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name == "range" && colon != std::string::npos) {
      range = header.substr(colon + 1);
      range.erase(0, range.find_first_not_of(' '));
    }
    pos = end + 2;
  }

  bool no_store = false;
  const std::string path = resolve(target, no_store);
  struct stat st {};
  const int file = path.empty() ? -1 : open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (file < 0 || fstat(file, &st) != 0 || !S_ISREG(st.st_mode)) {
    if (file >= 0) close(file);
    return send_status(fd, 404, "Not Found", head);
  }
  const long long size = st.st_size;
  long long lo = 0, hi = size - 1;
  const bool partial = !range.empty() && parse_range(range, size, lo, hi);
  if (!range.empty() && !partial) {
    char hdr[160];
    std::snprintf(hdr, sizeof hdr,
                  "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */%lld\r\n"
                  "Content-Length: 0\r\nConnection: close\r\n\r\n",
                  size);
    send_all(fd, hdr, std::strlen(hdr));
    close(file);
    return;
  }
  std::string header = partial ? "HTTP/1.1 206 Partial Content\r\n" : "HTTP/1.1 200 OK\r\n";
  header += std::string("Content-Type: ") + content_type(path) + "\r\n";
  header += "Content-Length: " + std::to_string(size == 0 ? 0 : hi - lo + 1) + "\r\n";
  header += "Accept-Ranges: bytes\r\n";
  if (partial)
    header += "Content-Range: bytes " + std::to_string(lo) + "-" + std::to_string(hi) + "/" +
              std::to_string(size) + "\r\n";
  header += no_store ? "Cache-Control: no-store\r\n" : "Cache-Control: no-cache\r\n";
  header += "Connection: close\r\n\r\n";
  if (send_all(fd, header.data(), header.size()) && !head && size > 0) {
    std::vector<char> chunk(1 << 20);
    for (long long at = lo; at <= hi;) {
      const auto want = static_cast<std::size_t>(std::min<long long>(chunk.size(), hi - at + 1));
      const ssize_t k = pread(file, chunk.data(), want, at);
      if (k <= 0 || !send_all(fd, chunk.data(), static_cast<std::size_t>(k))) break;
      at += k;
    }
  }
  close(file);
}

}  // namespace healgrid
