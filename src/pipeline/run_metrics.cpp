#include "healgrid/pipeline/run_metrics.hpp"

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <vector>

#include "healgrid/io/atomic_file.hpp"
#include "healgrid/io/output_lock.hpp"
#include "healgrid/pipeline/progress_file.hpp"
#include "healgrid/util/cpu_features.hpp"
#include "healgrid/util/text.hpp"

namespace healgrid {

namespace {

bool same_file(const struct stat& a, const std::string& path) {
  struct stat b {};
  return stat(path.c_str(), &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

// An earlier run's metrics: a small JSON object with this writer's keys.
bool is_metrics_file(const std::string& path) {
  struct stat st {};  // a regular file, not a link to one
  if (lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.size() > (1 << 20)) return false;
  const auto doc = nlohmann::json::parse(text, nullptr, false);
  return doc.is_object() && doc.contains("ranks") && doc.contains("seconds") &&
         doc.contains("peak_rss_bytes");
}

// The file a path names, its directory resolved (the file itself need not exist): "out.nc",
// "./out.nc" and "d/../out.nc" are one path.
std::string resolved(const std::string& path) {
  char* real = realpath(dir_name(path).c_str(), nullptr);
  if (!real) return path;
  std::string out = std::string(real) + "/" + base_name(path);
  std::free(real);
  return out;
}

}  // namespace

void check_metrics_path(const std::string& path, const std::string& output,
                        const std::vector<std::string>& others) {
  if (path.empty()) return;
  auto refuse = [&](const std::string& why) {
    throw std::invalid_argument("--metrics-json " + path + ": " + why);
  };
  const std::string where = resolved(path);
  if (where == resolved(output))
    refuse("is the --output path: choose another file for the metrics");
  // The run's own files beside the output: it makes, replaces or removes them itself.
  for (const auto& [own, what] : {std::pair{io::lock_path(output), "lock file"},
                                  std::pair{progress_path(output), "progress file"},
                                  std::pair{output + ".journal", "restart journal"}})
    if (where == resolved(own))
      refuse(std::string("is the run's ") + what + " (" + own +
             "): choose another file for the metrics");
  if (where.rfind(resolved(output) + ".partial", 0) == 0)
    refuse("is named like the run's temporary output (" + output +
           ".partial...): choose another file for the metrics");
  struct stat st {};
  if (lstat(path.c_str(), &st) == 0) {
    if (S_ISLNK(st.st_mode)) refuse("is a symbolic link: give the file's own path");
    if (!S_ISREG(st.st_mode)) refuse("exists and is not a regular file");
    for (const auto& other : others)
      if (same_file(st, other))
        refuse("is the same file as " + other + ": the run would replace it");
    if (!is_metrics_file(path))
      refuse(
          "exists and is not a healgrid metrics file: remove it or choose another path (the "
          "run would replace it)");
  }
  // The directory must take a new file now, not only when the run is done.
  const std::string dir = dir_name(path);
  std::string probe = dir + (dir.back() == '/' ? "" : "/") + ".healgrid-metrics-XXXXXX";
  const int fd = mkstemp(probe.data());
  if (fd < 0) refuse(std::string("cannot create a file in its directory: ") + std::strerror(errno));
  close(fd);
  unlink(probe.c_str());
}

long long peak_rss_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<long long>(usage.ru_maxrss) * 1024;  // Linux reports KiB
}

namespace {

// Rank 0's part of write_metrics_json: "" or why the file could not be written.
std::string write_metrics_document(const std::string& path, const RunMetrics& m,
                                   const std::vector<long long>& all, int ranks) {
  const nlohmann::ordered_json doc = {
      {"ranks", ranks},
      {"granules", m.granules},
      {"rows_read", m.rows_read},
      {"index_rows_read", m.index_rows_read},
      {"index_rows_in_beams", m.index_rows_in_beams},
      {"preselection_fallbacks", m.preselection_fallbacks},
      {"rows_without_position", m.rows_without_position},
      {"points_used", m.points_used},
      {"cells_with_data", m.cells_with_data},
      {"parent_cells", m.parent_cells},
      {"seconds",
       {{"resolve", m.resolve},
        {"index", m.index},
        {"plan", m.plan},
        {"read_bin", m.read_bin},
        {"reduce", m.reduce},
        {"write", m.write},
        {"total", m.total}}},
      {"points_per_second", m.total > 0 ? m.points_used / m.total : 0},
      {"bytes_per_point", m.bytes_per_point},
      {"output_bytes", m.output_bytes},
      {"peak_rss_bytes", all},
      {"rank_busy_seconds",
       {{"index", m.busy.index},
        {"passes", m.busy.passes},
        {"read_aggregate", m.busy.read_aggregate}}},
      {"simd", use_avx2() ? "avx2" : "baseline"}};  // rank 0's forms (util/cpu_features.hpp)
  try {
    // What is there now: an earlier run's metrics may be replaced, nothing else.
    io::write_file_atomically(path, doc.dump(2) + "\n", is_metrics_file);
    return "";
  } catch (const std::exception& e) {
    return e.what();
  }
}

}  // namespace

std::string write_metrics_json(const Communicator& mpi, const std::string& path, RunMetrics m) {
  // The phase times that differ between ranks: report the slowest, which sets the wall time.
  m.read_bin = mpi.max(m.read_bin);
  m.reduce = mpi.max(m.reduce);
  const auto all = mpi.gather(peak_rss_bytes());
  std::string error;
  if (mpi.rank == 0) error = write_metrics_document(path, m, all, mpi.size);
  mpi.bcast(error);
  return error;
}

}  // namespace healgrid
