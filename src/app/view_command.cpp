// `healgrid view OUT.nc`: serves the browser viewer (viewer/dist, built by `npm run build`), the
// output file and its live progress file on 127.0.0.1, and prints the URL to open. The output
// need not exist yet: pointed at a running job, the viewer shows the progress file until then.
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "healgrid/app/commands.hpp"
#include "healgrid/pipeline/progress_file.hpp"
#include "healgrid/serve/http_file_server.hpp"

namespace healgrid {
namespace {

const char* kViewHelp =
    "usage: healgrid view OUT.nc [options]\n"
    "\n"
    "Serves the browser viewer, OUT.nc and OUT.nc.progress.json (the live progress of a running\n"
    "`healgrid run --output OUT.nc`) over HTTP and prints the URL. OUT.nc may not exist yet.\n"
    "Runs until interrupted (Ctrl-C).\n"
    "\n"
    "options:\n"
    "  --port N          TCP port (default 8765; 0 picks a free one)\n"
    "  --host ADDR       IPv4 address to listen on (default 127.0.0.1: this machine only;\n"
    "                    from a laptop, tunnel: ssh -L N:127.0.0.1:N <login node>)\n"
    "  --viewer-dir DIR  the built viewer (default: $HEALGRID_VIEWER_DIR, else viewer/dist of\n"
    "                    the source tree holding the build folder of this executable, else\n"
    "                    <prefix>/share/healgrid/viewer)\n"
    "  -h, --help        this help\n";

bool is_dir(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string parent_dir(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// The viewer next to this executable: <repo>/build*/src/healgrid -> <repo>/viewer/dist, or an
// installed <prefix>/bin/healgrid -> <prefix>/share/healgrid/viewer.
std::string default_viewer_dir() {
  if (const char* env = std::getenv("HEALGRID_VIEWER_DIR"); env && *env) return env;
  char exe[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return "";
  exe[n] = '\0';
  const std::string bin = parent_dir(exe);
  for (const std::string& candidate :
       {parent_dir(parent_dir(bin)) + "/viewer/dist", parent_dir(bin) + "/viewer/dist",
        parent_dir(bin) + "/share/healgrid/viewer"}) {
    if (is_dir(candidate)) return candidate;
  }
  return "";
}

std::string absolute(const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  char cwd[PATH_MAX];
  if (!getcwd(cwd, sizeof cwd)) return path;
  return std::string(cwd) + "/" + path;
}

}  // namespace

int view_command(const std::vector<std::string>& args) {
  std::string output, host = "127.0.0.1", viewer_dir;
  int port = 8765;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const char* name) -> std::string {
      if (i + 1 >= args.size()) throw std::invalid_argument(std::string(name) + " needs a value");
      return args[++i];
    };
    try {
      if (a == "-h" || a == "--help") {
        std::fputs(kViewHelp, stdout);
        return 0;
      } else if (a == "--port") {
        const std::string v = value("--port");
        std::size_t used = 0;
        port = std::stoi(v, &used);
        if (used != v.size() || port < 0 || port > 65535) throw std::invalid_argument("");
      } else if (a == "--host") {
        host = value("--host");
      } else if (a == "--viewer-dir") {
        viewer_dir = value("--viewer-dir");
      } else if (!a.empty() && a[0] == '-') {
        throw std::invalid_argument("unknown option " + a);
      } else if (output.empty()) {
        output = a;
      } else {
        throw std::invalid_argument("one output file only (got " + output + " and " + a + ")");
      }
    } catch (const std::invalid_argument& e) {
      const std::string why = *e.what() ? e.what() : "--port needs a number in 0..65535";
      std::fprintf(stderr, "healgrid view: %s\n(see healgrid view --help)\n", why.c_str());
      return 2;
    } catch (const std::out_of_range&) {
      std::fprintf(stderr, "healgrid view: --port needs a number in 0..65535\n");
      return 2;
    }
  }
  if (output.empty()) {
    std::fprintf(stderr, "healgrid view: which output file? (usage: healgrid view OUT.nc)\n");
    return 2;
  }
  if (is_dir(output)) {
    std::fprintf(stderr, "healgrid view: %s is a directory, not an output file\n", output.c_str());
    return 2;
  }
  output = absolute(output);
  if (!is_dir(parent_dir(output))) {
    std::fprintf(stderr, "healgrid view: %s: no such directory\n", parent_dir(output).c_str());
    return 1;
  }
  if (viewer_dir.empty()) viewer_dir = default_viewer_dir();
  if (viewer_dir.empty() || !is_dir(viewer_dir)) {
    std::fprintf(stderr,
                 "healgrid view: the built viewer is missing%s%s: build it with "
                 "`cd viewer && npm ci && npm run build`, or pass --viewer-dir\n",
                 viewer_dir.empty() ? "" : " at ", viewer_dir.c_str());
    return 1;
  }
  const std::string name = output.substr(output.find_last_of('/') + 1);
  const std::string data_url = "/data/" + name;
  std::vector<HttpRoute> routes = {
      {data_url, output, false, true},
      {data_url + ".progress.json", progress_path(output), false, true},
      {"/", viewer_dir, true, false},
  };
  try {
    HttpFileServer server(host, port, routes);
    std::printf("healgrid view: serving %s\n  open http://%s:%d/?file=%s\n", output.c_str(),
                host.c_str(), server.port(), url_encode_path("data/" + name).c_str());
    if (host == "127.0.0.1")
      std::printf(
          "  (from another machine: ssh -L %d:127.0.0.1:%d <this host>, then open the "
          "URL there)\n",
          server.port(), server.port());
    std::printf("  Ctrl-C stops the server.\n");
    std::fflush(stdout);
    server.serve_forever();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "healgrid view: %s\n", e.what());
    return 1;
  }
}

}  // namespace healgrid
