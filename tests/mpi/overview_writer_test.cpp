// The overview groups' description (write/overview_writer.hpp), defined by each rank in a file
// of its own and read back: healgrid_overview_method says how a level's values were computed
// (docs/conventions.md, Exactness): from the parent order up from the points of each cell,
// quantiles included; below it merged from the parent cells' partials, without quantiles.
#include "healgrid/write/overview_writer.hpp"

#include <gtest/gtest.h>
#include <mpi.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "healgrid/io/output_schema.hpp"

namespace healgrid {
namespace {

constexpr int kParent = 3, kChild = 6;

// healgrid_overview_method of each level (by order) as define_overviews writes it.
std::map<int, std::string> overview_methods(const std::vector<int>& orders) {
  PipelineConfig config;
  config.output.deflate_level = 0;
  config.statistics.resize(2);
  config.statistics[0].name = "count";
  config.statistics[0].function = StatFunction::count;
  config.statistics[0].variable = "h";
  config.statistics[1].name = "h_median";
  config.statistics[1].function = StatFunction::quantile;
  config.statistics[1].variable = "h";
  const HealpixGrid grid(kParent, kChild, LatitudeConvention::authalic);
  std::vector<OverviewLevel> levels;
  for (const int order : orders) {
    OverviewLevel level;
    level.order = order;
    level.total_cells = 2;
    for (const auto& spec : config.statistics)
      if (overview_has_statistic(spec.function, order, kParent))
        level.columns.push_back(OutputColumn{&spec, {}, {}});
    levels.push_back(level);
  }
  const std::vector<OverviewAttributes> attributes = {{"points", "1"}, {"median of h", "m"}};
  const std::string path =
      ::testing::TempDir() + "healgrid_overview_method_" + std::to_string(::getpid()) + ".nc";
  {
    auto nc = io::NcFile::create_parallel(path, MPI_COMM_SELF);
    define_overviews(nc, config, grid, levels, attributes);
    nc.close();
  }
  std::map<int, std::string> methods;
  const auto nc = io::NcFile::open_read(path);
  for (const int order : orders) {
    const auto group = nc.find_group(overview_group_path(order));
    if (!group) continue;
    methods[order] = group->text_att(io::kNcGlobal, schema::kOverviewMethod).value_or("(none)");
  }
  std::remove(path.c_str());
  return methods;
}

TEST(OverviewWriter, TheLevelAtTheParentOrderIsComputedFromThePoints) {
  auto methods = overview_methods({kParent - 1, kParent, kParent + 1});
  ASSERT_EQ(methods.size(), 3u);
  // At and above the parent order: every statistic from the points, quantiles included.
  EXPECT_NE(methods[kParent].find("from the points"), std::string::npos) << methods[kParent];
  EXPECT_NE(methods[kParent].find("quantiles included"), std::string::npos) << methods[kParent];
  EXPECT_EQ(methods[kParent + 1], methods[kParent]);
  // Below it: merged partials, quantiles left out.
  EXPECT_NE(methods[kParent - 1].find("partials"), std::string::npos) << methods[kParent - 1];
  EXPECT_NE(methods[kParent - 1].find("quantiles left out"), std::string::npos)
      << methods[kParent - 1];
}

}  // namespace
}  // namespace healgrid
