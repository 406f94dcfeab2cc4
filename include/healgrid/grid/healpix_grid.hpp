// Where a point is binned: latitude/longitude (degrees) -> HEALPix NESTED cell at child_order,
// after applying the configured latitude convention. Parent cells are the same scheme at
// parent_order; in the nested scheme a parent's children are one contiguous id range.
#pragma once

#include <cstddef>
#include <cstdint>

#include "healgrid/config/pipeline_config.hpp"

namespace healgrid {

constexpr int kMaxOrder = 29;
// Largest child_order - parent_order whose children a parent numbers in 32 bits.
constexpr int kMaxOrderDifference = 16;
// Whether a parent's children need 64-bit offsets (more than 2^32 of them): the aggregator's
// offsets, the memory plan's count of them, the layouts a grid allows.
constexpr bool wide_child_offsets(int parent_order, int child_order) {
  return child_order - parent_order > kMaxOrderDifference;
}

class HealpixGrid {
 public:
  HealpixGrid(int parent_order, int child_order, LatitudeConvention convention);

  // Child cell of a point. Longitude may be any finite value (wrapped). REQUIRES: latitude in
  // [-90, 90], longitude finite.
  std::int64_t cell(double lat_deg, double lon_deg) const;
  // cell() of the points i < n with use[i] != 0 into out[i] (the others: -1), bit for bit the
  // same cells: most by SIMD cos and a cell certain despite its error (certain_cell.hpp), the
  // few near an edge (and beyond 89 degrees) by cell() itself; returns how many went that
  // way. REQUIRES: each used point has a latitude in [-90, 90] and a finite longitude.
  std::size_t cells(const double* lat_deg, const double* lon_deg, const std::uint8_t* use,
                    std::size_t n, std::int64_t* out) const;
  // REQUIRES (unchecked, inline hot path): cell >= 0.
  std::int64_t parent_of(std::int64_t cell) const { return cell >> shift_; }
  std::int64_t first_child(std::int64_t parent) const { return parent << shift_; }
  std::int64_t children_per_parent() const { return std::int64_t{1} << shift_; }
  std::int64_t parent_cell_count() const { return 12 * (std::int64_t{1} << (2 * parent_order_)); }

  int parent_order() const { return parent_order_; }
  int child_order() const { return child_order_; }
  LatitudeConvention convention() const { return convention_; }

  // Nominal cell edge length at child_order, km (sqrt of the cell area on a sphere of the
  // WGS84 authalic radius).
  double child_cell_size_km() const;

 private:
  int parent_order_;
  int child_order_;
  int shift_;  // 2 * (child_order - parent_order)
  LatitudeConvention convention_;
};

}  // namespace healgrid
