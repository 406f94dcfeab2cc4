#include "healgrid/aggregate/statistics.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace healgrid {
namespace {

const std::vector<double> kX = {3, 1, 4, 1, 5, 9, 2, 6};

TEST(Statistics, Basic) {
  EXPECT_EQ(stat_min(kX.data(), kX.size()), 1);
  EXPECT_EQ(stat_max(kX.data(), kX.size()), 9);
  EXPECT_EQ(stat_sum(kX.data(), kX.size()), 31);
  EXPECT_DOUBLE_EQ(stat_mean(kX.data(), kX.size()), 31.0 / 8);
  // population variance: sum((x - 3.875)^2) / 8 = 52.875 / 8
  EXPECT_DOUBLE_EQ(stat_variance(kX.data(), kX.size()), 52.875 / 8);
}

TEST(Statistics, EmptyGivesNaN) {
  EXPECT_TRUE(std::isnan(stat_min(nullptr, 0)));
  EXPECT_TRUE(std::isnan(stat_max(nullptr, 0)));
  EXPECT_TRUE(std::isnan(stat_mean(nullptr, 0)));
  EXPECT_TRUE(std::isnan(stat_variance(nullptr, 0)));
  EXPECT_TRUE(std::isnan(stat_weighted_mean(nullptr, nullptr, 0)));
  EXPECT_TRUE(std::isnan(stat_weighted_mean_sigma(nullptr, 0)));
  EXPECT_TRUE(std::isnan(stat_quantile_sorted(nullptr, 0, 0.5)));
  EXPECT_EQ(stat_sum(nullptr, 0), 0);
}

TEST(Statistics, SinglePoint) {
  const double x = 42.5, s = 0.5;
  EXPECT_EQ(stat_variance(&x, 1), 0);
  EXPECT_EQ(stat_weighted_mean(&x, &s, 1), 42.5);
  EXPECT_EQ(stat_weighted_mean_sigma(&s, 1), 0.5);
  for (double q : {0.0, 0.25, 1.0}) EXPECT_EQ(stat_quantile_sorted(&x, 1, q), 42.5);
}

TEST(Statistics, VarianceIsStableFarFromZero) {
  // Heights near 1e9 with a spread of 1: the naive E[x^2]-E[x]^2 loses every digit here.
  std::vector<double> x;
  for (int i = 0; i < 1000; ++i) x.push_back(1e9 + (i % 2 ? 1.0 : -1.0));
  EXPECT_NEAR(stat_variance(x.data(), x.size()), 1.0, 1e-9);
}

TEST(Statistics, VarianceAboutTheExactMeanNotTheRoundedOne) {
  // 1e9 + {0, u, u} (u = 2^-23, one step of doubles there): the mean 1e9 + 2u/3 rounds to
  // 1e9 + u, and deviations from the rounded mean give u^2/3; the exact variance is 2u^2/9.
  const double u = std::ldexp(1.0, -23);
  const std::vector<double> x = {1e9, 1e9 + u, 1e9 + u};
  EXPECT_DOUBLE_EQ(stat_variance(x.data(), x.size()), 2 * u * u / 9);
}

TEST(Statistics, WeightedMeanOfWeightsWhoseSumOverflows) {
  // sum(w) = 2e308 + 1 overflows a double: the mean is still (1e308 (1 + 3) + 5) / (2e308 + 1).
  const std::vector<double> x = {5, 1, 3}, w = {1, 1e308, 1e308};
  EXPECT_DOUBLE_EQ(stat_weighted_mean_w(x.data(), w.data(), 3), 2.0);
  const std::vector<double> s = {1, 1e-154, 1e-154};  // weights 1e308 each, from sigmas
  EXPECT_DOUBLE_EQ(stat_weighted_mean(x.data(), s.data(), 3), 2.0);
}

// Weights so small that every product w x underflows below DBL_MIN (the probe's cell: three
// weights 1e-320, a subnormal with 12 bits, times 1.37 kept a few): taken relative to the
// largest, the mean is the plain one. It used to be 2.4066205, 200 float32 steps off.
TEST(Statistics, WeightedMeanOfWeightsWhoseProductsUnderflow) {
  const std::vector<double> x = {1.37, 2.71, 3.14}, w = {1e-320, 1e-320, 1e-320};
  EXPECT_EQ(static_cast<float>(stat_weighted_mean_w(x.data(), w.data(), 3)),
            static_cast<float>((1.37 + 2.71 + 3.14) / 3));
  // Normal weights, tiny values: 1e-300 x 1.38322e-20 is below DBL_MIN.
  const std::vector<double> tiny = {1.38322e-20, 1.38322e-20}, normal = {1e-300, 3e-300};
  EXPECT_DOUBLE_EQ(stat_weighted_mean_w(tiny.data(), normal.data(), 2), 1.38322e-20);
  // Sigmas of 1e140: weights 1e-280, products 1e-300 x 1e-20 again.
  const std::vector<double> s = {1e140, 1e140};
  EXPECT_DOUBLE_EQ(stat_weighted_mean(tiny.data(), s.data(), 2), 1.38322e-20);
}

// Sums whose terms cancel keep the small ones (Neumaier): a plain running sum gave 0 for
// 1e300 + 1 - 1e300, 3 for 1e16 + 1 - 1e16 + 1 + 1 + 1, and depended on the points' order.
TEST(Statistics, CancellingSumsKeepTheSmallTerms) {
  const std::vector<std::vector<double>> cases = {
      {1e300, 1, -1e300}, {1e300, -1e300, 1}, {-1e300, 2.5, 1e300}, {1e16, 1, -1e16, 1, 1, 1}};
  const double sums[] = {1, 1, 2.5, 4};
  for (std::size_t k = 0; k < cases.size(); ++k) {
    const auto& x = cases[k];
    EXPECT_EQ(stat_sum(x.data(), x.size()), sums[k]) << k;
    EXPECT_DOUBLE_EQ(stat_mean(x.data(), x.size()), sums[k] / static_cast<double>(x.size())) << k;
  }
  const std::vector<double> big = {1.7e308, 1.7e308, -1.7e308, -1.7e308, 4};  // overflows
  EXPECT_EQ(stat_sum(big.data(), big.size()), 4.0);
  EXPECT_DOUBLE_EQ(stat_mean(big.data(), big.size()), 0.8);
}

TEST(Statistics, WeightedMean) {
  const std::vector<double> x = {10, 20, 30}, s = {1, 2, 0.5};
  // weights 1, 1/4, 4: (10 + 5 + 120) / 5.25
  EXPECT_DOUBLE_EQ(stat_weighted_mean(x.data(), s.data(), 3), 135.0 / 5.25);
  EXPECT_DOUBLE_EQ(stat_weighted_mean_sigma(s.data(), 3), 1.0 / std::sqrt(5.25));
  // Equal sigmas: the plain mean, and sigma / sqrt(n).
  const std::vector<double> e = {2, 2, 2};
  EXPECT_DOUBLE_EQ(stat_weighted_mean(x.data(), e.data(), 3), 20.0);
  EXPECT_DOUBLE_EQ(stat_weighted_mean_sigma(e.data(), 3), 2.0 / std::sqrt(3.0));
}

TEST(Statistics, QuantileMatchesNumpyLinear) {
  auto sorted = kX;
  std::sort(sorted.begin(), sorted.end());
  // numpy.quantile([3,1,4,1,5,9,2,6], q), numpy 1.24
  const std::pair<double, double> expected[] = {{0, 1.0},
                                                {0.25, 1.75},
                                                {0.5, 3.5},
                                                {0.75, 5.25},
                                                {1, 9.0},
                                                {0.1, 1.0},
                                                {0.9, 6.8999999999999995},
                                                {0.333, 2.331}};
  for (const auto& [q, value] : expected)
    EXPECT_DOUBLE_EQ(stat_quantile_sorted(sorted.data(), sorted.size(), q), value) << q;
}

TEST(Statistics, CellValuesComputesEveryFunction) {
  CellValues cell(2);
  for (double v : {5.0, 1.0, 3.0}) cell.column(0).push_back(v);
  for (double s : {1.0, 1.0, 2.0}) cell.column(1).push_back(s);
  auto spec = [](StatFunction f, double q = 0.5) {
    StatisticSpec s;
    s.function = f;
    s.q = q;
    return s;
  };
  EXPECT_EQ(cell.compute(spec(StatFunction::count), 0, -1), 3);
  EXPECT_EQ(cell.compute(spec(StatFunction::min), 0, -1), 1);
  EXPECT_EQ(cell.compute(spec(StatFunction::max), 0, -1), 5);
  EXPECT_EQ(cell.compute(spec(StatFunction::sum), 0, -1), 9);
  EXPECT_EQ(cell.compute(spec(StatFunction::mean), 0, -1), 3);
  EXPECT_DOUBLE_EQ(cell.compute(spec(StatFunction::variance), 0, -1), 8.0 / 3);
  EXPECT_DOUBLE_EQ(cell.compute(spec(StatFunction::std), 0, -1), std::sqrt(8.0 / 3));
  EXPECT_DOUBLE_EQ(cell.compute(spec(StatFunction::weighted_mean), 0, 1), (5 + 1 + 0.75) / 2.25);
  EXPECT_DOUBLE_EQ(cell.compute(spec(StatFunction::weighted_mean_sigma), 0, 1), 1 / 1.5);
  EXPECT_EQ(cell.compute(spec(StatFunction::quantile, 0.5), 0, -1), 3);
  EXPECT_EQ(cell.compute(spec(StatFunction::quantile, 0.75), 0, -1), 4);
  // The unsorted column is left as added (order matters for reproducible sums).
  EXPECT_EQ(cell.column(0)[0], 5);
  cell.clear();
  EXPECT_EQ(cell.size(), 0u);
  cell.column(0).push_back(7);
  cell.column(1).push_back(1);
  EXPECT_EQ(cell.compute(spec(StatFunction::quantile, 0.5), 0, -1), 7);  // cache was reset
}

// A weighted mean's sum of weights serves the sigma of the same weights only: not another
// column's, not the same column taken as weights rather than sigmas, not the next cell's.
TEST(Statistics, WeightedMeanSigmaFromItsOwnWeightsOnly) {
  CellValues cell(3);
  const std::vector<double> x{5, 1, 3}, s1{1, 1, 2}, s2{0.5, 4, 8};
  cell.column(0) = x;
  cell.column(1) = s1;
  cell.column(2) = s2;
  StatisticSpec mean, sigma, by_weight;
  mean.function = StatFunction::weighted_mean;
  sigma.function = StatFunction::weighted_mean_sigma;
  by_weight.function = StatFunction::weighted_mean_sigma;
  by_weight.weight = "s1";
  by_weight.weight_text = "s1";
  EXPECT_DOUBLE_EQ(cell.compute(mean, 0, 1), (5 + 1 + 0.75) / 2.25);
  EXPECT_EQ(cell.compute(sigma, 0, 1), stat_weighted_mean_sigma(s1.data(), 3));  // 1 / 1.5
  EXPECT_EQ(cell.compute(sigma, 0, 2), stat_weighted_mean_sigma(s2.data(), 3));
  EXPECT_EQ(cell.compute(by_weight, 0, 1), stat_weight_sigma(s1.data(), 3));  // 1 / sqrt(4)
  cell.clear();
  const std::vector<double> y{2, 4}, t{2, 2};
  cell.column(0) = y;
  cell.column(1) = t;
  cell.column(2) = t;
  EXPECT_EQ(cell.compute(sigma, 0, 1), stat_weighted_mean_sigma(t.data(), 2));  // 1 / sqrt(0.5)
  // Weights rather than sigmas; then sigmas whose weights 1e-250 are rescaled in the mean (the
  // sum of weights is the one before rescaling).
  StatisticSpec mean_by_weight = mean;
  mean_by_weight.weight = "s1";
  mean_by_weight.weight_text = "s1";
  EXPECT_EQ(cell.compute(mean_by_weight, 0, 1), 3.0);
  EXPECT_EQ(cell.compute(by_weight, 0, 1), stat_weight_sigma(t.data(), 2));  // 1 / sqrt(4)
  cell.clear();
  const std::vector<double> tiny{1e125, 2e125, 4e125};
  cell.column(0) = x;
  cell.column(1) = tiny;
  cell.column(2) = tiny;
  EXPECT_DOUBLE_EQ(cell.compute(mean, 0, 1), (5 * 16 + 1 * 4 + 3) / 21.0);
  const double want = stat_weighted_mean_sigma(tiny.data(), 3);  // 1 / sqrt(21e-250 / 16)
  EXPECT_NEAR(want / 8.7287156094396950e124, 1.0, 1e-15);
  EXPECT_EQ(cell.compute(sigma, 0, 1), want);
}

}  // namespace
}  // namespace healgrid

