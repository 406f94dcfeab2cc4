#include "healgrid/plan/point_parts.hpp"

namespace healgrid {

std::size_t write_headers(const PointState& from, const PointState& to, PointEntry* out) {
  std::size_t n = 0;
  if (to.granule_group != from.granule_group) {
    PointEntry::header(PointEntry::kGranuleGroup, to.granule_group, out + n);
    n += PointEntry::kHeaderEntries;
  }
  if (to.high != from.high) {
    PointEntry::header(PointEntry::kCellHigh, to.high, out + n);
    n += PointEntry::kHeaderEntries;
  }
  if (to.rows != from.rows) {
    PointEntry::header(PointEntry::kRowHigh, to.rows, out + n);
    n += PointEntry::kHeaderEntries;
  }
  return n;
}

void PointWriter::write_headers(PointVector& out, const PointState& to) {
  PointEntry headers[3 * PointEntry::kHeaderEntries];
  const auto n = healgrid::write_headers(state_, to, headers);
  out.insert(out.end(), headers, headers + n);
  state_ = to;
}

std::size_t count_points(const PointVector& part) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < part.size();) {
    if (part[i].is_header()) {
      i += PointEntry::kHeaderEntries;
    } else {
      ++n;
      ++i;
    }
  }
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
