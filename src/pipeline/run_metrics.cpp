#include "healgrid/pipeline/run_metrics.hpp"

#include <sys/resource.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <vector>

namespace healgrid {

long long peak_rss_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<long long>(usage.ru_maxrss) * 1024;  // Linux reports KiB
}

bool write_metrics_json(const MpiContext& mpi, const std::string& path, RunMetrics m) {
  // The phase times that differ between ranks: report the slowest, which sets the wall time.
  double times[2] = {m.read_bin, m.reduce};
  MPI_Allreduce(MPI_IN_PLACE, times, 2, MPI_DOUBLE, MPI_MAX, mpi.comm);
  m.read_bin = times[0];
  m.reduce = times[1];
  long long rss = peak_rss_bytes();
  std::vector<long long> all(mpi.size);
  MPI_Gather(&rss, 1, MPI_LONG_LONG, all.data(), 1, MPI_LONG_LONG, 0, mpi.comm);
  if (mpi.rank != 0) return true;

  const nlohmann::ordered_json doc = {
      {"ranks", mpi.size},
      {"granules", m.granules},
      {"rows_read", m.rows_read},
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
      {"peak_rss_bytes", all}};
  const std::string tmp = path + ".partial";
  {
    std::ofstream out(tmp);
    out << doc.dump(2) << "\n";
    if (!out) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

}  // namespace healgrid