namespace healgrid {
namespace {

// A cell reused after the selection path (more than 256 values that are not all floats) must
// start afresh: the median of {1, 2, 3} is 2 whatever the previous cell held.
TEST(Statistics, CellReusedAfterSelectionPathStartsAfresh) {
  StatisticSpec median;
  median.function = StatFunction::quantile;
  median.q = 0.5;
  CellValues cell(1);
  for (int i = 0; i < 300; ++i) cell.column(0).push_back(1000.1 + i);  // 1000.1: not a float
  // numpy.median(1000.1 + arange(300)) = 1149.6 (the two middle values 1149.1, 1150.1)
  EXPECT_DOUBLE_EQ(cell.compute(median, 0, -1), 1149.6);
  cell.clear();
  for (double v : {3.0, 1.0, 2.0}) cell.column(0).push_back(v);
  EXPECT_EQ(cell.compute(median, 0, -1), 2.0);
  median.q = 0.25;
  EXPECT_EQ(cell.compute(median, 0, -1), 1.5);
  // And back to a large cell of doubles: the selection path again, on the new values only.
  cell.clear();
  for (int i = 0; i < 301; ++i) cell.column(0).push_back(-0.3 * i);
  median.q = 0.5;
  EXPECT_DOUBLE_EQ(cell.compute(median, 0, -1), -45.0);
}

TEST(Statistics, QuantileBySelectionEqualsSortedPath) {
  std::uint64_t state = 99;
  for (std::size_t n : {33u, 75u, 257u, 258u, 501u, 2000u}) {
    CellValues cell(1);
    std::vector<double> x(n);
    for (auto& v : x) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      v = static_cast<double>(state >> 40) * 0.001 - 3000.0;
      cell.column(0).push_back(v);
    }
    std::sort(x.begin(), x.end());
    for (double q : {0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999, 1.0})
      EXPECT_EQ(cell.quantile(0, q), stat_quantile_sorted(x.data(), n, q)) << n << " " << q;
    EXPECT_EQ(cell.quantile(0, 0.5), stat_quantile_sorted(x.data(), n, 0.5));  // repeated
  }
}

}  // namespace
}  // namespace healgrid

