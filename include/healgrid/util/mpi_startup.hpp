// Settings healgrid gives Open MPI before MPI_Init, through the environment (Open MPI reads its
// MCA parameters there at MPI_Init). A variable the user set is never overridden.
// - A world on one node (healgrid started without a launcher, or by one that put every process
//   on this node) sends nothing over a network, yet Open MPI's MPI_Init probes every network
//   transport for it (UCX, libfabric, PSM: about 0.2 s of a ~0.4 s start on a machine without
//   a fabric, docs/performance-history.md). Such a world gets the built-in point-to-point
//   layer, ob1 (over shared memory between its processes). A world over several nodes, or one
//   whose layout is unknown, keeps Open MPI's own choice (a fabric's UCX). Every process of a
//   world reads the same launcher variables, so all of them choose alike.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace healgrid {

// The variable named, or nullptr when it is not set (std::getenv's contract).
using EnvLookup = std::function<const char*(const std::string&)>;

// Whether the launcher environment says this world has exactly one process: no launcher
// (a singleton), or mpirun's OMPI_COMM_WORLD_SIZE, Slurm's SLURM_STEP_NUM_TASKS under srun, or
// PMI_SIZE equal to 1. False when a launcher is present and says another size, or nothing.
bool one_process_world(const EnvLookup& env);

// Whether the launcher environment says every process of this world runs on this node: a
// one-process world, mpirun's OMPI_COMM_WORLD_LOCAL_SIZE equal to its OMPI_COMM_WORLD_SIZE, or
// Slurm's SLURM_STEP_NUM_NODES of 1 under srun. False when a launcher says otherwise or nothing.
bool one_node_world(const EnvLookup& env);

// The MCA settings for this process: {name, value} pairs to set when unset.
struct McaDefault {
  std::string name, value;
};
std::vector<McaDefault> mpi_startup_defaults(const EnvLookup& env);

// Sets mpi_startup_defaults(getenv) in this process's environment (each only if unset).
// REQUIRES: called before MPI_Init.
void apply_mpi_startup_defaults();

}  // namespace healgrid
