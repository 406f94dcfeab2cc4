// How much memory one rank may use for the points it holds (`run --memory-per-rank`): given,
// or taken from Slurm's allocation, or a fraction of the node's memory. Every rank gets the
// same figure (the smallest), so all ranks plan alike. The budget bounds the output block
// (plan/output_estimate.hpp) and, with it, the points a rank holds at once: when they do not
// fit, the run proceeds in passes (plan/pass_plan.hpp).
#pragma once

#include <mpi.h>

#include <string>

namespace healgrid {

// Share of the node's memory (physical, or its cgroup's limit when lower) that ranks use by
// default when Slurm gives no allocation: the rest is left to the page cache, MPI buffers,
// the HDF5 library and other processes.
constexpr double kDefaultNodeMemoryShare = 0.5;

// "4G", "500M", "1.5T", "64k", "800000000": bytes, the suffixes K, M, G, T as powers of 1024
// (Slurm's meaning), optionally followed by "B" or "iB". Throws std::invalid_argument saying
// what is wrong.
double parse_memory_size(const std::string& text);

// `bytes` for messages, in the unit that keeps sizes apart: "2.15 GB", "512 MB", "300 kB",
// "40 bytes" (powers of 1000, as the plan's lines; a budget of 300 kB is not "0 MB").
std::string size_text(double bytes);

struct MemoryBudget {
  double bytes = 0;    // per rank
  std::string source;  // how it was chosen, for the plan's lines
};

// From Slurm's environment: SLURM_MEM_PER_CPU (MB) x SLURM_CPUS_PER_TASK (default 1), or
// SLURM_MEM_PER_NODE (MB) / `ranks_on_node`. bytes = 0 when neither is set (or unparsable).
MemoryBudget slurm_memory_per_rank(int ranks_on_node);

// Collective on `comm`. `requested_bytes` > 0 (--memory-per-rank): that; else Slurm's
// allocation; else kDefaultNodeMemoryShare of the node's memory / the ranks on the node. The
// smallest over the ranks.
MemoryBudget memory_budget_per_rank(MPI_Comm comm, double requested_bytes);

}  // namespace healgrid
