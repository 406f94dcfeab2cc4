// Point filters `dataset op value` applied to a block of values (config/pipeline_config.hpp:
// keep_passing, filter_passes).
#include <cstddef>
#include <cstdint>

#include "healgrid/config/pipeline_config.hpp"

namespace healgrid {

namespace {

// One branch-free loop per operator (vectorised), not a switch per value.
template <typename Passes>
void keep_where(const double* values, std::size_t n, std::uint8_t* valid, Passes passes) {
  for (std::size_t i = 0; i < n; ++i) valid[i] = passes(values[i]) ? valid[i] : std::uint8_t{0};
}

}  // namespace

void keep_passing(const FilterSpec& f, const double* values, std::size_t n, std::uint8_t* valid) {
  const double t = f.value;
  switch (f.op) {
    case FilterOp::eq:
      return keep_where(values, n, valid, [t](double v) { return v == t; });
    case FilterOp::ne:
      return keep_where(values, n, valid, [t](double v) { return v != t; });
    case FilterOp::lt:
      return keep_where(values, n, valid, [t](double v) { return v < t; });
    case FilterOp::le:
      return keep_where(values, n, valid, [t](double v) { return v <= t; });
    case FilterOp::gt:
      return keep_where(values, n, valid, [t](double v) { return v > t; });
    case FilterOp::ge:
      return keep_where(values, n, valid, [t](double v) { return v >= t; });
  }
}

bool filter_passes(FilterOp op, double value, double threshold) {
  std::uint8_t valid = 1;
  keep_passing(FilterSpec{"", op, threshold}, &value, 1, &valid);
  return valid != 0;
}

}  // namespace healgrid