namespace healgrid {
namespace {

std::vector<double> random_floats(std::size_t n, std::uint64_t seed) {
  std::vector<double> x(n);
  for (auto& v : x) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    // Heights of either sign and several magnitudes, with repeats (few distinct low bits).
    const double m = static_cast<double>((seed >> 33) % 20000) * 0.37 - 2000.0;
    v = static_cast<double>(static_cast<float>(m * ((seed >> 20) % 3 == 0 ? 1e-3 : 1.0)));
  }
  return x;
}

// Every quantile of cell values `x` through CellValues equals numpy's linear method on the
// sorted values, bit for bit: at each rank (q = r / (n - 1)) and halfway to the next. -0.0
// sorts before 0.0 (the float path's order; a comparison sort leaves their order open).
void expect_quantiles_of_sorted(const std::vector<double>& x, const std::string& what) {
  const std::size_t n = x.size();
  auto sorted = x;
  std::sort(sorted.begin(), sorted.end(), [](double a, double b) {
    return a < b || (a == b && std::signbit(a) && !std::signbit(b));
  });
  CellValues cell(1);
  cell.column(0) = x;
  auto check = [&](double q) {
    const double got = cell.quantile(0, q), want = stat_quantile_sorted(sorted.data(), n, q);
    if (std::isnan(want))  // an infinity times 0 or less another
      EXPECT_TRUE(std::isnan(got)) << what << " n " << n << " q " << q;
    else
      EXPECT_TRUE(got == want && std::signbit(got) == std::signbit(want))
          << what << " n " << n << " q " << q << ": " << got << " against " << want;
  };
  const std::size_t step = std::max<std::size_t>(1, n / 400);  // ~800 quantiles a cell
  for (std::size_t r = 0; r < n; r += step)
    for (const double half : {0.0, 0.5})
      check(std::min(1.0, (static_cast<double>(r) + half) / static_cast<double>(n - 1)));
  check(1.0);
  check(0.0);
}

// The float path (from CellValues::kFloatSelectMin values): keys of either sign, several
// magnitudes and repeats, and the edges of the float line.
TEST(FloatSelection, EveryRankEqualsASortedCopy) {
  for (std::size_t n : {47u, 48u, 49u, 120u, 300u, 5000u}) {
    auto x = random_floats(n, n + 7);
    expect_quantiles_of_sorted(x, "random");
    x[0] = -std::numeric_limits<double>::infinity();
    x[1] = std::numeric_limits<double>::infinity();
    x[2] = static_cast<double>(std::numeric_limits<float>::denorm_min());
    x[3] = -static_cast<double>(std::numeric_limits<float>::max());
    expect_quantiles_of_sorted(x, "edges");
  }
}

// A cell's values span few float steps: its keys' top digit is taken over the bits of their
// range only. Floats r steps above a centre's bit pattern, r < 2^bits, for every bits from 1
// to 24 (fewer bits than digits too); a negative centre's steps go down, zero's through the
// denormals.
TEST(FloatSelection, NarrowRangesOfEveryWidth) {
  std::uint64_t seed = 99;
  for (int bits = 1; bits <= 24; ++bits)
    for (const float centre : {1500.25f, -37.5f, 0.0f}) {
      std::uint32_t base;
      std::memcpy(&base, &centre, sizeof base);
      std::vector<double> x(300);
      for (auto& v : x) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        const std::uint32_t u = base + static_cast<std::uint32_t>((seed >> 33) % (1u << bits));
        float f;
        std::memcpy(&f, &u, sizeof f);
        v = static_cast<double>(f);
      }
      expect_quantiles_of_sorted(x, std::to_string(bits) + " bits at " + std::to_string(centre));
    }
}

