#include "healgrid/pipeline/run_metrics.hpp"

#include <sys/resource.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <vector>

#include "healgrid/io/atomic_file.hpp"

namespace healgrid {

long long peak_rss_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<long long>(usage.ru_maxrss) * 1024;  // Linux reports KiB
}

bool write_metrics_json(const Communicator& mpi, const std::string& path, RunMetrics m) {
  // The phase times that differ between ranks: report the slowest, which sets the wall time.
  m.read_bin = mpi.max(m.read_bin);
  m.reduce = mpi.max(m.reduce);
  const auto all = mpi.gather(peak_rss_bytes());
  if (mpi.rank != 0) return true;

  const nlohmann::ordered_json doc = {
      {"ranks", mpi.size},
      {"granules", m.granules},
      {"rows_read", m.rows_read},
      {"index_rows_read", m.index_rows_read},
      {"index_rows_in_beams", m.index_rows_in_beams},
      {"preselection_fallbacks", m.preselection_fallbacks},
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
  try {
    io::write_file_atomically(path, doc.dump(2) + "\n");
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace healgrid
