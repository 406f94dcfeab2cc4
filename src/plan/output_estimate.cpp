#include "healgrid/plan/output_estimate.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>

namespace healgrid {
namespace {

std::string gigabytes(double bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g GB", bytes / 1e9);
  return text;
}

std::string count(double n) {
  char text[32];
  std::snprintf(text, sizeof text, n < 1e7 ? "%.0f" : "%.3g", n);
  return text;
}

// A number read from a cgroup file; INFINITY for "max", a missing file or anything else.
double limit_in(const std::string& path) {
  std::ifstream in(path);
  double value = INFINITY;
  return in >> value && value > 0 ? value : INFINITY;
}

// The memory limit of this process's cgroup (v2 memory.max, v1 memory.limit_in_bytes), as a
// Slurm job with --mem or a container sets it; INFINITY when there is none.
double cgroup_memory_limit() {
  std::ifstream cgroups("/proc/self/cgroup");
  double limit = INFINITY;
  for (std::string line; std::getline(cgroups, line);) {
    const auto first = line.find(':'), second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    const std::string controllers = line.substr(first + 1, second - first - 1);
    const std::string path = line.substr(second + 1);
    if (controllers.empty()) {  // cgroup v2
      limit = std::min({limit, limit_in("/sys/fs/cgroup" + path + "/memory.max"),
                        limit_in("/sys/fs/cgroup/memory.max")});
    } else if (controllers.find("memory") != std::string::npos) {  // cgroup v1
      limit = std::min({limit, limit_in("/sys/fs/cgroup/memory" + path + "/memory.limit_in_bytes"),
                        limit_in("/sys/fs/cgroup/memory/memory.limit_in_bytes")});
    }
  }
  return limit;
}

}  // namespace

OutputEstimate estimate_output(const PipelineConfig& config, std::int64_t parents,
                               std::int64_t parents_on_one_rank, std::int64_t windows) {
  OutputEstimate e;
  e.windows = std::max<std::int64_t>(windows, 1);
  const int depth = config.grid.child_order - config.grid.parent_order;
  e.cells_per_parent = std::int64_t{1} << (2 * std::max(0, depth));
  e.parents = parents;
  e.cells = static_cast<double>(parents) * static_cast<double>(e.cells_per_parent);
  // Each statistic is one int32 or float32 per cell; the cell ids are uint64.
  e.bytes_per_cell = 4 * static_cast<std::int64_t>(config.statistics.size()) + 8;
  const double windows_held = static_cast<double>(e.windows);
  e.file_bytes = e.cells * static_cast<double>(e.bytes_per_cell) * windows_held;
  e.rank_bytes = static_cast<double>(parents_on_one_rank) *
                 static_cast<double>(e.cells_per_parent) * static_cast<double>(e.bytes_per_cell) *
                 windows_held;
  // Only the dense layout holds every child in memory. A sparse block holds at most one cell per
  // point (the read loop's budget), and auto writes dense only when at least half its cells
  // hold data (write/cell_layout.hpp).
  if (config.output.layout != OutputLayout::dense) e.rank_bytes = 0;
  return e;
}

double held_output_bytes(const PipelineConfig& config, std::int64_t parents, std::int64_t cell_runs,
                         std::int64_t windows) {
  const auto e = estimate_output(config, parents, parents, windows);
  const double w = static_cast<double>(e.windows);
  if (config.output.layout == OutputLayout::dense) return e.rank_bytes + e.rank_bytes / w;
  const double cells =
      std::min(static_cast<double>(std::max<std::int64_t>(cell_runs, 0)),
               static_cast<double>(parents) * static_cast<double>(e.cells_per_parent));
  return cells * static_cast<double>(e.bytes_per_cell) * (e.windows > 1 ? w + 2 : 2);
}

std::string output_memory_problem(const OutputEstimate& e, double memory_per_rank_bytes) {
  if (e.rank_bytes <= memory_per_rank_bytes) return "";
  const double per_parent = static_cast<double>(e.cells_per_parent) * e.bytes_per_cell;
  return "grid.child_order: the output is too large for memory: every parent cell with data "
         "is written with all its " +
         count(static_cast<double>(e.cells_per_parent)) + " child cells (" + gigabytes(per_parent) +
         " each at " + std::to_string(e.bytes_per_cell) + " bytes per cell), " +
         count(static_cast<double>(e.parents)) + " parent cell(s): " + count(e.cells) + " cells" +
         (e.windows > 1 ? " in each of " + std::to_string(e.windows) + " time windows" : "") +
         ", " + gigabytes(e.file_bytes) + " uncompressed; the busiest rank needs " +
         gigabytes(e.rank_bytes) + " but has " + gigabytes(memory_per_rank_bytes) +
         " (--memory-per-rank; by default Slurm's allocation, or half the node's memory / ranks on "
         "the node). Use the sparse layout (--layout sparse or auto: only the cells with data are "
         "held), lower grid.child_order (--child-order), or spread the run over more nodes";
}

double node_memory_bytes() {
  const double pages = static_cast<double>(sysconf(_SC_PHYS_PAGES));
  const double page_size = static_cast<double>(sysconf(_SC_PAGE_SIZE));
  return std::min(pages > 0 && page_size > 0 ? pages * page_size : INFINITY, cgroup_memory_limit());
}

}  // namespace healgrid
