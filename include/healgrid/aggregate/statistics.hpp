// The per-cell reducers: each statistic is a function of the values (and sigmas) of the points
// binned into one cell. All arithmetic is in double; results are stored as float32 (count:
// int32). Empty input gives NaN (count and sum: 0).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "healgrid/config/pipeline_config.hpp"

namespace healgrid {

// True for statistics written as int32 with fill 0 (count); the rest are float32, fill NaN.
bool is_integer_statistic(StatFunction f);

// Neumaier's compensated addition of v to hi + lo: each addition's rounding error is kept in
// lo, so cancellation (1e300 + 1 - 1e300) keeps the small terms, and the sum does not depend on
// the points' order but for a last rounding. hi infinite: the running sum overflowed.
inline void add_compensated(double& hi, double& lo, double v) {
  const double t = hi + v;
  // Magnitudes by fabs (a bit mask), not by sign tests, which compiled to two more branches a
  // value: sums of 128 values ~20 % faster (bench/micro BM_Variance), the same bits.
  const double big_hi = (hi - t) + v, big_v = (v - t) + hi;
  lo += std::fabs(hi) >= std::fabs(v) ? big_hi : big_v;
  hi = t;
}

// Weighted means whose weights are all below this are taken with the weights relative to the
// largest: their products w x could fall below DBL_MIN and lose bits (1e-320 x 1.37). From it
// up, a product below DBL_MIN needs |x| < 3.6e-248, which float32 output holds as 0 anyway.
constexpr double kSmallestUnscaledWeight = 0x1p-200;

// For sums of n finite values that overflow: with every value scaled by 2^-overflow_shift(n)
// (exact), they sum to at most DBL_MAX, rounding as the unscaled sum would without an exponent
// limit. REQUIRES: n > 0.
int overflow_shift(std::size_t n);

// The float32 that stores a float statistic's `value` for `cell`. Throws std::runtime_error
// naming the statistic and the cell when a finite value is beyond float32's range: it would be
// stored as infinity, a wrong number.
float stored_float(double value, const StatisticSpec& spec, std::int64_t cell);

double stat_min(const double* x, std::size_t n);
double stat_max(const double* x, std::size_t n);
double stat_sum(const double* x, std::size_t n);
double stat_mean(const double* x, std::size_t n);
// Population variance (ddof 0), two-pass: sum of squared deviations from the mean.
double stat_variance(const double* x, std::size_t n);
// The variance about `mean`, which must be stat_mean(x, n) (a mean known from another pass).
double stat_variance(const double* x, std::size_t n, double mean);
// stat_min, stat_max and stat_sum of x in one pass: their comparisons and additions in the same
// order (the same values), as three independent chains, not three loops one after another.
struct ColumnMoments {
  double min, max, sum;
};
ColumnMoments column_moments(const double* x, std::size_t n);
// stat_mean from the sum stat_sum(x, n) gave.
double stat_mean_of_sum(const double* x, std::size_t n, double sum);
// sum(x / s^2) / sum(1 / s^2); sigma must be > 0.
double stat_weighted_mean(const double* x, const double* sigma, std::size_t n);
// With weights instead of sigmas: sum(w x) / sum(w) and 1 / sqrt(sum(w)); w must be > 0.
double stat_weighted_mean_w(const double* x, const double* w, std::size_t n);
double stat_weight_sigma(const double* w, std::size_t n);
// 1 / sqrt(sum(1 / s^2)).
double stat_weighted_mean_sigma(const double* sigma, std::size_t n);
// numpy.quantile(x, q) with the default 'linear' method, on values sorted ascending.
double stat_quantile_sorted(const double* sorted, std::size_t n, double q);

// Values of one cell, one column per config variable, plus what compute() derives from them
// once per cell (min, max and sum; sorted copies or keys for quantiles; a sum of weights).
class CellValues {
 public:
  explicit CellValues(std::size_t variables)
      : columns_(variables), sorted_(variables), order_(variables), float_keys_(variables) {}
  void clear();
  // REQUIRES: a column is filled before the cell's first compute() (or after clear()): what
  // compute() derived from it is kept until clear().
  std::vector<double>& column(std::size_t v) { return columns_[v]; }
  std::size_t size() const { return columns_.empty() ? 0 : columns_[0].size(); }
  const std::vector<double>& sorted(std::size_t v);
  // numpy.quantile of column v: exact. Cells of floats (as float32 datasets give) from
  // kFloatSelectMin values by a radix selection: the keys' top digit counted once, then per
  // quantile only the keys of the digits holding its two order statistics; small cells of
  // doubles from a sorted copy; larger ones by selection (nth_element). Each O(n) a quantile.
  double quantile(std::size_t v, double q);

  // The statistic `s` of this cell; `variable`/`sigma` are indices into the config variables
  // (`sigma`: s.weighting(), a sigma or, when s.weight is set, a weight).
  double compute(const StatisticSpec& s, int variable, int sigma);

  // Below this many values a comparison sort beats counting the keys' digits (bench/micro's
  // BM_QuantilesCellValues).
  static constexpr std::size_t kFloatSelectMin = 48;

 private:
  // How a column's quantiles are found, decided by its first quantile.
  enum class Order : std::uint8_t { unknown, sorted, float_keys, selection };
  // A column of floats as order keys less the smallest, placed in the order of their top digit
  // (keys >> shift), unordered within a digit: starts[d] keys have a top digit below d
  // (starts[digits] = n).
  struct FloatKeys {
    std::vector<std::uint32_t> keys;
    std::vector<std::uint32_t> starts;
    std::uint32_t lo = 0;  // the smallest key
    int shift = 0;         // a key's top digit: key >> shift
  };
  // Fills float_keys_[v]; false (and nothing to use) when a value is not exactly a float.
  bool count_float_keys(std::size_t v);
  // The values of ranks r and r + 1 (r + 1 < n) of a counted column, or rank r alone.
  std::pair<double, double> float_pair(std::size_t v, std::size_t r);

  // column_moments of column v, made once per cell (min, max, sum, mean, variance, std use it).
  const ColumnMoments& moments(std::size_t v);

  // The sum of weights of this cell's last weighted mean: of column `column`'s sigmas
  // (weights false) or weights.
  struct WeightSum {
    int column = -1;
    bool weights = false;
    double sum = 0;
  };

  std::vector<std::vector<double>> columns_;
  std::vector<ColumnMoments> moments_ = std::vector<ColumnMoments>(columns_.size());
  std::vector<bool> moments_ready_ = std::vector<bool>(columns_.size(), false);
  WeightSum weight_sum_;
  std::vector<std::vector<double>> sorted_;  // sorted copies, or quantile()'s working copies
  std::vector<bool> sorted_ready_ = std::vector<bool>(columns_.size(), false);
  std::vector<Order> order_;
  std::vector<FloatKeys> float_keys_;
  std::vector<std::uint32_t> keys_, scratch_;  // count_float_keys' working memory
};

}  // namespace healgrid