// Keys crowded into a few top digits: one far outlier leaves every other value in the first
// digit; one value alone; two values; a ramp whose ranks fall on every digit's first and last
// key (rank r + 1 in the next digit that has keys, across empty ones).
TEST(FloatSelection, CrowdedAndSparseDigits) {
  auto outlier = random_floats(200, 5);
  for (auto& v : outlier) v = static_cast<double>(static_cast<float>(1500.0 + v * 1e-4));
  outlier[77] = 8848.0;
  expect_quantiles_of_sorted(outlier, "one far outlier");
  expect_quantiles_of_sorted(std::vector<double>(100, 5.5), "one value");
  std::vector<double> two(99, -3.25);
  for (std::size_t i = 0; i < two.size(); i += 3) two[i] = 1e6;
  expect_quantiles_of_sorted(two, "two values");
  std::vector<double> gaps;
  for (int i = 0; i < 64; ++i) gaps.push_back(std::ldexp(1.0, i % 2 ? i : -i));
  expect_quantiles_of_sorted(gaps, "powers of two");
  std::vector<double> ramp(256);
  for (std::size_t i = 0; i < ramp.size(); ++i) ramp[i] = 1000.0 + static_cast<double>(i * i);
  std::reverse(ramp.begin(), ramp.end());
  expect_quantiles_of_sorted(ramp, "ramp");
  std::vector<double> zeros(120);  // both zeros among floats of either sign
  for (std::size_t i = 0; i < zeros.size(); ++i)
    zeros[i] = i % 3 == 0 ? 0.0 : i % 3 == 1 ? -0.0 : (i % 2 ? 0.5 : -0.25);
  expect_quantiles_of_sorted(zeros, "zeros of both signs");
}

