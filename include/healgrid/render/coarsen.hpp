// Coarsening of a healgrid output variable to a lower HEALPix order, so that a continental map
// of a fine grid shows cells of a visible size. In the nested scheme the parent at order N of
// a cell at level L is id >> 2(L - N), so children of one coarse cell are contiguous.
//
// How children combine depends on the statistic (the variable's `healgrid_statistic`):
//   count, sum              the sum of the children
//   min / max               the min / max of the children
//   anything else (means, quantiles, spreads)
//                           the mean of the children weighted by their point counts (the file's
//                           `count` statistic), or the plain mean when the file has no counts
// Children without a value are left out; a coarse cell with no child value has none.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace healgrid {

enum class CoarsenRule { sum, min, max, weighted_mean };

// The rule for a statistic function name ("count", "min", "weighted_mean", ...).
CoarsenRule coarsen_rule_for(const std::string& cell_method);
const char* to_string(CoarsenRule rule);

struct CoarseCells {
  std::vector<std::uint64_t> ids;  // strictly increasing
  std::vector<double> values;
};

// ids (strictly increasing, level `from_level`) with their values (NaN: none) and weights
// (empty: all 1; NaN or <= 0 weight: the child counts with weight 0 for means) -> the coarse
// cells at `to_level` <= from_level that have a value, increasing. Throws
// std::invalid_argument when to_level > from_level or the sizes differ.
CoarseCells coarsen(const std::vector<std::uint64_t>& ids, const std::vector<double>& values,
                    const std::vector<double>& weights, int from_level, int to_level,
                    CoarsenRule rule);

}  // namespace healgrid
