#include "healgrid/plan/point_parts.hpp"

namespace healgrid {

void PointWriter::write_headers(PointVector& out, std::uint32_t granule_group, std::uint32_t high) {
  if (granule_group != state_.granule_group) {
    out.push_back({granule_group, PointEntry::kGranuleGroupEntry});
    state_.granule_group = granule_group;
  }
  if (high != state_.high) {
    out.push_back({high, PointEntry::kCellHighEntry});
    state_.high = high;
  }
}

std::size_t count_points(const PointVector& part) {
  std::size_t n = 0;
  for (const auto& e : part) n += e.is_header() ? 0 : 1;
  return n;
}

PointVector pack_points(const std::vector<PointRef>& points) {
  PointVector out;
  PointWriter writer;
  for (const auto& p : points) writer.push(out, p);
  return out;
}

std::vector<PointRef> unpack_points(const PointVector& part) {
  std::vector<PointRef> out;
  for_each_point(part, [&](std::size_t, const PointRef& p) { out.push_back(p); });
  return out;
}

}  // namespace healgrid
