#include "healgrid/render/axis_ticks.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

namespace healgrid {
namespace {

// 10^k as a double without pow's rounding for the small exponents ticks use.
double power_of_ten(int k) {
  double v = 1;
  for (int i = 0; i < std::abs(k); ++i) v *= 10;
  return k < 0 ? 1 / v : v;
}

// Numbers within a relative hair of a multiple print as that multiple.
double snap(double value, double step) { return std::round(value / step) * step; }

}  // namespace

double round_step(double span, double max_count) {
  // Non-finite or huge spans have no round step in doubles (and log10 would not fit an int).
  if (!(span > 0) || !(max_count > 0) || !std::isfinite(span / max_count) ||
      span / max_count > 1e307)
    return 1;
  const double raw = span / max_count;
  int k = static_cast<int>(std::floor(std::log10(raw)));
  for (;; ++k)
    for (double m : {1.0, 2.0, 5.0}) {
      const double step = m * power_of_ten(k);
      if (span / step <= max_count * (1 + 1e-12)) return step;
    }
}

double round_number_below(double x) {
  if (!(x > 0)) return 0;
  const int k = static_cast<int>(std::floor(std::log10(x)));
  double best = power_of_ten(k);
  for (double m : {2.0, 5.0, 10.0})
    if (m * power_of_ten(k) <= x * (1 + 1e-12)) best = m * power_of_ten(k);
  return best;
}

std::vector<double> linear_ticks(double lo, double hi, int max_count) {
  std::vector<double> out;
  // No ticks for an empty, non-finite or wider-than-doubles range.
  if (!(hi > lo) || !std::isfinite(hi - lo) || max_count < 1) return out;
  const double step = round_step(hi - lo, max_count);
  if (hi - lo > 1e307 * max_count) return out;  // round_step's fallback: no round step
  const double tolerance = (hi - lo) * 1e-9;
  // Counted, not compared: far from 0 (lo / step > 2^53) k + 1 == k, and the ticks would repeat.
  const double first = std::ceil((lo - tolerance) / step);
  for (int i = 0; i <= 2 * max_count + 2 && (first + i) * step <= hi + tolerance; ++i) {
    const double v = snap((first + i) * step, step) + 0.0;  // + 0.0: no negative zero
    if (!out.empty() && !(v > out.back())) break;
    out.push_back(v);
  }
  return out;
}

std::vector<double> log_ticks(double lo, double hi) {
  std::vector<double> out;
  if (!(lo > 0) || !(hi > lo) || !std::isfinite(hi)) return out;
  const double tolerance = 1e-9;
  const int k0 = static_cast<int>(std::ceil(std::log10(lo) - tolerance));
  const int k1 = static_cast<int>(std::floor(std::log10(hi) + tolerance));
  const bool fine = k1 - k0 < 1;                          // fewer than two decades inside the range
  const int stride = std::max(1, (k1 - k0 + 1 + 6) / 7);  // at most ~7 decade labels
  for (int k = k0 - 1; k <= k1; ++k)
    for (double m : fine ? std::vector<double>{1, 2, 5} : std::vector<double>{1}) {
      const double v = m * power_of_ten(k);
      if (v < lo * (1 - tolerance) || v > hi * (1 + tolerance)) continue;
      if (m == 1 && !fine && (k - k0) % stride != 0) continue;
      out.push_back(v);
    }
  return out;
}

std::string tick_label(double value, double step) {
  char text[48];
  const double v = snap(value, step);
  if (v != 0 && (std::fabs(v) >= 1e7 || std::fabs(v) < 1e-4)) {
    std::snprintf(text, sizeof text, "%.3g", v);
    return text;
  }
  const int decimals =
      step >= 1 ? 0 : std::min(9, static_cast<int>(std::ceil(-std::log10(step) - 1e-9)));
  std::snprintf(text, sizeof text, "%.*f", decimals, v == 0 ? 0.0 : v);
  return text;
}

std::string log_tick_label(double value) {
  const double exponent = std::log10(value);
  const int k = static_cast<int>(std::lround(exponent));
  const double mantissa = value / power_of_ten(k);
  if (std::fabs(mantissa - 1) < 1e-9 && std::abs(k) > 4) {
    static const char* const kSuperscript[] = {"\u2070", "\u00b9", "\u00b2", "\u00b3", "\u2074",
                                               "\u2075", "\u2076", "\u2077", "\u2078", "\u2079"};
    std::string text = k < 0 ? "10\u207b" : "10";
    for (char c : std::to_string(std::abs(k))) text += kSuperscript[c - '0'];
    return text;
  }
  return tick_label(value,
                    power_of_ten(std::min(0, static_cast<int>(std::floor(exponent + 1e-9)))));
}

std::vector<std::string> tick_texts(const std::vector<double>& ticks) {
  double spacing = std::numeric_limits<double>::infinity();
  for (std::size_t i = 1; i < ticks.size(); ++i)
    spacing = std::min(spacing, std::fabs(ticks[i] - ticks[i - 1]));
  for (int digits = 6;; ++digits) {
    std::vector<std::string> out;
    bool close = true;
    for (double t : ticks) {
      char text[40];
      std::snprintf(text, sizeof text, "%.*g", digits, t);
      const double tolerance = 1e-9 * (std::isfinite(spacing) ? spacing : std::fabs(t));
      close = close && std::fabs(std::strtod(text, nullptr) - t) <= tolerance;
      out.emplace_back(text);
    }
    if (close || digits >= 17) return out;
  }
}

}  // namespace healgrid
