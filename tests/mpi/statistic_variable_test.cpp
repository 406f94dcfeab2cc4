// A statistic variable's CF attributes (write/statistic_variable.hpp), written by each rank
// into a file of its own and read back: cell_methods names the cells' reduction, and under
// time windows the time reduction first ("time: cell_ids: mean"), where the statistic runs over
// the window's points too; a quantile states its q, a weighted statistic its sigma variable or
// its weight as the config wrote it.
#include "healgrid/write/statistic_variable.hpp"

#include <gtest/gtest.h>
#include <mpi.h>
#include <unistd.h>

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "healgrid/io/output_schema.hpp"

namespace healgrid {
namespace {

// Writes `spec`'s variable through `define_statistic_attributes` into a scratch file of this
// rank, then returns what `read` finds in the file (reopened read-only) on that variable.
template <typename Read>
auto read_back(const StatisticSpec& spec, bool windowed, Read read) {
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
  auto found = read(nc, nc.var_id(spec.name));
  std::remove(path.c_str());
  return found;
}

// The cell_methods `define_statistic_attributes` writes for `spec` (nullopt when none).
std::optional<std::string> cell_methods_of(const StatisticSpec& spec, bool windowed) {
  return read_back(spec, windowed,
                   [](const io::NcFile& nc, int var) { return nc.text_att(var, "cell_methods"); });
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

// The attributes that say which statistic a variable holds beyond its function: `quantile` (q),
// healgrid_sigma_variable (sigma:) and healgrid_weight (weight:, as written in the config, not
// the name of the derived variable it became); each only where the statistic has it.
struct Described {
  std::optional<double> q;
  std::optional<std::string> sigma, weight;
};

Described described(const StatisticSpec& spec) {
  return read_back(spec, false, [](const io::NcFile& nc, int var) {
    return Described{nc.number_att(var, schema::kQuantile),
                     nc.text_att(var, schema::kSigmaVariable), nc.text_att(var, schema::kWeight)};
  });
}

TEST(StatisticVariable, QuantilesStateQWeightedStatisticsTheirSigmaOrWeight) {
  StatisticSpec p90;
  p90.name = "h_p90";
  p90.function = StatFunction::quantile;
  p90.variable = "h";
  p90.q = 0.9;
  const auto quantile = described(p90);
  EXPECT_EQ(quantile.q, 0.9);
  EXPECT_EQ(quantile.sigma, std::nullopt);
  EXPECT_EQ(quantile.weight, std::nullopt);

  StatisticSpec by_sigma;
  by_sigma.name = "h_wmean";
  by_sigma.function = StatFunction::weighted_mean;
  by_sigma.variable = "h";
  by_sigma.sigma = "s";
  const auto sigma = described(by_sigma);
  EXPECT_EQ(sigma.q, std::nullopt);
  EXPECT_EQ(sigma.sigma, "s");
  EXPECT_EQ(sigma.weight, std::nullopt);

  StatisticSpec by_weight = by_sigma;
  by_weight.name = "h_wsig";
  by_weight.function = StatFunction::weighted_mean_sigma;
  by_weight.sigma.clear();
  by_weight.weight = "h_wsig.weight";  // the derived variable of the expression
  by_weight.weight_text = "1/(s*s)";
  const auto weight = described(by_weight);
  EXPECT_EQ(weight.q, std::nullopt);
  EXPECT_EQ(weight.sigma, std::nullopt);
  EXPECT_EQ(weight.weight, "1/(s*s)");
}

}  // namespace
}  // namespace healgrid
