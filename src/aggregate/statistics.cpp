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
// which leaves the ratio as is.
template <typename Weight>
double weighted_mean_of(const double* x, const double* v, std::size_t n, Weight weight) {
  if (n == 0) return kNaN;
  double wx = 0, w = 0, largest = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double wi = weight(v[i]);
    wx += wi * x[i];
    w += wi;
    largest = std::max(largest, wi);
  }
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

// Below this many values a comparison sort is as fast as clearing the radix histograms.
constexpr std::size_t kRadixMin = 48;

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

// The radix passes over keys already less their minimum: every digit's histogram from one read
// of the keys, the passes but the last between keys and scratch, and the last writing the
// values themselves into x (one pass fewer over the data than sorting keys, then converting).
template <int Passes>
void radix_passes(std::vector<std::uint32_t>& keys, std::vector<std::uint32_t>& scratch, int width,
                  std::uint32_t lo, std::vector<double>& x) {
  const std::uint32_t mask = (std::uint32_t{1} << width) - 1;
  const std::size_t buckets = std::size_t{mask} + 1;
  std::array<std::array<std::uint32_t, 256>, Passes> count;
  for (auto& c : count) std::fill(c.begin(), c.begin() + buckets, 0u);
  for (const auto k : keys)
    for (int p = 0; p < Passes; ++p) ++count[p][(k >> (width * p)) & mask];
  for (auto& c : count) {
    std::uint32_t sum = 0;
    for (std::size_t b = 0; b < buckets; ++b) {
      const auto here = c[b];
      c[b] = sum;
      sum += here;
    }
  }
  for (int p = 0; p + 1 < Passes; ++p) {  // stable
    auto& c = count[p];
    for (const auto k : keys) scratch[c[(k >> (width * p)) & mask]++] = k;
    keys.swap(scratch);
  }
  auto& c = count[Passes - 1];
  for (const auto k : keys)
    x[c[(k >> (width * (Passes - 1))) & mask]++] = static_cast<double>(from_order_key(k + lo));
}

}  // namespace

bool radix_sort_exact_floats(std::vector<double>& x, std::vector<std::uint32_t>& keys,
                             std::vector<std::uint32_t>& scratch) {
  const std::size_t n = x.size();
  keys.resize(n);
  std::uint32_t lo = ~0u, hi = 0;
  bool exact = true;
  for (std::size_t i = 0; i < n; ++i) {  // branch-free: vectorised
    const auto f = static_cast<float>(x[i]);
    exact &= static_cast<double>(f) == x[i];
    keys[i] = order_key(f);
    lo = std::min(lo, keys[i]);
    hi = std::max(hi, keys[i]);
  }
  if (!exact) return false;  // some value is not a float (or is NaN): x untouched
  // Sorting the keys less the smallest needs only the bits of their range: a cell's values
  // span a few metres, some 2^16 float steps, so two passes instead of three or four. The
  // range's bits are split into equal digits of at most 8 bits (fewer buckets to clear).
  const std::uint32_t range = hi - lo;
  if (range == 0) return true;  // every value the same float: x is sorted
  const int bits = 32 - __builtin_clz(range);
  const int passes = (bits + 7) / 8;
  const int width = (bits + passes - 1) / passes;
  for (auto& k : keys) k -= lo;
  scratch.resize(n);
  switch (passes) {
    case 1:
      radix_passes<1>(keys, scratch, width, lo, x);
      break;
    case 2:
      radix_passes<2>(keys, scratch, width, lo, x);
      break;
    case 3:
      radix_passes<3>(keys, scratch, width, lo, x);
      break;
    default:
      radix_passes<4>(keys, scratch, width, lo, x);
      break;
  }
  return true;
}

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

double stat_sum(const double* x, std::size_t n) {
  double hi = 0, lo = 0;
  for (std::size_t i = 0; i < n; ++i) add_compensated(hi, lo, x[i]);
  if (std::isfinite(hi)) return hi + lo;
  return std::ldexp(scaled_sum(x, n), overflow_shift(n));  // infinite only if it is
}

