#include "healgrid/pipeline/run_metrics.hpp"

#include <sys/resource.h>

#include <cstdio>
#include <fstream>
#include <sstream>
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

  std::ostringstream out;
  out << "{\n"
      << "  \"ranks\": " << mpi.size << ",\n"
      << "  \"granules\": " << m.granules << ",\n"
      << "  \"rows_read\": " << m.rows_read << ",\n"
      << "  \"points_used\": " << m.points_used << ",\n"
      << "  \"cells_with_data\": " << m.cells_with_data << ",\n"
      << "  \"parent_cells\": " << m.parent_cells << ",\n"
      << "  \"seconds\": {\"resolve\": " << m.resolve << ", \"index\": " << m.index
      << ", \"plan\": " << m.plan << ", \"read_bin\": " << m.read_bin
      << ", \"reduce\": " << m.reduce << ", \"write\": " << m.write << ", \"total\": " << m.total
      << "},\n"
      << "  \"points_per_second\": " << (m.total > 0 ? m.points_used / m.total : 0) << ",\n"
      << "  \"bytes_per_point\": " << m.bytes_per_point << ",\n"
      << "  \"output_bytes\": " << m.output_bytes << ",\n"
      << "  \"peak_rss_bytes\": [";
  for (int r = 0; r < mpi.size; ++r) out << (r ? ", " : "") << all[r];
  out << "]\n}\n";
  try {
    io::write_file_atomically(path, out.str());
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace healgrid
