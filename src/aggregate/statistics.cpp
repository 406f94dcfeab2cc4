#include "healgrid/aggregate/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace healgrid {
namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}

bool is_integer_statistic(StatFunction f) { return f == StatFunction::count; }

double stat_min(const double* x, std::size_t n) {
  return n == 0 ? kNaN : *std::min_element(x, x + n);
}

double stat_max(const double* x, std::size_t n) {
  return n == 0 ? kNaN : *std::max_element(x, x + n);
}

double stat_sum(const double* x, std::size_t n) {
  double s = 0;
  for (std::size_t i = 0; i < n; ++i) s += x[i];
  return s;
}

double stat_mean(const double* x, std::size_t n) {
  return n == 0 ? kNaN : stat_sum(x, n) / static_cast<double>(n);
}

double stat_variance(const double* x, std::size_t n) {
  if (n == 0) return kNaN;
  const double mean = stat_mean(x, n);
  double ss = 0;
  for (std::size_t i = 0; i < n; ++i) ss += (x[i] - mean) * (x[i] - mean);
  return ss / static_cast<double>(n);
}

double stat_weighted_mean(const double* x, const double* sigma, std::size_t n) {
  if (n == 0) return kNaN;
  double wx = 0, w = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double wi = 1.0 / (sigma[i] * sigma[i]);
    wx += wi * x[i];
    w += wi;
  }
  return wx / w;
}

double stat_weighted_mean_sigma(const double* sigma, std::size_t n) {
  if (n == 0) return kNaN;
  double w = 0;
  for (std::size_t i = 0; i < n; ++i) w += 1.0 / (sigma[i] * sigma[i]);
  return 1.0 / std::sqrt(w);
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
  // Small cells: one sort serves every quantile and beats repeated selection (bench/micro).
  if (n <= 256 || sorted_ready_[v]) return stat_quantile_sorted(sorted(v).data(), n, q);
  auto& a = selection_[v];
  if (!selection_ready_[v]) {
    a = columns_[v];
    selection_ready_[v] = true;
  }
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
      return stat_weighted_mean(x.data(), columns_[sigma].data(), n);
    case StatFunction::weighted_mean_sigma:
      return stat_weighted_mean_sigma(columns_[sigma].data(), n);
    case StatFunction::quantile:
      return quantile(variable, s.q);
  }
  return kNaN;
}

}  // namespace healgrid