double stat_mean(const double* x, std::size_t n) {
  if (n == 0) return kNaN;
  const double s = stat_sum(x, n);
  if (std::isfinite(s)) return s / static_cast<double>(n);
  const int shift = overflow_shift(n);  // a mean of finite values is finite
  return std::ldexp(scaled_sum(x, n) / static_cast<double>(n), shift);
}

double stat_variance(const double* x, std::size_t n) {
  if (n == 0) return kNaN;
  const double mean = stat_mean(x, n);
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
  std::fill(selection_ready_.begin(), selection_ready_.end(), false);
}

double CellValues::quantile(std::size_t v, double q) {
  const std::size_t n = columns_[v].size();
  if (n == 0) return kNaN;
  // The first quantile of a column decides: small cells are sorted (one sort serves every
  // quantile and beats repeated selection, bench/micro), and so are cells of any size whose
  // values are all floats (a radix sort, linear); other large cells use selection.
  if (!sorted_ready_[v] && !selection_ready_[v]) {
    if (n <= 256) {
      sorted(v);
    } else {
      // Radix-sorted in place, or else left as it is: selection's working copy.
      sorted_[v] = columns_[v];
      sorted_ready_[v] = radix_sort_exact_floats(sorted_[v], keys_, scratch_);
      selection_ready_[v] = !sorted_ready_[v];
    }
  }
  if (sorted_ready_[v]) return stat_quantile_sorted(sorted_[v].data(), n, q);
  auto& a = sorted_[v];  // reordered by each nth_element, never sorted_ready_
  // The same index arithmetic as stat_quantile_sorted, on the two order statistics needed.
  const double index = q * static_cast<double>(n - 1);
  const auto lo = static_cast<std::size_t>(std::floor(index));
  std::nth_element(a.begin(), a.begin() + lo, a.end());
  const double x_lo = a[lo];
  if (lo + 1 >= n) return x_lo;
  const double x_hi = *std::min_element(a.begin() + lo + 1, a.end());
  const double pair[2] = {x_lo, x_hi};
  return stat_quantile_sorted(pair, 2, index - static_cast<double>(lo));
}

const std::vector<double>& CellValues::sorted(std::size_t v) {
  if (!sorted_ready_[v]) {
    sorted_[v] = columns_[v];
    if (sorted_[v].size() < kRadixMin || !radix_sort_exact_floats(sorted_[v], keys_, scratch_))
      std::sort(sorted_[v].begin(), sorted_[v].end());
    sorted_ready_[v] = true;
  }
  return sorted_[v];
}

double CellValues::compute(const StatisticSpec& s, int variable, int sigma) {
  const auto& x = columns_[variable];
  const std::size_t n = x.size();
  switch (s.function) {
    case StatFunction::count:
      return static_cast<double>(n);
    case StatFunction::min:
      return stat_min(x.data(), n);
    case StatFunction::max:
      return stat_max(x.data(), n);
    case StatFunction::sum:
      return stat_sum(x.data(), n);
    case StatFunction::mean:
      return stat_mean(x.data(), n);
    case StatFunction::variance:
      return stat_variance(x.data(), n);
    case StatFunction::std:
      return std::sqrt(stat_variance(x.data(), n));
    case StatFunction::weighted_mean:
      return s.weight.empty() ? stat_weighted_mean(x.data(), columns_[sigma].data(), n)
                              : stat_weighted_mean_w(x.data(), columns_[sigma].data(), n);
    case StatFunction::weighted_mean_sigma:
      return s.weight.empty() ? stat_weighted_mean_sigma(columns_[sigma].data(), n)
                              : stat_weight_sigma(columns_[sigma].data(), n);
    case StatFunction::quantile:
      return quantile(variable, s.q);
  }
  return kNaN;
}

}  // namespace healgrid
