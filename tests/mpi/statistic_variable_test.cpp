// A statistic variable's CF attributes (write/statistic_variable.hpp), written by each rank
// into a file of its own and read back: cell_methods names the cells' reduction, and under
// time windows the time reduction first ("time: cell_ids: mean"), where the statistic runs over
// the window's points too.
#include "healgrid/write/statistic_variable.hpp"

#include <gtest/gtest.h>
#include <mpi.h>
#include <unistd.h>

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace healgrid {
namespace {

// The cell_methods `define_statistic_attributes` writes for `spec` (nullopt when none).
std::optional<std::string> cell_methods_of(const StatisticSpec& spec, bool windowed) {
  const std::string path = ::testing::TempDir() + "healgrid_stat_attrs_" +
                           std::to_string(::getpid()) + (windowed ? "_w" : "") + ".nc";
  {
    auto nc = io::NcFile::create_parallel(path, MPI_COMM_SELF);
    std::vector<int> dims;
    if (windowed) dims.push_back(nc.def_dim("time", 2));
    dims.push_back(nc.def_dim("cell_ids", 4));
    const int var = nc.def_var(spec.name, NC_FLOAT, dims);
    define_statistic_attributes(nc, var, spec, "a statistic", "m", windowed);
    nc.close();
  }
  const auto nc = io::NcFile::open_read(path);
  auto methods = nc.text_att(nc.var_id(spec.name), "cell_methods");
  std::remove(path.c_str());
  return methods;
}

TEST(StatisticVariable, CellMethodsStartWithTimeUnderTimeWindows) {
  StatisticSpec mean;
  mean.name = "h_mean";
  mean.function = StatFunction::mean;
  mean.variable = "h";
  EXPECT_EQ(cell_methods_of(mean, false), "cell_ids: mean");
  EXPECT_EQ(cell_methods_of(mean, true), "time: cell_ids: mean");
  StatisticSpec count = mean;
  count.name = "h_count";
  count.function = StatFunction::count;
  EXPECT_EQ(cell_methods_of(count, true), std::nullopt);  // CF has no method for a count
}

}  // namespace
}  // namespace healgrid