// Values that are not all floats go the comparison way, and are right: a value no float equals
// (0.1), one beyond float range.
TEST(FloatSelection, ValuesThatAreNotFloatsAreRightToo) {
  for (std::size_t n : {60u, 200u, 400u}) {
    auto x = random_floats(n, 3);
    x[n / 2] = 0.1;
    expect_quantiles_of_sorted(x, "0.1");
    x[n / 2] = 1e300;
    expect_quantiles_of_sorted(x, "1e300");
  }
}

// Cells of floats take the float path; every quantile must equal the one from a comparison
// sort (numpy's linear method on the sorted values), and sorted() is a sorted copy.
TEST(Statistics, QuantileOfFloatCellsEqualsSortedPath) {
  for (std::size_t n : {49u, 120u, 257u, 3000u}) {
    const auto x = random_floats(n, 11 * n);
    CellValues cell(1);
    cell.column(0) = x;
    auto sorted = x;
    std::sort(sorted.begin(), sorted.end());
    for (double q : {0.0, 0.25, 0.5, 0.75, 0.999, 1.0})
      EXPECT_EQ(cell.quantile(0, q), stat_quantile_sorted(sorted.data(), n, q)) << n << " " << q;
    EXPECT_EQ(cell.sorted(0), sorted);
  }
}

}  // namespace
}  // namespace healgrid

