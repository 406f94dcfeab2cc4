#include "healgrid/plan/point_exchange.hpp"

#include <algorithm>
#include <climits>
#include <numeric>
#include <stdexcept>
#include <string>

#include "healgrid/util/huge_pages.hpp"
#include "healgrid/util/mpi_handles.hpp"
#include "healgrid/util/require.hpp"

namespace healgrid {

namespace {

// Reorders each part in place into [own points | points for rank 0 | for rank 1 | ...] and
// returns, per destination, the count and the (address, length) blocks to send. Local only.
void pack_in_place(const Communicator& mpi, PointParts& mine, const std::vector<ParentLoad>& loads,
                   const std::vector<RankPlan>& ranks, const HealpixGrid& grid,
                   std::vector<int>& send_counts, std::vector<std::vector<MPI_Aint>>& where,
                   std::vector<std::vector<int>>& lengths, std::vector<std::size_t>& kept_of) {
  // Owner of a parent cell: the rank whose parent range holds it (ranges are sorted). Points
  // come in long runs of one parent, so the lookup is cached.
  std::vector<std::pair<std::int64_t, int>> starts;
  for (int r = 0; r < static_cast<int>(ranks.size()); ++r)
    if (!ranks[r].empty()) starts.emplace_back(ranks[r].first_parent, r);
  std::int64_t cached_parent = -1;
  int cached_owner = -1;
  auto owner_of = [&](std::int64_t parent) {
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
  std::size_t count = 0;
  for (const auto& part : mine) count += part.size();
  if (count > static_cast<std::size_t>(INT_MAX))
    throw std::runtime_error("more than 2^31 points indexed on one rank: use more ranks");
  // Points per destination from the loads (no pass over the points); the packing checks them.
  {
    std::vector<long long> n(mpi.size, 0);
    for (const auto& l : loads) n[owner_of(l.parent)] += l.points;
    n[mpi.rank] = 0;  // this rank's own points stay where they are
    for (int r = 0; r < mpi.size; ++r) send_counts[r] = static_cast<int>(n[r]);
  }

  // Each part is reordered in place into [own points | points for rank 0 | for rank 1 | ...],
  // every group keeping the (granule, group, row) order, through a scratch array of one part's
  // size; the groups are sent straight from the parts (one hindexed datatype per destination),
  // so there is no send buffer as large as all the points to allocate and fill.
  // The scratch is sized from a first count, so the reordering holds 16 bytes per point sent
  // and no more (growing it by doubling, with an owner per point, cost 2.5x that: the peak of
  // a bounded-memory run, docs/performance.md).
  {
    std::vector<PointRef> scratch;
    std::vector<std::size_t> count(mpi.size), next(mpi.size);
    std::vector<long long> packed(mpi.size, 0);
    for (std::size_t p = 0; p < mine.size(); ++p) {
      auto& part = mine[p];
      std::fill(count.begin(), count.end(), 0);
      for (const auto& point : part) ++count[owner_of(grid.parent_of(point.cell))];
      scratch.clear();
      scratch.reserve(part.size() - count[mpi.rank]);
      count[mpi.rank] = 0;
      std::size_t kept = 0;
      for (const auto& point : part) {
        if (owner_of(grid.parent_of(point.cell)) == mpi.rank)
          part[kept++] = point;
        else
          scratch.push_back(point);
      }
      kept_of[p] = kept;
      std::size_t at = kept;
      for (int r = 0; r < mpi.size; ++r) {
        next[r] = at;
        if (count[r] > 0) {
          MPI_Aint address;
          MPI_Get_address(part.data() + at, &address);
          where[r].push_back(address);
          lengths[r].push_back(static_cast<int>(count[r]));
          packed[r] += static_cast<long long>(count[r]);
        }
        at += count[r];
      }
      for (const auto& point : scratch) part[next[owner_of(grid.parent_of(point.cell))]++] = point;
    }
    for (int r = 0; r < mpi.size; ++r)
      if (r != mpi.rank && packed[r] != send_counts[r])
        throw std::logic_error("indexed points disagree with the parent loads");
  }
}

}  // namespace

PointParts exchange_points(const Communicator& mpi, PointParts mine,
                           const std::vector<ParentLoad>& loads, const std::vector<RankPlan>& ranks,
                           const HealpixGrid& grid) {
  HEALGRID_REQUIRE(static_cast<int>(ranks.size()) == mpi.size, "one parent range per rank");
  if (mpi.size == 1) return mine;  // one rank indexed every granule in order and owns them all
  // Everything before the first collective call is local: a rank that fails there must not
  // leave the others waiting in it, so the outcome is agreed on before any transfer.
  std::string error;
  std::vector<int> send_counts(mpi.size, 0);
  std::vector<std::vector<MPI_Aint>> where(mpi.size);
  std::vector<std::vector<int>> lengths(mpi.size);
  std::vector<std::size_t> kept_of(mine.size(), 0);
  try {
    pack_in_place(mpi, mine, loads, ranks, grid, send_counts, where, lengths, kept_of);
  } catch (const std::exception& e) {
    error = e.what();
  }
  if (!mpi.all_ok(error, nullptr))
    throw std::runtime_error(error.empty() ? "the point exchange failed on another rank" : error);

  // Rank r indexed the granules after rank r - 1's: the points of each source, placed after
  // the previous source's (this rank's own parts in its place), are in (granule, group, row)
  // order with no sort.
  const std::vector<int> recv_counts = mpi.alltoall(send_counts);
  // Two receive arrays: from the ranks before this one, and from those after.
  std::vector<std::size_t> offset(mpi.size, 0);
  std::size_t before = 0, after = 0;
  for (int r = 0; r < mpi.size; ++r) {
    auto& n = r < mpi.rank ? before : after;
    offset[r] = n;
    if (r != mpi.rank) n += static_cast<std::size_t>(recv_counts[r]);
  }
  // Filled once: in huge pages, which halves the exchange at 2 ranks on a VM where every
  // fresh 4 KB page is a costly trap (docs/performance.md).
  PointVector low(before), high(after);
  const auto point_type = MpiDatatype::bytes(sizeof(PointRef));
  std::vector<MPI_Request> requests;
  std::vector<MpiDatatype> types;  // freed when the exchange returns or throws
  for (int r = 0; r < mpi.size; ++r) {
    if (r == mpi.rank || recv_counts[r] == 0) continue;
    PointRef* at = (r < mpi.rank ? low.data() : high.data()) + offset[r];
    requests.emplace_back();
    MPI_Irecv(at, recv_counts[r], point_type.get(), r, 0, mpi.comm, &requests.back());
  }
  for (int k = 1; k < mpi.size; ++k) {  // staggered, so that not every rank sends to rank 0 first
    const int r = (mpi.rank + k) % mpi.size;
    if (send_counts[r] == 0) continue;
    types.push_back(MpiDatatype::at_addresses(lengths[r], where[r], point_type));
    requests.emplace_back();
    MPI_Isend(MPI_BOTTOM, 1, types.back().get(), r, 0, mpi.comm, &requests.back());
  }
  MPI_Waitall(static_cast<int>(requests.size()), requests.data(), MPI_STATUSES_IGNORE);
  // The sent points' slots are dead: a part that keeps less than a quarter (most parts at
  // higher rank counts) is copied to its own size, so the rest returns to the heap for the
  // reads; at 2 ranks about half is kept and the copy would cost more than it saves.
  for (std::size_t p = 0; p < mine.size(); ++p) {
    auto& part = mine[p];
    if (kept_of[p] == 0)
      part = {};
    else if (kept_of[p] < part.size() / 4)
      part = PointVector(part.begin(), part.begin() + static_cast<long>(kept_of[p]));
    else
      part.resize(kept_of[p]);
  }

  PointParts received;
  received.reserve(mine.size() + 2);
  if (!low.empty()) received.push_back(std::move(low));
  for (auto& part : mine)
    if (!part.empty()) received.push_back(std::move(part));
  if (!high.empty()) received.push_back(std::move(high));
  return received;
}

}  // namespace healgrid
