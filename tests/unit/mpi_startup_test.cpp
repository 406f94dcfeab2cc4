// The MCA defaults healgrid sets before MPI_Init (util/mpi_startup.hpp), for the environments
// the launchers healgrid is started by really set (Open MPI's mpirun sets OMPI_COMM_WORLD_SIZE
// and OMPI_COMM_WORLD_LOCAL_SIZE in every process it starts; srun sets SLURM_STEP_NUM_NODES).
#include "healgrid/util/mpi_startup.hpp"

#include <gtest/gtest.h>

#include <map>

#include "env_lookup.hpp"

namespace healgrid {
namespace {

TEST(MpiStartup, SingletonWithoutLauncherIsOneProcess) {
  EXPECT_TRUE(one_process_world(env_of({})));
  EXPECT_TRUE(one_process_world(env_of({{"SLURM_JOB_ID", "7"}, {"SLURM_NTASKS", "16"}})))
      << "healgrid started directly inside a batch script is a singleton";
}

TEST(MpiStartup, MpirunStatesTheWorldSize) {
  EXPECT_TRUE(one_process_world(env_of({{"OMPI_COMM_WORLD_SIZE", "1"}, {"PMIX_RANK", "0"}})));
  EXPECT_FALSE(one_process_world(env_of({{"OMPI_COMM_WORLD_SIZE", "2"}, {"PMIX_RANK", "0"}})));
  EXPECT_FALSE(one_process_world(env_of({{"OMPI_COMM_WORLD_SIZE", "16"}})));
}

TEST(MpiStartup, SrunStepStatesItsTasks) {
  EXPECT_TRUE(one_process_world(
      env_of({{"SLURM_STEP_ID", "0"}, {"SLURM_STEP_NUM_TASKS", "1"}, {"PMIX_RANK", "0"}})));
  EXPECT_FALSE(one_process_world(
      env_of({{"SLURM_STEP_ID", "0"}, {"SLURM_STEP_NUM_TASKS", "4"}, {"PMIX_RANK", "2"}})));
  EXPECT_FALSE(one_process_world(env_of({{"SLURM_STEP_ID", "3"},
                                         {"SLURM_STEP_NUM_TASKS", "8"},
                                         {"PMI_FD", "5"},
                                         {"PMI_RANK", "1"}})));
}

TEST(MpiStartup, PmiSizeAndUnknownLaunchers) {
  EXPECT_TRUE(one_process_world(env_of({{"PMI_SIZE", "1"}, {"PMI_RANK", "0"}})));
  EXPECT_FALSE(one_process_world(env_of({{"PMI_SIZE", "3"}, {"PMI_RANK", "0"}})));
  // A launcher that does not say the size: nothing assumed.
  EXPECT_FALSE(one_process_world(env_of({{"PMIX_RANK", "0"}})));
  EXPECT_FALSE(one_process_world(env_of({{"PMIX_NAMESPACE", "job.1"}})));
}

// mpirun's variables for one process of a world of `size`, `local` of them on its node.
std::map<std::string, std::string> mpirun_env(const char* size, const char* local) {
  return {{"OMPI_COMM_WORLD_SIZE", size},
          {"OMPI_COMM_WORLD_LOCAL_SIZE", local},
          {"OMPI_COMM_WORLD_RANK", "0"},
          {"PMIX_RANK", "0"}};
}

TEST(MpiStartup, MpirunStatesTheProcessesOnThisNode) {
  EXPECT_TRUE(one_node_world(env_of(mpirun_env("1", "1"))));
  EXPECT_TRUE(one_node_world(env_of(mpirun_env("4", "4"))));
  EXPECT_TRUE(one_node_world(env_of(mpirun_env("16", "16"))));
  EXPECT_FALSE(one_node_world(env_of(mpirun_env("16", "8")))) << "two nodes of 8";
  EXPECT_FALSE(one_node_world(env_of(mpirun_env("10", "1"))));
  EXPECT_FALSE(one_node_world(env_of(mpirun_env("4", "40"))));  // no such world: not assumed
  EXPECT_FALSE(one_node_world(env_of({{"OMPI_COMM_WORLD_SIZE", "4"}})))
      << "a world size without the local size says nothing of the nodes";
}

TEST(MpiStartup, SrunStepStatesItsNodes) {
  auto step = [](const char* tasks, const char* nodes) {
    std::map<std::string, std::string> env = {
        {"SLURM_STEP_ID", "0"}, {"SLURM_STEP_NUM_TASKS", tasks}, {"PMIX_RANK", "1"}};
    if (nodes != nullptr) env["SLURM_STEP_NUM_NODES"] = nodes;
    return env_of(env);
  };
  EXPECT_TRUE(one_node_world(step("1", "1")));
  EXPECT_TRUE(one_node_world(step("8", "1")));
  EXPECT_FALSE(one_node_world(step("8", "2")));
  EXPECT_FALSE(one_node_world(step("8", nullptr)));
  // Slurm variables without a step's PMI: healgrid started directly in a batch script.
  EXPECT_TRUE(one_node_world(env_of({{"SLURM_JOB_ID", "7"}, {"SLURM_JOB_NUM_NODES", "4"}})));
  EXPECT_FALSE(one_node_world(env_of({{"PMIX_NAMESPACE", "job.1"}}))) << "an unknown launcher";
  EXPECT_FALSE(one_node_world(env_of({{"PMI_SIZE", "3"}, {"PMI_RANK", "0"}})));
}

TEST(MpiStartup, OneNodeGetsOb1UnlessTheUserChose) {
  for (const auto& env : {std::map<std::string, std::string>{}, mpirun_env("4", "4")}) {
    const auto defaults = mpi_startup_defaults(env_of(env));
    ASSERT_EQ(defaults.size(), 1u);
    EXPECT_EQ(defaults[0].name, "OMPI_MCA_pml");
    EXPECT_EQ(defaults[0].value, "ob1");
  }
  EXPECT_TRUE(mpi_startup_defaults(env_of({{"OMPI_MCA_pml", "ucx"}})).empty());
  auto chosen = mpirun_env("4", "4");
  chosen["OMPI_MCA_pml"] = "cm";
  EXPECT_TRUE(mpi_startup_defaults(env_of(chosen)).empty());
  EXPECT_TRUE(mpi_startup_defaults(env_of(mpirun_env("32", "16"))).empty());
  EXPECT_TRUE(mpi_startup_defaults(env_of({{"OMPI_COMM_WORLD_SIZE", "4"}})).empty());
}

}  // namespace
}  // namespace healgrid
