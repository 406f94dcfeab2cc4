// Config expressions: the translation of and/or/not and `in` sets, bulk evaluation against
// values computed here, bit tests, and the errors naming what is wrong.
#include "healgrid/config/expression.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace healgrid {
namespace {

TEST(Expression, TranslatesWordsAndSets) {
  EXPECT_EQ(translate_expression("a > 1 and not b or c in {1, 2.5}"),
            "a > 1 && ! b || (c==1||c==2.5)");
  EXPECT_EQ(translate_expression("android + orange"), "android + orange");  // whole words only
  EXPECT_THROW(translate_expression("x in {1, y}"), ExpressionError);
}

TEST(Expression, EvaluatesWholeColumnsInBulk) {
  const std::vector<double> h = {10, 20, 30, 40, 50}, g = {1, 2, 3, 4, 5};
  Expression diff("h - 2 * g", {"h", "g", "unused"});
  EXPECT_EQ(diff.inputs(), (std::vector<std::string>{"g", "h"}));  // in name order
  std::vector<double> out(5);
  diff.evaluate({g.data(), h.data()}, 5, out.data());
  EXPECT_EQ(out, (std::vector<double>{8, 16, 24, 32, 40}));

  const std::vector<double> q = {0, 1, 2, 3, 4}, flags = {0, 4, 5, 2, 4};
  Expression keep("q in {0, 1, 4} and not bit(flags, 2) or q == 3", {"q", "flags"});
  keep.evaluate({flags.data(), q.data()}, 5, out.data());
  EXPECT_EQ(out, (std::vector<double>{1, 0, 0, 1, 0}));
  Expression ne("q != 2", {"q"});
  ne.evaluate({q.data()}, 5, out.data());
  EXPECT_EQ(out, (std::vector<double>{1, 1, 0, 1, 1}));
  Expression constant("2 ^ 3", {"q"});
  constant.evaluate({}, 3, out.data());
  EXPECT_EQ(out[2], 8);
  const std::vector<double> odd = {1.5};
  Expression bad_bit("bit(q, 0)", {"q"});
  bad_bit.evaluate({odd.data()}, 1, out.data());
  EXPECT_TRUE(std::isnan(out[0]));  // a non-integral flag has no bits
}

TEST(Expression, ErrorsNameTheProblem) {
  try {
    Expression("h - geoid", {"h"});
    FAIL();
  } catch (const ExpressionError& e) {
    EXPECT_NE(std::string(e.what()).find("'h - geoid'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("geoid"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Expression("h +", {"h"}), ExpressionError);
  EXPECT_THROW(Expression("h in {}", {"h"}), ExpressionError);
}

}  // namespace
}  // namespace healgrid
