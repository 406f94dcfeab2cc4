// Config expressions: the translation of and/or/not and `in` sets, bulk evaluation against
// values computed here, bit tests, and the errors naming what is wrong.
#include "healgrid/config/expression.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace healgrid {
namespace {

TEST(Expression, TranslatesWordsAndSets) {
  EXPECT_EQ(translate_expression("a > 1 and not b or c in {1, 2.5}"),
            "a > 1 && !( b )|| (c==1||c==2.5)");
  EXPECT_EQ(translate_expression("android + orange"), "android + orange");  // whole words only
  EXPECT_THROW(translate_expression("x in {1, y}"), ExpressionError);
  for (const char* other : {"(x) in {1, 2}", "abs(x) in {1, 2}", "x + 1 in {2, 3}"}) {
    try {
      translate_expression(other);
      ADD_FAILURE() << other << " accepted";
    } catch (const ExpressionError& e) {
      EXPECT_NE(std::string(e.what()).find("takes a variable's bare name on its left"),
                std::string::npos)
          << e.what();
    }
  }
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

// A double holds every integer below 2^53 only: bit() of a larger flag (GEDI's uint64
// shot_number) would read bits the float64 lost, so the expression is refused, not answered.
// Columns longer than one internal block of points (2^20): each block reads its own values,
// not the first block's.
TEST(Expression, ColumnsLongerThanOneBlockReadEachBlocksOwnValues) {
  const std::size_t n = (std::size_t{1} << 21) + 3;
  std::vector<double> h(n), out(n);
  for (std::size_t i = 0; i < n; ++i) h[i] = static_cast<double>(i);
  Expression twice("2 * h + 1", {"h"});
  twice.evaluate({h.data()}, n, out.data());
  std::size_t wrong = 0;
  for (std::size_t i = 0; i < n; ++i) wrong += out[i] != 2.0 * static_cast<double>(i) + 1;
  EXPECT_EQ(wrong, 0u);
  EXPECT_EQ(out[std::size_t{1} << 20], 2097153.0);  // the second block's first point
  EXPECT_EQ(out[n - 1], 2.0 * static_cast<double>(n - 1) + 1);
}

TEST(Expression, BitsOfIntegersBeyondTwoToThe53AreRefused) {
  const std::vector<double> below = {9007199254740991.0, -9007199254740991.0, 5};
  std::vector<double> out(3);
  Expression low_bit("bit(x, 0)", {"x"});
  low_bit.evaluate({below.data()}, 3, out.data());
  EXPECT_EQ(out, (std::vector<double>{1, 1, 1}));  // 2^53 - 1 is odd, exactly
  const std::vector<double> beyond = {5, 9007199254740992.0, 3};
  try {
    low_bit.evaluate({beyond.data()}, 3, out.data());
    FAIL() << "bit() of 2^53 answered";
  } catch (const ExpressionError& e) {
    EXPECT_NE(std::string(e.what()).find("'bit(x, 0)': bit(x, k) of x = 9007199254740992, beyond "
                                         "2^53"),
              std::string::npos)
        << e.what();
  }
  low_bit.evaluate({below.data()}, 3, out.data());  // the next evaluation starts afresh
  EXPECT_EQ(out[2], 1);
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

// Each result below is what Python/numpy give for the same expression over the same values.
std::vector<double> values_of(const std::string& text, const std::vector<double>& x) {
  Expression e(text, {"x"});
  std::vector<double> out(x.size());
  e.evaluate({x.data()}, x.size(), out.data());
  return out;
}

TEST(Expression, NotBindsBelowComparisonsAsInPython) {
  const std::vector<double> x = {0, 1, 2, 3};
  EXPECT_EQ(values_of("not x < 2", x), (std::vector<double>{0, 0, 1, 1}));   // not (x < 2)
  EXPECT_EQ(values_of("not x == 3", x), (std::vector<double>{1, 1, 1, 0}));  // not (x == 3)
  EXPECT_EQ(values_of("not x == 3 and x > 0", x), (std::vector<double>{0, 1, 1, 0}));
  EXPECT_EQ(values_of("x > 0 and not x", x), (std::vector<double>{0, 0, 0, 0}));
}

// `not not x` and `not` after another operator's operand read as Python reads them (muparser
// refused an operator right after another: "Unexpected operator "!"", naming a `!` the user
// never wrote).
TEST(Expression, NotOfNotAndNotInsideBrackets) {
  const std::vector<double> a = {0, 2, 0, 3}, b = {0, 0, 5, 5};
  std::vector<double> out(4);
  const auto eval = [&](const char* text) {
    Expression e(text, {"a", "b"});
    e.evaluate({a.data(), b.data()}, 4, out.data());
    return out;
  };
  EXPECT_EQ(eval("not not a"), (std::vector<double>{0, 1, 0, 1}));
  EXPECT_EQ(eval("not not not a"), (std::vector<double>{1, 0, 1, 0}));
  EXPECT_EQ(eval("a > 1 or not not b"), (std::vector<double>{0, 1, 1, 1}));
  EXPECT_EQ(eval("not a == 0 and b == 5"), (std::vector<double>{0, 0, 0, 1}));
  EXPECT_EQ(eval("(not a) + (not b)"), (std::vector<double>{2, 1, 1, 0}));
  EXPECT_EQ(eval("not (a or b) or a == 3"), (std::vector<double>{1, 0, 0, 1}));
  EXPECT_EQ(eval("max(not a, b)"), (std::vector<double>{1, 0, 5, 5}));
}

TEST(Expression, BitSixtyThreeIsTheSignAndOtherBitNumbersAreRefused) {
  EXPECT_EQ(values_of("bit(x, 63)", {0, 7, -1, -8}), (std::vector<double>{0, 0, 1, 1}));
  for (const char* bad : {"bit(x, 64)", "bit(x, -1)", "bit(x, 0.5)"}) {
    try {
      Expression(bad, {"x"});
      ADD_FAILURE() << bad << " accepted";
    } catch (const ExpressionError& e) {
      EXPECT_NE(std::string(e.what()).find("a bit number is an integer 0..63"), std::string::npos)
          << e.what();
    }
  }
  // A bit number taken from the data: refused when evaluated.
  Expression from_data("bit(x, x)", {"x"});
  const std::vector<double> k = {3, 70};
  std::vector<double> out(2);
  EXPECT_THROW(from_data.evaluate({k.data()}, 2, out.data()), ExpressionError);
}

TEST(Expression, RintRoundsHalvesToEvenAndNoConstantFolding) {
  EXPECT_EQ(values_of("rint(x)", {0.5, -0.5, 2.5, 1.5}), (std::vector<double>{0, -0, 2, 2}));
  // (1e308 * x) * 10 in IEEE order: 0 stays 0, 1e-10 gives 1e299 (folding gave inf * x).
  const auto big = values_of("1e308 * x * 10", {0, 1e-10});
  EXPECT_EQ(big[0], 0.0);
  EXPECT_DOUBLE_EQ(big[1], 1e299);
  EXPECT_EQ(values_of("x + 1e16 - 1e16", {1})[0], 0.0);  // 1e16 + 1 rounds to 1e16 first
}

TEST(Expression, AssignmentsListsAndDerivedNamesAreRefusedClearly) {
  for (const char* bad : {"x = 3", "x=3", "(x = 1) + 2"}) {
    try {
      Expression(bad, {"x"});
      ADD_FAILURE() << bad << " accepted";
    } catch (const ExpressionError& e) {
      EXPECT_NE(std::string(e.what()).find("compare with '=='"), std::string::npos) << e.what();
    }
  }
  EXPECT_NO_THROW(Expression("x == 3 and x != 2 and x <= 4 and x >= 1", {"x"}));
  EXPECT_THROW(Expression("x == 1, 1", {"x"}), ExpressionError);
  EXPECT_NO_THROW(Expression("min(x, 1)", {"x"}));  // a comma inside a call is no list
  try {
    Expression("z + 1", {"x"}, {"z"});
    ADD_FAILURE() << "a derived variable accepted";
  } catch (const ExpressionError& e) {
    EXPECT_NE(std::string(e.what()).find("'z' is a derived variable"), std::string::npos)
        << e.what();
  }
}

// Python reads 0 <= x <= 1 as 0 <= x and x <= 1; muparser compared (0 <= x), 0 or 1, with 1:
// every point kept, exit 0. Chains are refused; comparisons apart (and, or, parentheses) stay.
TEST(Expression, ComparisonChainsAreRefused) {
  for (const char* chain : {"0 <= x <= 1", "1 < x < 3", "x == x == 1", "x<1>0", "0 < x != 2",
                            "not 0 <= x <= 1", "x > 0 and 0 <= x <= 1"}) {
    try {
      Expression(chain, {"x"});
      ADD_FAILURE() << chain << " accepted";
    } catch (const ExpressionError& e) {
      EXPECT_NE(std::string(e.what()).find("write 0 <= x and x <= 1"), std::string::npos)
          << e.what();
    }
  }
  EXPECT_EQ(values_of("0 <= x and x <= 1", {-5, 0.5, 2}), (std::vector<double>{0, 1, 0}));
  EXPECT_NO_THROW(Expression("(x < 1) == (x < 2)", {"x"}));
  EXPECT_NO_THROW(Expression("x in {1, 2} and x != 2", {"x"}));
  EXPECT_NO_THROW(Expression("min(x < 1, x > 2) == 0", {"x"}));
}

}  // namespace
}  // namespace healgrid