namespace healgrid {
namespace {

TEST(Statistics, StoredFloatRefusesValuesBeyondFloat32) {
  StatisticSpec spec;
  spec.name = "v_sum";
  spec.variable = "v";
  EXPECT_EQ(stored_float(1.5, spec, 7), 1.5f);
  EXPECT_EQ(stored_float(3.4028235e38, spec, 7), std::numeric_limits<float>::max());
  EXPECT_TRUE(std::isnan(stored_float(std::nan(""), spec, 7)));  // an empty cell's fill
  // Values are finite: an infinite statistic overflowed double, and float32 too.
  for (const double beyond : {3.5e38, -4e38, 1e300, HUGE_VAL, -HUGE_VAL}) {
    try {
      stored_float(beyond, spec, 7);
      ADD_FAILURE() << beyond << " stored";
    } catch (const std::runtime_error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("v_sum"), std::string::npos) << what;
      EXPECT_NE(what.find("cell 7"), std::string::npos) << what;
    }
  }
}

// A weighted mean's sigma beyond float32 comes from small weights (or large sigmas), not the
// values: the hint says to scale those (it said to scale the variable, which changes nothing).
TEST(Statistics, StoredFloatHintForTheWeightedMeanSigma) {
  StatisticSpec spec;
  spec.name = "v_wsig";
  spec.function = StatFunction::weighted_mean_sigma;
  spec.variable = "v";
  spec.weight = spec.weight_text = "w";
  try {
    stored_float(2.2e161, spec, 3);
    ADD_FAILURE() << "stored";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("1 / sqrt(sum of the weights)"), std::string::npos) << what;
    EXPECT_NE(what.find("weight: \"(w) * 1e6\""), std::string::npos) << what;
    EXPECT_EQ(what.find("v_scaled"), std::string::npos) << what;
  }
  spec.weight = spec.weight_text = "";
  spec.sigma = "s";
  try {
    stored_float(2.2e161, spec, 3);
    ADD_FAILURE() << "stored";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("s_scaled: {expression: \"s * 1e-3\"}"), std::string::npos)
        << e.what();
  }
}

