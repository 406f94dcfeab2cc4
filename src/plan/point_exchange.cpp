#include "healgrid/plan/point_exchange.hpp"

#include <algorithm>
#include <climits>
#include <numeric>
#include <stdexcept>

namespace healgrid {

PointParts exchange_points(const MpiContext& mpi, PointParts mine,
                           const std::vector<RankPlan>& ranks, const HealpixGrid& grid) {
  if (mpi.size == 1) return mine;  // one rank indexed every granule in order and owns them all
  std::size_t count = 0;
  for (const auto& part : mine) count += part.size();
  if (count > static_cast<std::size_t>(INT_MAX))
    throw std::runtime_error("more than 2^31 points indexed on one rank: use more ranks");

  // Owner of a point: the rank whose parent range holds its parent (ranges are sorted). Points
  // come in long runs of one parent, so the lookup is cached; it is cheap enough to do twice
  // rather than keep an owner per point.
  std::vector<std::pair<std::int64_t, int>> starts;
  for (int r = 0; r < static_cast<int>(ranks.size()); ++r)
    if (!ranks[r].empty()) starts.emplace_back(ranks[r].first_parent, r);
  std::int64_t cached_parent = -1;
  int cached_owner = -1;
  auto owner_of = [&](const PointRef& point) {
    const auto parent = grid.parent_of(point.cell);
    if (parent != cached_parent) {
      cached_parent = parent;
      auto it = std::upper_bound(
          starts.begin(), starts.end(), parent,
          [](std::int64_t p, const std::pair<std::int64_t, int>& s) { return p < s.first; });
      cached_owner = it == starts.begin() ? -1 : std::prev(it)->second;
      if (cached_owner >= 0 && parent > ranks[cached_owner].last_parent) cached_owner = -1;
      if (cached_owner < 0) throw std::logic_error("a point's parent cell is in no rank's range");
    }
    return cached_owner;
  };
  std::vector<int> send_counts(mpi.size, 0);
  for (const auto& part : mine)
    for (const auto& point : part) ++send_counts[owner_of(point)];

  // Pack per destination, keeping the (granule, group, row) order within each.
  std::vector<int> send_displs(mpi.size, 0);
  std::partial_sum(send_counts.begin(), send_counts.end() - 1, send_displs.begin() + 1);
  std::vector<PointRef> send(count);
  {
    auto next = send_displs;
    for (auto& part : mine) {
      for (const auto& point : part) send[next[owner_of(point)]++] = point;
      part = {};
    }
  }

  // Rank r indexed the granules after rank r - 1's: placing what each source sends after the
  // previous source's gives (granule, group, row) order with no sort.
  std::vector<int> recv_counts(mpi.size), recv_displs(mpi.size, 0);
  MPI_Alltoall(send_counts.data(), 1, MPI_INT, recv_counts.data(), 1, MPI_INT, mpi.comm);
  std::partial_sum(recv_counts.begin(), recv_counts.end() - 1, recv_displs.begin() + 1);
  const std::size_t total = static_cast<std::size_t>(recv_displs.back()) + recv_counts.back();
  PointParts received(1);
  received[0].resize(total);
  MPI_Datatype point_type;
  MPI_Type_contiguous(static_cast<int>(sizeof(PointRef)), MPI_BYTE, &point_type);
  MPI_Type_commit(&point_type);
  MPI_Alltoallv(send.data(), send_counts.data(), send_displs.data(), point_type, received[0].data(),
                recv_counts.data(), recv_displs.data(), point_type, mpi.comm);
  MPI_Type_free(&point_type);
  return received;
}

}  // namespace healgrid
