// `healgrid view OUT.nc`: serves the browser viewer (viewer/dist, built by `npm run build`), the
// output file and its live progress file on 127.0.0.1, and prints the URL to open. The output
// need not exist yet: pointed at a running job, the viewer shows the progress file until then.
// It also answers /api/coastlines.json: GSHHG shorelines from this machine, drawn by the viewer.
#include <arpa/inet.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "healgrid/app/command_help.hpp"
#include "healgrid/app/commands.hpp"
#include "healgrid/pipeline/progress_file.hpp"
#include "healgrid/render/coastline_json.hpp"
#include "healgrid/render/coastlines.hpp"
#include "healgrid/serve/http_file_server.hpp"

namespace healgrid {
namespace {

namespace po = boost::program_options;

struct ViewArgs {
  std::string output, host = "127.0.0.1", viewer_dir;
  int port = 8765;
  bool help = false;
};

po::options_description view_options(ViewArgs& a) {
  auto d = options_list("Options");
  // clang-format off
  d.add_options()
    ("help,h", "show this help")
    ("port", value(&a.port, "N")->default_value(8765),
     "TCP port; 0 picks a free one")
    ("host", value(&a.host, "ADDR")->default_value("127.0.0.1"),
     "IPv4 address to listen on; 127.0.0.1 is this machine only (from a laptop, tunnel: "
     "ssh -L N:127.0.0.1:N LOGIN-NODE)")
    ("viewer-dir", value(&a.viewer_dir, "DIR"),
     "the built viewer; default: $HEALGRID_VIEWER_DIR, else viewer/dist of the source tree "
     "holding the build folder of this executable, else PREFIX/share/healgrid/viewer");
  // clang-format on
  return d;
}

std::string view_help(const po::options_description& options) {
  return format_help(
      {{"healgrid view OUT.nc [options]"},
       "Serves the browser viewer, OUT.nc and OUT.nc.progress.json (the live progress of a "
       "running `healgrid run --output OUT.nc`) over HTTP, with byte ranges, and the coastlines "
       "around the data (GSHHG, from the Debian package gmt-gshhg-low), and prints the URL to "
       "open. OUT.nc need not exist yet. Runs until interrupted (Ctrl-C).",
       {&options},
       "",
       {"healgrid view out/antarctica.nc",
        "healgrid view --port 0 --viewer-dir /opt/healgrid/viewer run1.nc"}});
}

// 0: parsed (or --help), 2: a usage error, printed.
int parse_view_args(const std::vector<std::string>& args, ViewArgs& a) {
  const auto options = view_options(a);
  po::options_description all;  // the options, and OUT.nc given without a name
  all.add(options).add_options()("output", value(&a.output, "OUT.nc"));
  po::positional_options_description positional;
  positional.add("output", 1);
  try {
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
    po::notify(vm);
    if (vm.count("help")) {
      a.help = true;
      std::fputs(view_help(options).c_str(), stdout);
      return 0;
    }
    if (a.port < 0 || a.port > 65535) throw po::error("--port needs a number in 0..65535");
  } catch (const po::error& e) {
    std::fprintf(stderr, "healgrid view: %s\n(see healgrid view --help)\n", e.what());
    return 2;
  }
  if (a.output.empty()) {
    std::fprintf(stderr, "healgrid view: which output file? (usage: healgrid view OUT.nc)\n");
    return 2;
  }
  return 0;
}

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

// GET /api/coastlines.json?lat_min=&lat_max=&lon_west=&lon_east=&tolerance= (degrees; each
// optional): GSHHG shorelines around the data for the viewer (render/coastline_json.hpp), from
// the intermediate resolution for a box under 2500 km wide, else the low one.
HttpReply coastlines_reply(const std::map<std::string, std::string>& query) {
  CoastlineBox box;
  const std::pair<const char*, double*> fields[] = {{"lat_min", &box.lat_min},
                                                    {"lat_max", &box.lat_max},
                                                    {"lon_west", &box.lon_west},
                                                    {"lon_east", &box.lon_east},
                                                    {"tolerance", &box.tolerance_degrees}};
  for (const auto& [name, target] : fields) {
    const auto it = query.find(name);
    if (it == query.end()) continue;
    char* end = nullptr;
    const double v = std::strtod(it->second.c_str(), &end);
    if (it->second.empty() || *end != '\0' || !std::isfinite(v))
      return {400, std::string("coastlines: parameter ") + name + ": not a number: " + it->second,
              "text/plain"};
    *target = v;
  }
  if (box.lon_east < box.lon_west) box.lon_east += 360;
  const double mid_lat = (box.lat_min + box.lat_max) / 2 * M_PI / 180;
  const double width_km = 111.2 * std::max(box.lat_max - box.lat_min,
                                           (box.lon_east - box.lon_west) * std::cos(mid_lat));
  const std::string path = default_coastline_path(width_km);
  if (path.empty())
    return {404, "coastlines: no GSHHG shoreline file is installed (Debian package gmt-gshhg-low)",
            "text/plain"};
  return {200, coastlines_json(path, box), "application/json"};
}

}  // namespace

int view_command(const std::vector<std::string>& args) {
  ViewArgs parsed;
  if (const int rc = parse_view_args(args, parsed); rc != 0 || parsed.help) return rc;
  std::string output = parsed.output, viewer_dir = parsed.viewer_dir;
  const std::string host = parsed.host;
  const int port = parsed.port;
  in_addr ipv4{};  // the URL printed below is http://HOST:PORT/: an IPv4 address, as --help says
  if (inet_pton(AF_INET, host.c_str(), &ipv4) != 1) {
    std::fprintf(stderr,
                 "healgrid view: --host '%s': expected an IPv4 address such as 127.0.0.1 (the "
                 "default) or 0.0.0.0 (every interface)\n",
                 host.c_str());
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
  // Every file under it is served: a folder without the built viewer (a home directory by
  // mistake) is refused.
  // Served only when their real path lies inside it, as every file the server serves.
  for (const char* file : {"index.html", "app.js"}) {
    struct stat st {};
    const std::string path = inside_directory(viewer_dir, file);
    if (path.empty() || stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      std::fprintf(stderr,
                   "healgrid view: %s holds no built viewer (no %s, or a link leading out of "
                   "it, which is never served): pass the viewer's dist folder as --viewer-dir\n",
                   viewer_dir.c_str(), file);
      return 2;
    }
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
    server.add_handler("/api/coastlines.json", coastlines_reply);
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
