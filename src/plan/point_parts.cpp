#include "healgrid/plan/point_parts.hpp"

namespace healgrid {

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
