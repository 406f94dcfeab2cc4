#include "healgrid/plan/memory_budget.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "healgrid/plan/output_estimate.hpp"

namespace healgrid {
namespace {

// A positive number from the environment, or 0.
double env_number(const char* name) {
  const char* text = std::getenv(name);
  if (!text || !*text) return 0;
  char* end = nullptr;
  const double v = std::strtod(text, &end);
  return end != text && std::isfinite(v) && v > 0 ? v : 0;
}

}  // namespace

std::string size_text(double bytes) {
  char text[32];
  if (bytes >= 1e9)
    std::snprintf(text, sizeof text, "%.2f GB", bytes / 1e9);
  else if (bytes >= 1e6)
    std::snprintf(text, sizeof text, "%.0f MB", bytes / 1e6);
  else if (bytes >= 1e3)
    std::snprintf(text, sizeof text, "%.0f kB", bytes / 1e3);
  else
    std::snprintf(text, sizeof text, "%.0f bytes", bytes);
  return text;
}

constexpr double kMaxMemorySize = 1024.0 * 1024 * 1024 * 1024 * 1024;  // 1 PiB

double parse_memory_size(const std::string& text) {
  const std::string why =
      "expected a size such as 4G, 500M or 800000000 (bytes), got '" + text + "'";
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    throw std::invalid_argument(why);
  }
  std::string unit = text.substr(used);
  for (auto& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (unit.size() > 1 && (unit.substr(1) == "B" || unit.substr(1) == "IB"))
    unit = unit.substr(0, 1);
  double scale = 1;
  if (unit == "K")
    scale = 1024.0;
  else if (unit == "M")
    scale = 1024.0 * 1024;
  else if (unit == "G")
    scale = 1024.0 * 1024 * 1024;
  else if (unit == "T")
    scale = 1024.0 * 1024 * 1024 * 1024;
  else if (!unit.empty() && unit != "B")
    throw std::invalid_argument(why);
  if (!std::isfinite(value) || value <= 0) throw std::invalid_argument(why);
  // Beyond a pebibyte no node has the memory, and the point counts it implies overflow.
  if (value * scale > kMaxMemorySize)
    throw std::invalid_argument("'" + text + "' is more memory than any node has (at most 1024T)");
  return value * scale;
}

namespace {

// "1 rank on the node", "4 ranks on the node": the budget's source line.
std::string ranks_on_the_node(int ranks) {
  return std::to_string(ranks) + (ranks == 1 ? " rank" : " ranks") + " on the node";
}

// A Slurm memory figure from the environment in MiB (Slurm writes plain MiB; a hand-set value
// may carry Slurm's K, M, G or T suffix), or 0 when unset or unusable.
double env_mebibytes(const char* name) {
  const char* text = std::getenv(name);
  if (!text || !*text) return 0;
  char* end = nullptr;
  const double v = std::strtod(text, &end);
  if (end == text || !std::isfinite(v) || v <= 0) return 0;
  if (*end == '\0') return v;
  try {
    return parse_memory_size(text) / (1024.0 * 1024);
  } catch (const std::invalid_argument&) {
    return 0;
  }
}

}  // namespace

MemoryBudget slurm_memory_per_rank(int ranks_on_node) {
  constexpr double kSlurmMegabyte = 1024.0 * 1024;  // Slurm's memory unit is MiB
  if (const double per_cpu = env_mebibytes("SLURM_MEM_PER_CPU"); per_cpu > 0) {
    const double cpus = env_number("SLURM_CPUS_PER_TASK");
    // The line names only what was read: one CPU per task when the count is unset or unusable.
    const char* given = std::getenv("SLURM_CPUS_PER_TASK");
    const std::string source =
        cpus >= 1 ? "Slurm: SLURM_MEM_PER_CPU x SLURM_CPUS_PER_TASK"
        : given && *given
            ? "Slurm: SLURM_MEM_PER_CPU x 1 CPU (SLURM_CPUS_PER_TASK='" + std::string(given) +
                  "' unusable)"
            : std::string("Slurm: SLURM_MEM_PER_CPU x 1 CPU (SLURM_CPUS_PER_TASK unset)");
    return {per_cpu * std::max(1.0, cpus) * kSlurmMegabyte, source};
  }
  if (const double per_node = env_mebibytes("SLURM_MEM_PER_NODE"); per_node > 0)
    return {per_node * kSlurmMegabyte / std::max(1, ranks_on_node),
            "Slurm: SLURM_MEM_PER_NODE / " + ranks_on_the_node(ranks_on_node)};
  // Set but not a size (or 0, Slurm's --mem=0: the whole node): said beside the fallback.
  for (const char* name : {"SLURM_MEM_PER_CPU", "SLURM_MEM_PER_NODE"})
    if (const char* text = std::getenv(name); text && *text)
      return {0, std::string(name) + "='" + text + "'" +
                     (std::string(name) == "SLURM_MEM_PER_NODE" && std::string(text) == "0"
                          ? " (the whole node)"
                          : " unusable")};
  return {};
}

MemoryBudget memory_budget_per_rank(MPI_Comm comm, double requested_bytes) {
  MPI_Comm node = MPI_COMM_NULL;
  MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
  int ranks_on_node = 1;
  MPI_Comm_size(node, &ranks_on_node);
  MPI_Comm_free(&node);
  MemoryBudget mine;
  if (requested_bytes > 0) {
    mine = {requested_bytes, "--memory-per-rank"};
  } else if (mine = slurm_memory_per_rank(ranks_on_node); mine.bytes <= 0) {
    const double node_memory = node_memory_bytes();
    const std::string slurm = mine.source.empty() ? "" : " (" + mine.source + ")";
    mine = {kDefaultNodeMemoryShare * node_memory / ranks_on_node,
            "50% of the node's memory (" + size_text(node_memory) + ") / " +
                ranks_on_the_node(ranks_on_node) + slurm};
  }
  // The smallest budget over the ranks, named by the source of the (lowest) rank that has it.
  int me = 0;
  MPI_Comm_rank(comm, &me);
  struct {
    double bytes;
    int rank;
  } local{mine.bytes, me}, smallest{};
  MPI_Allreduce(&local, &smallest, 1, MPI_DOUBLE_INT, MPI_MINLOC, comm);
  int length = static_cast<int>(mine.source.size());
  MPI_Bcast(&length, 1, MPI_INT, smallest.rank, comm);
  mine.source.resize(static_cast<std::size_t>(length));
  MPI_Bcast(mine.source.data(), length, MPI_CHAR, smallest.rank, comm);
  if (smallest.rank != 0)
    mine.source = "rank " + std::to_string(smallest.rank) + "'s, the smallest: " + mine.source;
  return {smallest.bytes, mine.source};
}

}  // namespace healgrid
