#include "healgrid/aggregate/statistics.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>

#include "healgrid/util/cpu_features.hpp"

namespace healgrid {
namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

constexpr double kInf = std::numeric_limits<double>::infinity();

// The compensated sum of x / 2^overflow_shift(n) (exact scaling): finite for finite x.
double scaled_sum(const double* x, std::size_t n) {
  const int shift = overflow_shift(n);
  double hi = 0, lo = 0;
  for (std::size_t i = 0; i < n; ++i) add_compensated(hi, lo, std::ldexp(x[i], -shift));
  return hi + lo;
}

// A sigma's weight, 1 / s^2.
double inverse_square(double s) { return 1.0 / (s * s); }

// sum(w x) / sum(w) and 1 / sqrt(sum(w)), with w = weight(v[i]): a sigma's or a weight's own.
// The weights are finite and > 0 (the reader drops others), but their sum or a product can
// overflow, or every product underflow: then the weights are taken relative to the largest,
// which leaves the ratio as is. `weight_sum`, when given, gets sum(w) as
// weighted_mean_sigma_of sums it (the same additions in the same order).
template <typename Weight>
double weighted_mean_of(const double* x, const double* v, std::size_t n, Weight weight,
                        double* weight_sum = nullptr) {
  if (n == 0) return kNaN;
  double wx = 0, w = 0, largest = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double wi = weight(v[i]);
    wx += wi * x[i];
    w += wi;
    largest = std::max(largest, wi);
  }
  if (weight_sum != nullptr) *weight_sum = w;
  if (std::isfinite(w) && std::isfinite(wx) && largest >= kSmallestUnscaledWeight) return wx / w;
  wx = w = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double wi = weight(v[i]) / largest;
    wx += wi * x[i];
    w += wi;
  }
  return wx / w;
}

template <typename Weight>
double weighted_mean_sigma_of(const double* v, std::size_t n, Weight weight) {
  if (n == 0) return kNaN;
  double w = 0;
  for (std::size_t i = 0; i < n; ++i) w += weight(v[i]);
  return 1.0 / std::sqrt(w);
}

// A float's bits, mapped so that unsigned order is numeric order (negatives reversed).
std::uint32_t order_key(float f) {
  std::uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  // Negative: every bit flipped; else the sign bit set (branch-free, so loops vectorise).
  const std::uint32_t flip = static_cast<std::uint32_t>(static_cast<std::int32_t>(u) >> 31);
  return u ^ (flip | 0x80000000u);
}

float from_order_key(std::uint32_t k) {
  const std::uint32_t u = (k & 0x80000000u) ? (k & 0x7fffffffu) : ~k;
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

}  // namespace

bool is_integer_statistic(StatFunction f) { return f == StatFunction::count; }

int overflow_shift(std::size_t n) {
  return 64 - __builtin_clzll(static_cast<unsigned long long>(n));
}

namespace {

// How to bring a statistic back into float32: a weighted mean's sigma, 1 / sqrt(sum(w)), does
// not depend on the values but on the weights.
std::string scaled_hint(const StatisticSpec& spec) {
  if (spec.function == StatFunction::weighted_mean_sigma)
    return "it is 1 / sqrt(sum of the weights) of the cell, whatever the values: scale " +
           (spec.sigma.empty()
                ? "the weights (weight: \"(" + spec.weight_text + ") * 1e6\")"
                : "the sigma variable (derive " + spec.sigma + "_scaled: {expression: \"" +
                      spec.sigma + " * 1e-3\"} and use it as sigma)");
  return "derive a scaled variable in the config (" + spec.variable + "_scaled: {expression: \"" +
         spec.variable + " * 1e-3\"}) and use it in the statistic";
}

}  // namespace

float stored_float(double value, const StatisticSpec& spec, std::int64_t cell) {
  const auto f = static_cast<float>(value);
  // The points' values are finite: an infinite statistic overflowed double, beyond float32 too.
  if (std::isinf(f)) [[unlikely]] {
    char number[32];
    std::snprintf(number, sizeof number, "%.8g", value);
    throw std::runtime_error(
        "statistic " + spec.name + ": cell " + std::to_string(cell) + "'s value " + number +
        " is beyond the range of float32 (+-3.4028235e38), the type of the output's "
        "statistics: " +
        scaled_hint(spec));
  }
  return f;
}

