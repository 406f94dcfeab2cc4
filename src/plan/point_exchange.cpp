#include "healgrid/plan/point_exchange.hpp"

#include <algorithm>
#include <climits>
#include <numeric>
#include <stdexcept>

namespace healgrid {

std::vector<PointRef> exchange_points(const MpiContext& mpi,
                                      std::vector<std::vector<PointRef>> mine,
                                      const std::vector<RankPlan>& ranks, const HealpixGrid& grid,
                                      std::size_t granule_count) {
  std::size_t count = 0;
  for (const auto& part : mine) count += part.size();
  if (count > static_cast<std::size_t>(INT_MAX))
    throw std::runtime_error("more than 2^31 points indexed on one rank: use more ranks");
  if (mpi.size == 1) {  // one rank indexed every granule in order and owns them all
    std::vector<PointRef> all;
    all.reserve(count);
    for (auto& part : mine) {
      all.insert(all.end(), part.begin(), part.end());
      part = {};
    }
    return all;
  }
  // Owner of each point: the rank whose parent range holds its parent (ranges are sorted).
  std::vector<std::pair<std::int64_t, int>> starts;
  for (int r = 0; r < static_cast<int>(ranks.size()); ++r)
    if (!ranks[r].empty()) starts.emplace_back(ranks[r].first_parent, r);
  std::vector<int> owner(count);
  std::vector<int> send_counts(mpi.size, 0);
  std::int64_t cached_parent = -1;
  int cached_owner = -1;
  std::size_t k = 0;
  for (const auto& part : mine) {
    for (const auto& point : part) {
      const auto parent = grid.parent_of(point.cell);
      if (parent != cached_parent) {
        cached_parent = parent;
        auto it = std::upper_bound(
            starts.begin(), starts.end(), parent,
            [](std::int64_t p, const std::pair<std::int64_t, int>& s) { return p < s.first; });
        cached_owner = it == starts.begin() ? -1 : std::prev(it)->second;
        if (cached_owner >= 0 && parent > ranks[cached_owner].last_parent) cached_owner = -1;
      }
      if (cached_owner < 0) throw std::logic_error("a point's parent cell is in no rank's range");
      owner[k++] = cached_owner;
      ++send_counts[cached_owner];
    }
  }
  // Pack per destination, keeping the (granule, group, row) order within each.
  std::vector<int> send_displs(mpi.size, 0);
  std::partial_sum(send_counts.begin(), send_counts.end() - 1, send_displs.begin() + 1);
  std::vector<PointRef> send(count);
  {
    auto next = send_displs;
    k = 0;
    for (auto& part : mine) {
      for (const auto& point : part) send[next[owner[k++]]++] = point;
      part = {};
    }
  }
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
