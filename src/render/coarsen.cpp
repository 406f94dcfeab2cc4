#include "healgrid/render/coarsen.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace healgrid {

CoarsenRule coarsen_rule_for(const std::string& cell_method) {
  if (cell_method == "count" || cell_method == "sum") return CoarsenRule::sum;
  if (cell_method == "min") return CoarsenRule::min;
  if (cell_method == "max") return CoarsenRule::max;
  return CoarsenRule::weighted_mean;
}

const char* to_string(CoarsenRule rule) {
  switch (rule) {
    case CoarsenRule::sum:
      return "sum of children";
    case CoarsenRule::min:
      return "min of children";
    case CoarsenRule::max:
      return "max of children";
    case CoarsenRule::weighted_mean:
      return "count-weighted mean of children";
  }
  return "?";
}

CoarseCells coarsen(const std::vector<std::uint64_t>& ids, const std::vector<double>& values,
                    const std::vector<double>& weights, int from_level, int to_level,
                    CoarsenRule rule) {
  if (to_level > from_level || to_level < 0)
    throw std::invalid_argument("--order: " + std::to_string(to_level) +
                                " is not between 0 and the file's level " +
                                std::to_string(from_level));
  if (ids.size() != values.size() || (!weights.empty() && weights.size() != ids.size()))
    throw std::invalid_argument("coarsen: ids, values and weights differ in length");
  const int shift = 2 * (from_level - to_level);
  CoarseCells out;
  std::size_t i = 0;
  while (i < ids.size()) {
    const std::uint64_t parent = ids[i] >> shift;
    double sum = 0, weight_sum = 0, extreme = std::nan("");
    bool any = false;
    for (; i < ids.size() && (ids[i] >> shift) == parent; ++i) {
      const double v = values[i];
      if (std::isnan(v)) continue;
      any = true;
      if (rule == CoarsenRule::sum) {
        sum += v;
      } else if (rule == CoarsenRule::min || rule == CoarsenRule::max) {
        const bool better =
            std::isnan(extreme) || (rule == CoarsenRule::min ? v < extreme : v > extreme);
        if (better) extreme = v;
      } else {
        const double w = weights.empty() ? 1.0 : weights[i];
        if (!(w > 0)) continue;
        sum += w * v;
        weight_sum += w;
      }
    }
    if (!any) continue;
    double value = sum;
    if (rule == CoarsenRule::min || rule == CoarsenRule::max) value = extreme;
    if (rule == CoarsenRule::weighted_mean) {
      if (!(weight_sum > 0)) continue;
      value = sum / weight_sum;
    }
    out.ids.push_back(parent);
    out.values.push_back(value);
  }
  return out;
}

}  // namespace healgrid