TEST(Statistics, SumsThatOverflowDoubleAreTakenScaled) {
  // 20 x 1e307: the plain sum overflows; the mean is 1e307 and the variance 0, not NaN.
  const std::vector<double> same(20, 1e307);
  EXPECT_DOUBLE_EQ(stat_mean(same.data(), same.size()), 1e307);
  EXPECT_EQ(stat_variance(same.data(), same.size()), 0.0);
  EXPECT_TRUE(std::isinf(stat_sum(same.data(), same.size())));  // 2e308 is beyond double
  // 1e308 + 1e308 - 1e308: the plain sum passes through infinity; the true sum is 1e308.
  const std::vector<double> mixed = {1e308, 1e308, -1e308};
  EXPECT_DOUBLE_EQ(stat_sum(mixed.data(), mixed.size()), 1e308);
  EXPECT_DOUBLE_EQ(stat_mean(mixed.data(), mixed.size()), 1e308 / 3);
  // A spread beyond double: +infinity, never NaN.
  const std::vector<double> wide = {-1.5e308, 1.5e308, 1.5e308};
  EXPECT_EQ(stat_variance(wide.data(), wide.size()), HUGE_VAL);
}

std::uint64_t bits_of(double x) {
  std::uint64_t b;
  std::memcpy(&b, &x, sizeof b);
  return b;
}

// column_moments is min_element's, max_element's and stat_sum's answer, bit for bit: values of
// both signs and of far apart magnitudes, zeros of both signs, ties, every length to 300.
TEST(ColumnMoments, EqualsSeparatePassesBitForBit) {
  std::uint64_t state = 7;
  auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return state >> 11;
  };
  for (std::size_t n = 0; n <= 300; n += (n < 20 ? 1 : 17)) {
    for (int kind = 0; kind < 4; ++kind) {
      std::vector<double> x(n);
      for (auto& v : x) {
        const auto r = next();
        if (kind == 0) v = static_cast<double>(r % 2001) - 1000.0;  // ties
        if (kind == 1)
          v = std::ldexp(static_cast<double>(r % 1000) - 500.0, static_cast<int>(r % 1200) - 600);
        if (kind == 2) v = (r % 3 == 0) ? 0.0 : (r % 3 == 1 ? -0.0 : 1e-300);
        if (kind == 3) v = 1500.0 + static_cast<double>(r % 100000) * 1e-4;  // heights
      }
      const auto m = column_moments(x.data(), n);
      SCOPED_TRACE("n " + std::to_string(n) + " kind " + std::to_string(kind));
      if (n == 0) {
        EXPECT_TRUE(std::isnan(m.min) && std::isnan(m.max));
        EXPECT_EQ(bits_of(m.sum), bits_of(0.0));
        continue;
      }
      EXPECT_EQ(bits_of(m.min), bits_of(*std::min_element(x.begin(), x.end())));
      EXPECT_EQ(bits_of(m.max), bits_of(*std::max_element(x.begin(), x.end())));
      EXPECT_EQ(bits_of(m.sum), bits_of(stat_sum(x.data(), n)));
    }
  }
}

// Equal values: the first stays, as min_element and max_element keep it (-0 and +0 are equal).
TEST(ColumnMoments, TheFirstOfEqualZerosStays) {
  const std::vector<double> neg_first = {-0.0, 0.0}, pos_first = {0.0, -0.0};
  EXPECT_TRUE(std::signbit(column_moments(neg_first.data(), 2).min));
  EXPECT_TRUE(std::signbit(column_moments(neg_first.data(), 2).max));
  EXPECT_FALSE(std::signbit(column_moments(pos_first.data(), 2).min));
  EXPECT_FALSE(std::signbit(column_moments(pos_first.data(), 2).max));
}

