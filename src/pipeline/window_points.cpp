#include "healgrid/pipeline/window_points.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>

namespace healgrid {
namespace {}  // namespace

std::vector<ParentLoad> loads_of(const PointParts& parts, const HealpixGrid& grid) {
  std::vector<ParentLoad> loads;
  for (const auto& part : parts)
    for_each_point(part, [&](std::size_t, const PointRef& p) {
      const auto parent = grid.parent_of(p.cell);
      if (loads.empty() || loads.back().parent != parent) loads.push_back({parent, 0});
      ++loads.back().points;
    });
  return merge_loads(std::move(loads));
}

namespace {

// [first, last] of the window keys held by any rank's parts; first > last when none has any.
std::pair<std::int64_t, std::int64_t> key_range(const Communicator& comm,
                                                const std::vector<std::int64_t>& part_keys,
                                                const PointParts& parts) {
  std::int64_t lo = INT64_MAX, hi = INT64_MIN;
  for (std::size_t i = 0; i < parts.size(); ++i)
    if (!parts[i].empty()) {
      lo = std::min(lo, part_keys[i]);
      hi = std::max(hi, part_keys[i]);
    }
  MPI_Allreduce(MPI_IN_PLACE, &lo, 1, MPI_INT64_T, MPI_MIN, comm.comm);
  MPI_Allreduce(MPI_IN_PLACE, &hi, 1, MPI_INT64_T, MPI_MAX, comm.comm);
  return {lo, hi};
}

}  // namespace

void add_window_parts(PointVector points, const std::vector<std::int64_t>& keys,
                      IndexResult& result) {
  std::map<std::int64_t, std::pair<PointVector, PointWriter>> by_key;  // a granule: few windows
  std::size_t k = 0;  // the point's index in `keys`
  for_each_point(points, [&](std::size_t, const PointRef& p) {
    auto& [part, writer] = by_key[keys[k++]];
    writer.push(part, p);
  });
  for (auto& [key, part] : by_key) {
    result.points.push_back(std::move(part.first));
    result.part_windows.push_back(key);
  }
}

WindowedPoints exchange_windows(const Communicator& comm, IndexResult mine,
                                const std::vector<RankPlan>& ranks, const HealpixGrid& grid,
                                const TimeWindows& windows) {
  WindowedPoints out;
  if (windows.kind == WindowKind::list) {
    for (std::size_t w = 0; w < windows.intervals.size(); ++w)
      out.keys.push_back(static_cast<std::int64_t>(w));
  } else {
    const auto [first, last] = key_range(comm, mine.part_windows, mine.points);
    if (first <= last && last - first >= kMaxTimeWindows)
      throw std::runtime_error(windows.too_many(first, last));
    for (auto k = first; k <= last; ++k) out.keys.push_back(k);
  }
  for (const auto key : out.keys) {
    PointParts parts;  // this window's parts, in granule order
    for (std::size_t i = 0; i < mine.points.size(); ++i)
      if (mine.part_windows[i] == key) parts.push_back(std::move(mine.points[i]));
    const auto loads = loads_of(parts, grid);
    out.points.push_back(exchange_points(comm, std::move(parts), loads, ranks, grid));
  }
  return out;
}

}  // namespace healgrid