double stat_min(const double* x, std::size_t n) {
  return n == 0 ? kNaN : *std::min_element(x, x + n);
}

double stat_max(const double* x, std::size_t n) {
  return n == 0 ? kNaN : *std::max_element(x, x + n);
}

namespace {

// The sum of x from its compensated running sum hi + lo: taken again scaled when hi overflowed
// (infinite only if the sum is).
double finish_sum(const double* x, std::size_t n, double hi, double lo) {
  if (std::isfinite(hi)) return hi + lo;
  return std::ldexp(scaled_sum(x, n), overflow_shift(n));
}

}  // namespace

double stat_sum(const double* x, std::size_t n) {
  double hi = 0, lo = 0;
  for (std::size_t i = 0; i < n; ++i) add_compensated(hi, lo, x[i]);
  return finish_sum(x, n, hi, lo);
}

double stat_mean(const double* x, std::size_t n) {
  return n == 0 ? kNaN : stat_mean_of_sum(x, n, stat_sum(x, n));
}

double stat_mean_of_sum(const double* x, std::size_t n, double sum) {
  if (n == 0) return kNaN;
  if (std::isfinite(sum)) return sum / static_cast<double>(n);
  const int shift = overflow_shift(n);  // a mean of finite values is finite
  return std::ldexp(scaled_sum(x, n) / static_cast<double>(n), shift);
}

ColumnMoments column_moments(const double* x, std::size_t n) {
  if (n == 0) return {kNaN, kNaN, 0.0};
  // min_element's and max_element's tests (the first of equal values stays), stat_sum's sum.
  double least = x[0], most = x[0], hi = 0, lo = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double v = x[i];
    least = v < least ? v : least;
    most = most < v ? v : most;
    add_compensated(hi, lo, v);
  }
  return {least, most, finish_sum(x, n, hi, lo)};
}

double stat_variance(const double* x, std::size_t n) {
  return n == 0 ? kNaN : stat_variance(x, n, stat_mean(x, n));
}

double stat_variance(const double* x, std::size_t n, double mean) {
  if (n == 0) return kNaN;
  double ss = 0, residual = 0;
  for (std::size_t i = 0; i < n; ++i) {
    ss += (x[i] - mean) * (x[i] - mean);
    residual += x[i] - mean;
  }
  if (!std::isfinite(ss)) return kInf;  // beyond double (not inf - inf = NaN, "no data")
  // The corrected two-pass sum (Chan, Golub & LeVeque): about the exact mean, not the rounded.
  return (ss - residual * residual / static_cast<double>(n)) / static_cast<double>(n);
}

double stat_weighted_mean(const double* x, const double* sigma, std::size_t n) {
  return weighted_mean_of(x, sigma, n, inverse_square);
}

double stat_weighted_mean_w(const double* x, const double* w, std::size_t n) {
  return weighted_mean_of(x, w, n, [](double wi) { return wi; });
}

double stat_weight_sigma(const double* w, std::size_t n) {
  return weighted_mean_sigma_of(w, n, [](double wi) { return wi; });
}

double stat_weighted_mean_sigma(const double* sigma, std::size_t n) {
  return weighted_mean_sigma_of(sigma, n, inverse_square);
}

double stat_quantile_sorted(const double* sorted, std::size_t n, double q) {
  if (n == 0) return kNaN;
  const double index = q * static_cast<double>(n - 1);
  const auto lo = static_cast<std::size_t>(std::floor(index));
  if (lo + 1 >= n) return sorted[n - 1];
  const double t = index - static_cast<double>(lo);
  const double a = sorted[lo], b = sorted[lo + 1];
  // numpy's _lerp: symmetric form keeps the result monotonic and exact at t = 1.
  const double diff = b - a;
  return t >= 0.5 ? b - diff * (1.0 - t) : a + diff * t;
}

