#include "healgrid/plan/point_exchange.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>

namespace healgrid {

std::vector<PointRef> exchange_points(const MpiContext& mpi, std::vector<PointRef> mine,
                                      const std::vector<RankPlan>& ranks, const HealpixGrid& grid,
                                      std::size_t granule_count) {
  if (mpi.size == 1) return mine;  // one rank indexed every granule in order and owns it all
  // Owner of each point: the rank whose parent range holds its parent (ranges are sorted).
  std::vector<std::pair<std::int64_t, int>> starts;
  for (int r = 0; r < static_cast<int>(ranks.size()); ++r)
    if (!ranks[r].empty()) starts.emplace_back(ranks[r].first_parent, r);
  std::vector<int> owner(mine.size());
  std::vector<int> send_counts(mpi.size, 0);
  std::int64_t cached_parent = -1;
  int cached_owner = -1;
  for (std::size_t i = 0; i < mine.size(); ++i) {
    const auto parent = grid.parent_of(mine[i].cell);
    if (parent != cached_parent) {
      cached_parent = parent;
      auto it = std::upper_bound(
          starts.begin(), starts.end(), parent,
          [](std::int64_t p, const std::pair<std::int64_t, int>& s) { return p < s.first; });
      cached_owner = it == starts.begin() ? -1 : std::prev(it)->second;
      if (cached_owner >= 0 && parent > ranks[cached_owner].last_parent) cached_owner = -1;
    }
    if (cached_owner < 0) throw std::logic_error("a point's parent cell is in no rank's range");
    owner[i] = cached_owner;
    ++send_counts[cached_owner];
  }
  // Pack per destination, keeping the (granule, group, row) order within each.
  std::vector<int> send_displs(mpi.size, 0);
  std::partial_sum(send_counts.begin(), send_counts.end() - 1, send_displs.begin() + 1);
  std::vector<PointRef> send(mine.size());
  {
    auto next = send_displs;
    for (std::size_t i = 0; i < mine.size(); ++i) send[next[owner[i]]++] = mine[i];
  }
  mine = {};
  owner = {};

  std::vector<int> recv_counts(mpi.size), recv_displs(mpi.size, 0);
  MPI_Alltoall(send_counts.data(), 1, MPI_INT, recv_counts.data(), 1, MPI_INT, mpi.comm);
  std::partial_sum(recv_counts.begin(), recv_counts.end() - 1, recv_displs.begin() + 1);
  const std::size_t total = static_cast<std::size_t>(recv_displs.back()) + recv_counts.back();
  std::vector<PointRef> received(total);
  MPI_Datatype point_type;
  MPI_Type_contiguous(static_cast<int>(sizeof(PointRef)), MPI_BYTE, &point_type);
  MPI_Type_commit(&point_type);
  MPI_Alltoallv(send.data(), send_counts.data(), send_displs.data(), point_type, received.data(),
                recv_counts.data(), recv_displs.data(), point_type, mpi.comm);
  MPI_Type_free(&point_type);
  send = {};

  // Each granule was indexed by exactly one rank, which sent its points in (group, row)
  // order: a stable counting sort by granule restores the global (granule, group, row) order.
  std::vector<std::size_t> start(granule_count + 1, 0);
  for (const auto& p : received) ++start[p.granule() + 1];
  std::partial_sum(start.begin(), start.end(), start.begin());
  std::vector<PointRef> ordered(total);
  for (const auto& p : received) ordered[start[p.granule()]++] = p;
  return ordered;
}

}  // namespace healgrid
