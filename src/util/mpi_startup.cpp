#include "healgrid/util/mpi_startup.hpp"

#include <cstdlib>
#include <cstring>

namespace healgrid {
namespace {

bool equals(const char* value, const char* expected) {
  return value != nullptr && std::strcmp(value, expected) == 0;
}

// srun starts the processes of a job step through PMIx or PMI2.
bool srun_step(const EnvLookup& env) {
  return env("SLURM_STEP_NUM_TASKS") && env("SLURM_STEP_ID") &&
         (env("PMIX_RANK") || env("PMI_RANK") || env("PMI_FD"));
}

}  // namespace

bool one_process_world(const EnvLookup& env) {
  // mpirun (Open MPI's own launcher) states the world's size.
  if (const char* size = env("OMPI_COMM_WORLD_SIZE")) return equals(size, "1");
  if (srun_step(env)) return equals(env("SLURM_STEP_NUM_TASKS"), "1");
  if (const char* size = env("PMI_SIZE")) return equals(size, "1");
  // Any other launcher's trace: the size is unknown, so nothing is assumed.
  for (const char* name : {"PMIX_RANK", "PMI_RANK", "PMI_FD", "PMIX_NAMESPACE"})
    if (env(name) != nullptr) return false;
  return true;  // no launcher: a singleton
}

bool one_node_world(const EnvLookup& env) {
  if (one_process_world(env)) return true;
  // mpirun: the processes on this node, of the world's.
  if (const char* size = env("OMPI_COMM_WORLD_SIZE"))
    return equals(env("OMPI_COMM_WORLD_LOCAL_SIZE"), size);
  if (srun_step(env)) return equals(env("SLURM_STEP_NUM_NODES"), "1");
  return false;
}

std::vector<McaDefault> mpi_startup_defaults(const EnvLookup& env) {
  std::vector<McaDefault> out;
  if (one_node_world(env) && env("OMPI_MCA_pml") == nullptr) out.push_back({"OMPI_MCA_pml", "ob1"});
  return out;
}

void apply_mpi_startup_defaults() {
  const auto defaults =
      mpi_startup_defaults([](const std::string& name) { return std::getenv(name.c_str()); });
  for (const auto& d : defaults) setenv(d.name.c_str(), d.value.c_str(), 0);
}

}  // namespace healgrid