void CellValues::clear() {
  for (auto& c : columns_) c.clear();
  std::fill(sorted_ready_.begin(), sorted_ready_.end(), false);
  std::fill(moments_ready_.begin(), moments_ready_.end(), false);
  std::fill(order_.begin(), order_.end(), Order::unknown);
  weight_sum_ = {};
}

bool CellValues::count_float_keys(std::size_t v) {
  const auto& x = columns_[v];
  const std::size_t n = x.size();
  auto& f = float_keys_[v];
  keys_.resize(n);
  std::uint32_t* keys = keys_.data();
  struct Scan {
    std::uint32_t lo, hi;
    bool floats;
  };
  const Scan scan = with_simd(
      [](const double* values, std::size_t count, std::uint32_t* out) HEALGRID_SIMD_BODY {
        std::uint32_t least = ~0u, most = 0;
        std::uint64_t not_float = 0;  // all ones once a value is not a float (or is NaN)
        for (std::size_t i = 0; i < count; ++i) {  // branch-free: vectorised
          const auto k = static_cast<float>(values[i]);
          not_float |=
              std::uint64_t{0} - static_cast<std::uint64_t>(!(static_cast<double>(k) == values[i]));
          const std::uint32_t key = order_key(k);
          out[i] = key;
          least = std::min(least, key);
          most = std::max(most, key);
        }
        return Scan{least, most, not_float == 0};
      },
      x.data(), n, keys);
  if (!scan.floats) return false;
  const std::uint32_t lo = scan.lo, hi = scan.hi;
  // The top digit of the keys' range: about as many digits as keys (a few keys each), at
  // most 256 (a cell's heights span some 2^16 float steps).
  const std::uint32_t range = hi - lo;
  const int bits = range == 0 ? 0 : 32 - __builtin_clz(range);
  const int width = std::min({bits, 8, 64 - __builtin_clzll(n)});
  const int shift = bits - width;  // locals: stores of keys could alias members (reloads)
  const std::size_t digits = std::size_t{1} << width;
  f.lo = lo;
  f.shift = shift;
  f.starts.assign(digits + 1, 0u);
  std::uint32_t* starts = f.starts.data();
  for (std::size_t i = 0; i < n; ++i) {
    keys[i] -= lo;
    ++starts[keys[i] >> shift];
  }
  std::uint32_t sum = 0;  // a running sum: no store-to-load chain through the table
  for (std::size_t d = 0; d <= digits; ++d) {
    const std::uint32_t here = starts[d];
    starts[d] = sum;
    sum += here;
  }
  // One pass placing the keys in their digits' order (a radix sort's first, top-digit pass).
  scratch_.assign(starts, starts + digits);
  f.keys.resize(n);
  std::uint32_t* next = scratch_.data();
  std::uint32_t* placed = f.keys.data();
  for (std::size_t i = 0; i < n; ++i) placed[next[keys[i] >> shift]++] = keys[i];
  return true;
}

std::pair<double, double> CellValues::float_pair(std::size_t v, std::size_t r) {
  auto& f = float_keys_[v];
  const std::size_t n = f.keys.size();
  auto digit_of = [&](std::size_t rank) {  // the top digit of rank `rank`'s key
    return static_cast<std::size_t>(
        std::upper_bound(f.starts.begin(), f.starts.end(), static_cast<std::uint32_t>(rank)) -
        f.starts.begin() - 1);
  };
  auto value = [&](std::uint32_t key) { return static_cast<double>(from_order_key(key + f.lo)); };
  // Rank r among the keys of its digit (a few, as a rule), then rank r + 1: the next key of
  // that digit, or the smallest of the next digit that has keys.
  const auto keys = f.keys.begin();
  const std::size_t d = digit_of(r);
  const auto end = keys + f.starts[d + 1];
  const auto at = keys + static_cast<std::ptrdiff_t>(r);
  std::nth_element(keys + f.starts[d], at, end);
  const double x = value(*at);
  if (r + 1 >= n) return {x, x};
  if (at + 1 != end) return {x, value(*std::min_element(at + 1, end))};
  const std::size_t next = digit_of(r + 1);
  return {x, value(*std::min_element(keys + f.starts[next], keys + f.starts[next + 1]))};
}

