// Figures of one `healgrid run`, for benchmarks and scripts: `--metrics-json FILE` makes rank 0
// write them as JSON (phase seconds are the slowest rank's; peak RSS is per rank).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "healgrid/util/mpi_util.hpp"

namespace healgrid {

// Every rank's own work in seconds, not its waits for the others (by rank): indexing, the
// passes' points (indexed again or read back; 0 in one pass), and read + aggregate. The
// slowest rank's sets the phase's time; their spread is the run's load imbalance.
struct RankBusySeconds {
  std::vector<double> index, passes, read_aggregate;
};

struct RunMetrics {
  long long granules = 0, rows_read = 0, points_used = 0, cells_with_data = 0, parent_cells = 0;
  double resolve = 0, index = 0, plan = 0, read_bin = 0, reduce = 0, write = 0, total = 0;
  std::uint64_t bytes_per_point = 0;  // aggregator memory per point held
  long long output_bytes = 0;
  // The index passes (all of them): rows read, rows of the beams indexed, beams read whole
  // after the segment pre-selection's guard (read/photon_selection.hpp).
  long long index_rows_read = 0, index_rows_in_beams = 0, preselection_fallbacks = 0;
  long long rows_without_position = 0;  // first index pass: rows without a valid lat/lon
  RankBusySeconds busy;
};

// Collective: gathers every rank's peak resident set size and phase times; rank 0 writes the
// JSON to `path` (temporary name, then renamed; an earlier run's metrics file is replaced, any
// other file that appeared there during the run is not). Returns "" or, on every rank, why the
// file could not be written.
std::string write_metrics_json(const Communicator& mpi, const std::string& path,
                               RunMetrics metrics);

// Before any work (rank 0): `--metrics-json path` may not be the output, the run's own lock,
// progress file, journal or temporary output, the config file or an input granule (the same
// file, however spelt), a symlink, or an existing file other than a
// healgrid metrics file, and its directory must take a new file. Throws std::invalid_argument
// naming the path and the reason. `others`: the output, the config, the granules' paths.
void check_metrics_path(const std::string& path, const std::string& output,
                        const std::vector<std::string>& others);

// This process's peak resident set size in bytes (getrusage).
long long peak_rss_bytes();

}  // namespace healgrid
