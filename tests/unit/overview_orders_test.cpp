// `output.overviews` / `run --overviews`: parsing, `all`, and the errors that name the key.
#include "healgrid/config/overview_orders.hpp"

#include <gtest/gtest.h>

#include "healgrid/config/pipeline_config.hpp"

namespace healgrid {
namespace {

TEST(OverviewOrders, ParsesListsAllAndNone) {
  const auto list = parse_overview_orders(" 8, 4,6 ", "--overviews");
  EXPECT_FALSE(list.all);
  EXPECT_EQ(list.orders, (std::vector<int>{4, 6, 8}));
  EXPECT_EQ(list.text(), "4,6,8");
  EXPECT_EQ(list.resolve(12), (std::vector<int>{4, 6, 8}));
  const auto all = parse_overview_orders("all", "--overviews");
  EXPECT_TRUE(all.all);
  EXPECT_EQ(all.resolve(3), (std::vector<int>{0, 1, 2}));
  EXPECT_TRUE(parse_overview_orders("none", "k").empty());
  EXPECT_TRUE(parse_overview_orders("", "k").empty());
}

TEST(OverviewOrders, RefusesBadOrdersNamingTheKey) {
  for (const char* bad : {"30", "-1", "4,,6", "x", "4,4", "all,3", "1.5"}) {
    try {
      parse_overview_orders(bad, "output.overviews");
      ADD_FAILURE() << bad << " accepted";
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("output.overviews"), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(check_overview_orders(parse_overview_orders("12", "k"), 12, "k"), ConfigError);
  EXPECT_NO_THROW(check_overview_orders(parse_overview_orders("11", "k"), 12, "k"));
}

TEST(OverviewOrders, ConfigKeyIsParsedAndChecked) {
  const std::string base =
      "groups: [g]\ncoordinates: {latitude: lat, longitude: lon}\nvariables: {h: h}\n"
      "grid: {parent_order: 2, child_order: 5}\nstatistics: [{name: n, function: count, "
      "variable: h}]\n";
  EXPECT_EQ(parse_config(base + "output: {overviews: [3, 1]}\n", "t.yaml").output.overviews.orders,
            (std::vector<int>{1, 3}));
  EXPECT_TRUE(parse_config(base + "output: {overviews: all}\n", "t.yaml").output.overviews.all);
  EXPECT_TRUE(parse_config(base, "t.yaml").output.overviews.empty());
  EXPECT_THROW(parse_config(base + "output: {overviews: [5]}\n", "t.yaml"), ConfigError);
  EXPECT_THROW(parse_config(base + "output: {overviews: often}\n", "t.yaml"), ConfigError);
}

}  // namespace
}  // namespace healgrid