// The sum's overflow is handled as stat_sum handles it: infinite only when the sum is, else
// the sum scaled, bit for bit stat_sum's.
TEST(ColumnMoments, SumsThatOverflowDoubleAreTakenScaled) {
  const std::vector<double> same(20, 1e307), mixed = {1e308, 1e308, -1e308},
                                             wide = {1.7e308, 1.7e308, -1.7e308, -1.7e308, 4};
  const auto m = column_moments(same.data(), same.size());
  EXPECT_TRUE(std::isinf(m.sum));
  EXPECT_DOUBLE_EQ(stat_mean_of_sum(same.data(), same.size(), m.sum), 1e307);
  EXPECT_DOUBLE_EQ(column_moments(mixed.data(), mixed.size()).sum, 1e308);
  EXPECT_EQ(column_moments(mixed.data(), mixed.size()).min, -1e308);
  EXPECT_EQ(column_moments(wide.data(), wide.size()).sum, 4.0);
  for (const auto* x : {&same, &mixed, &wide})
    EXPECT_EQ(bits_of(column_moments(x->data(), x->size()).sum),
              bits_of(stat_sum(x->data(), x->size())));
}

// Non-finite values (the reader drops them, but the contract is min_element's): a NaN first
// stays, a NaN later is passed over, infinities are the extremes.
TEST(ColumnMoments, NonFiniteValuesAsMinElementAndMaxElement) {
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = HUGE_VAL;
  for (const auto& x : std::vector<std::vector<double>>{
           {2, nan, 1, inf, -inf}, {nan, 3, -2}, {-inf, 0, inf}, {inf, inf}}) {
    const auto m = column_moments(x.data(), x.size());
    EXPECT_EQ(bits_of(m.min), bits_of(*std::min_element(x.begin(), x.end())));
    EXPECT_EQ(bits_of(m.max), bits_of(*std::max_element(x.begin(), x.end())));
  }
}

// A cell's moments are its own: after clear(), min, max, sum, mean, variance and std are of
// the new values; and each column has its own.
TEST(Statistics, CellMomentsAreOfTheCellAndColumnAsked) {
  auto spec = [](StatFunction f) {
    StatisticSpec s;
    s.function = f;
    return s;
  };
  CellValues cell(2);
  cell.column(0) = {5.0, 1.0, 3.0};
  cell.column(1) = {-2.0, -4.0, 0.0};
  EXPECT_EQ(cell.compute(spec(StatFunction::min), 0, -1), 1);
  EXPECT_EQ(cell.compute(spec(StatFunction::min), 1, -1), -4);
  EXPECT_EQ(cell.compute(spec(StatFunction::max), 1, -1), 0);
  EXPECT_EQ(cell.compute(spec(StatFunction::sum), 1, -1), -6);
  cell.clear();
  cell.column(0) = {10.0, 20.0};
  cell.column(1) = {1.0, 1.0};
  EXPECT_EQ(cell.compute(spec(StatFunction::min), 0, -1), 10);
  EXPECT_EQ(cell.compute(spec(StatFunction::max), 0, -1), 20);
  EXPECT_EQ(cell.compute(spec(StatFunction::sum), 0, -1), 30);
  EXPECT_EQ(cell.compute(spec(StatFunction::mean), 0, -1), 15);
  EXPECT_EQ(cell.compute(spec(StatFunction::variance), 0, -1), 25);
  EXPECT_EQ(cell.compute(spec(StatFunction::std), 0, -1), 5);
  EXPECT_EQ(cell.compute(spec(StatFunction::variance), 1, -1), 0);
  // A sum beyond double: the mean and variance from the scaled sum (1e307 and 0, not inf, NaN).
  cell.clear();
  cell.column(0).assign(20, 1e307);
  EXPECT_TRUE(std::isinf(cell.compute(spec(StatFunction::sum), 0, -1)));
  EXPECT_DOUBLE_EQ(cell.compute(spec(StatFunction::mean), 0, -1), 1e307);
  EXPECT_EQ(cell.compute(spec(StatFunction::variance), 0, -1), 0);
  EXPECT_EQ(cell.compute(spec(StatFunction::std), 0, -1), 0);
}

}  // namespace
}  // namespace healgrid
