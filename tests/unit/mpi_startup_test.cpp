// The MCA defaults healgrid sets before MPI_Init (util/mpi_startup.hpp), for the environments
// the launchers healgrid is started by really set.
#include "healgrid/util/mpi_startup.hpp"

#include <gtest/gtest.h>

#include <map>

namespace healgrid {
namespace {

EnvLookup env_of(const std::map<std::string, std::string>& vars) {
  return [vars](const std::string& name) -> const char* {
    const auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

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

TEST(MpiStartup, OneProcessGetsOb1UnlessTheUserChose) {
  const auto one = mpi_startup_defaults(env_of({}));
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].name, "OMPI_MCA_pml");
  EXPECT_EQ(one[0].value, "ob1");
  EXPECT_TRUE(mpi_startup_defaults(env_of({{"OMPI_MCA_pml", "ucx"}})).empty());
  EXPECT_TRUE(mpi_startup_defaults(env_of({{"OMPI_COMM_WORLD_SIZE", "4"}})).empty());
}

}  // namespace
}  // namespace healgrid
