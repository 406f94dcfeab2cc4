// Round numbers for the decorations of `healgrid render`: graticule spacing, colorbar ticks,
// scale-bar lengths. "Round" means 1, 2 or 5 times a power of ten; log scales tick at decades
// (and at 2 and 5 times them when the range spans less than two decades). Labels print a tick
// with as many decimals as its step needs, so 0.1-steps read 0.1, 0.2, ... and never 0.30000001.
#pragma once

#include <string>
#include <vector>

namespace healgrid {

// The smallest round step (1, 2, 5 x 10^k) that gives at most max_count steps over span > 0.
double round_step(double span, double max_count);
// The largest round number <= x (x > 0).
double round_number_below(double x);

// Multiples of a round step inside [lo, hi], at most about max_count of them.
std::vector<double> linear_ticks(double lo, double hi, int max_count);
// Decades inside [lo, hi] (lo > 0); 1, 2, 5 x 10^k when fewer than two decades fit.
std::vector<double> log_ticks(double lo, double hi);

// A tick value printed with the decimals its step needs ("0.25", "1500", "-40").
std::string tick_label(double value, double step);
// A log tick: "0.01", "1", "1000" up to 10^4, then "10^5" written with superscript digits.
std::string log_tick_label(double value);

// Ticks as text for reports: the fewest significant digits (6 to 17, "%.Ng") that give every
// tick back within 1e-9 of the tick spacing, so 1e38 reads "1e+38", not 9.9999999999999979e+37.
std::vector<std::string> tick_texts(const std::vector<double>& ticks);

}  // namespace healgrid