double CellValues::quantile(std::size_t v, double q) {
  const std::size_t n = columns_[v].size();
  if (n == 0) return kNaN;
  // The first quantile of a column decides: cells of floats are counted by their keys' top
  // digit; other small cells are sorted (one sort serves every quantile and beats repeated
  // selection, bench/micro); other large cells use selection.
  if (order_[v] == Order::unknown) {
    if (sorted_ready_[v]) {  // sorted() was asked for before
      order_[v] = Order::sorted;
    } else if (n >= kFloatSelectMin && count_float_keys(v)) {
      order_[v] = Order::float_keys;
    } else if (n <= 256) {
      sorted(v);
      order_[v] = Order::sorted;
    } else {
      sorted_[v] = columns_[v];  // selection's working copy, never sorted_ready_
      order_[v] = Order::selection;
    }
  }
  if (order_[v] == Order::sorted) return stat_quantile_sorted(sorted_[v].data(), n, q);
  // The same index arithmetic as stat_quantile_sorted, on the two order statistics needed.
  const double index = q * static_cast<double>(n - 1);
  const auto lo = static_cast<std::size_t>(std::floor(index));
  double pair[2];
  if (order_[v] == Order::float_keys) {
    const auto [x_lo, x_hi] = float_pair(v, std::min(lo, n - 1));
    if (lo + 1 >= n) return x_lo;
    pair[0] = x_lo;
    pair[1] = x_hi;
  } else {
    auto& a = sorted_[v];  // reordered by each nth_element
    std::nth_element(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(lo), a.end());
    pair[0] = a[lo];
    if (lo + 1 >= n) return pair[0];
    pair[1] = *std::min_element(a.begin() + static_cast<std::ptrdiff_t>(lo) + 1, a.end());
  }
  return stat_quantile_sorted(pair, 2, index - static_cast<double>(lo));
}

const std::vector<double>& CellValues::sorted(std::size_t v) {
  if (!sorted_ready_[v]) {
    sorted_[v] = columns_[v];
    std::sort(sorted_[v].begin(), sorted_[v].end());
    sorted_ready_[v] = true;
  }
  return sorted_[v];
}

const ColumnMoments& CellValues::moments(std::size_t v) {
  if (!moments_ready_[v]) {
    moments_[v] = column_moments(columns_[v].data(), columns_[v].size());
    moments_ready_[v] = true;
  }
  return moments_[v];
}

double CellValues::compute(const StatisticSpec& s, int variable, int sigma) {
  const auto& x = columns_[variable];
  const std::size_t n = x.size();
  const auto mean = [&] { return stat_mean_of_sum(x.data(), n, moments(variable).sum); };
  switch (s.function) {
    case StatFunction::count:
      return static_cast<double>(n);
    case StatFunction::min:
      return moments(variable).min;
    case StatFunction::max:
      return moments(variable).max;
    case StatFunction::sum:
      return moments(variable).sum;
    case StatFunction::mean:
      return mean();
    case StatFunction::variance:
      return stat_variance(x.data(), n, mean());
    case StatFunction::std:
      return std::sqrt(stat_variance(x.data(), n, mean()));
    case StatFunction::weighted_mean: {
      // Its sum of weights kept for the sigma of the same weights (the default statistics).
      weight_sum_ = {sigma, !s.weight.empty(), 0.0};
      const double* v = columns_[sigma].data();
      return s.weight.empty() ? weighted_mean_of(x.data(), v, n, inverse_square, &weight_sum_.sum)
                              : weighted_mean_of(
                                    x.data(), v, n, [](double wi) { return wi; }, &weight_sum_.sum);
    }
    case StatFunction::weighted_mean_sigma:
      if (weight_sum_.column == sigma && weight_sum_.weights == !s.weight.empty() && n > 0)
        return 1.0 / std::sqrt(weight_sum_.sum);
      return s.weight.empty() ? stat_weighted_mean_sigma(columns_[sigma].data(), n)
                              : stat_weight_sigma(columns_[sigma].data(), n);
    case StatFunction::quantile:
      return quantile(variable, s.q);
  }
  return kNaN;
}

}  // namespace healgrid
