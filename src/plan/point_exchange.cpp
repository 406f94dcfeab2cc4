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

// The rank owning a parent cell: the one whose parent range holds it (ranges are sorted).
// Points come in long runs of one parent, so the last answer is cached.
class OwnerLookup {
 public:
  OwnerLookup(const std::vector<RankPlan>& ranks, const HealpixGrid& grid)
      : ranks_(ranks), grid_(grid) {
    for (int r = 0; r < static_cast<int>(ranks.size()); ++r)
      if (!ranks[r].empty()) starts_.emplace_back(ranks[r].first_parent, r);
  }
  int of_parent(std::int64_t parent) {
    if (parent != cached_parent_) {
      cached_parent_ = parent;
      auto it = std::upper_bound(
          starts_.begin(), starts_.end(), parent,
          [](std::int64_t p, const std::pair<std::int64_t, int>& s) { return p < s.first; });
      cached_owner_ = it == starts_.begin() ? -1 : std::prev(it)->second;
      if (cached_owner_ >= 0 && parent > ranks_[cached_owner_].last_parent) cached_owner_ = -1;
      if (cached_owner_ < 0) throw std::logic_error("a point's parent cell is in no rank's range");
    }
    return cached_owner_;
  }
  int of(const PointRef& point) { return of_parent(grid_.parent_of(point.cell)); }

 private:
  const std::vector<RankPlan>& ranks_;
  const HealpixGrid& grid_;
  std::vector<std::pair<std::int64_t, int>> starts_;
  std::int64_t cached_parent_ = -1;
  int cached_owner_ = -1;
};

// A run of a part's consecutive points with one owner; it ends where the next run begins.
struct OwnerRun {
  std::uint32_t begin;
  int owner;
};

// How one part's points leave: in their own runs (sent where they lie, the kept runs moved to
// the front once the sends are done), or reordered into [kept | for rank 0 | for rank 1 ...].
struct PartLayout {
  std::vector<OwnerRun> runs;  // empty: reordered
  std::size_t kept = 0;        // reordered: the kept points, at the front
  // Where run i ends in a part of `size` points.
  std::size_t run_end(std::size_t i, std::size_t size) const {
    return i + 1 < runs.size() ? runs[i + 1].begin : size;
  }
};

// The sends, per destination: blocks (address, points) in (granule, group, row) order.
struct Sends {
  std::vector<std::vector<MPI_Aint>> where;
  std::vector<std::vector<int>> lengths;
  std::vector<long long> points;
  explicit Sends(int ranks) : where(ranks), lengths(ranks), points(ranks, 0) {}
  void add(int rank, const PointRef* first, std::size_t n) {
    MPI_Aint address;
    MPI_Get_address(first, &address);
    where[rank].push_back(address);
    lengths[rank].push_back(static_cast<int>(n));
    points[rank] += static_cast<long long>(n);
  }
};

// Tracks cross few parent ranges: a part with more runs of one owner than
// max(kMinRunPoints, its points / kMinRunPoints) (points scattered over the sky) is reordered
// instead, so that the blocks sent stay few: at most 64 per small part, one per 64 points of a
// large one.
constexpr std::size_t kMinRunPoints = 64;

// The part's runs of one owner, in one read of its points; false when there are more than
// max(kMinRunPoints, size / kMinRunPoints) (then `runs` is incomplete).
bool find_runs(const PointVector& part, OwnerLookup& owner, std::vector<OwnerRun>& runs) {
  const std::size_t max_runs = std::max(kMinRunPoints, part.size() / kMinRunPoints);
  runs.clear();
  int current = -1;
  for (std::size_t i = 0; i < part.size(); ++i) {
    const int o = owner.of(part[i]);
    if (o == current) continue;
    if (runs.size() == max_runs) return false;
    runs.push_back({static_cast<std::uint32_t>(i), o});
    current = o;
  }
  return true;
}

// Reorders `part` in place into [own points | for rank 0 | for rank 1 | ...], every group
// keeping the (granule, group, row) order, through a scratch array of the points sent (16
// bytes per point sent and no more: growing it by doubling, with an owner per point, cost
// 2.5x that, the peak of a bounded-memory run, docs/performance.md). Returns the kept count.
std::size_t reorder_part(PointVector& part, int me, OwnerLookup& owner, Sends& sends,
                         std::vector<PointRef>& scratch) {
  const std::size_t nranks = sends.where.size();
  std::vector<std::size_t> count(nranks, 0), next(nranks);
  for (const auto& point : part) ++count[owner.of(point)];
  scratch.clear();
  scratch.reserve(part.size() - count[me]);
  count[me] = 0;
  std::size_t kept = 0;
  for (const auto& point : part) {
    if (owner.of(point) == me)
      part[kept++] = point;
    else
      scratch.push_back(point);
  }
  std::size_t at = kept;
  for (std::size_t r = 0; r < nranks; ++r) {
    next[r] = at;
    if (count[r] > 0) sends.add(static_cast<int>(r), part.data() + at, count[r]);
    at += count[r];
  }
  for (const auto& point : scratch) part[next[owner.of(point)]++] = point;
  return kept;
}

// Local only: each part's layout and every destination's blocks, sent straight from the parts
// (no send buffer as large as all the points to allocate and fill). Returns the points per
// destination (0 for this rank), checked against the parent loads.
std::vector<int> plan_sends(const Communicator& mpi, PointParts& mine,
                            const std::vector<ParentLoad>& loads,
                            const std::vector<RankPlan>& ranks, const HealpixGrid& grid,
                            Sends& sends, std::vector<PartLayout>& layouts) {
  OwnerLookup owner(ranks, grid);
  std::size_t count = 0;
  for (const auto& part : mine) count += part.size();
  if (count > static_cast<std::size_t>(INT_MAX))
    throw std::runtime_error("more than 2^31 points indexed on one rank: use more ranks");
  std::vector<PointRef> scratch;
  for (std::size_t p = 0; p < mine.size(); ++p) {
    auto& part = mine[p];
    auto& layout = layouts[p];
    if (!find_runs(part, owner, layout.runs)) {
      layout.runs = {};  // its memory back too
      layout.kept = reorder_part(part, mpi.rank, owner, sends, scratch);
      continue;
    }
    for (std::size_t i = 0; i < layout.runs.size(); ++i) {
      const auto& run = layout.runs[i];
      if (run.owner != mpi.rank)
        sends.add(run.owner, part.data() + run.begin, layout.run_end(i, part.size()) - run.begin);
    }
  }
  // Points per destination from the loads (no pass over the points) must be those packed.
  std::vector<long long> n(mpi.size, 0);
  for (const auto& l : loads) n[owner.of_parent(l.parent)] += l.points;
  std::vector<int> send_counts(mpi.size, 0);
  for (int r = 0; r < mpi.size; ++r) {
    if (r == mpi.rank) continue;
    if (sends.points[r] != n[r])
      throw std::logic_error("indexed points disagree with the parent loads");
    send_counts[r] = static_cast<int>(n[r]);
  }
  return send_counts;
}

// After the sends: the part's kept points at its front, in order; returns their count.
std::size_t compact_kept(PointVector& part, const PartLayout& layout, int me) {
  if (layout.runs.empty()) return layout.kept;
  std::size_t kept = 0;
  for (std::size_t i = 0; i < layout.runs.size(); ++i) {
    if (layout.runs[i].owner != me) continue;
    const std::size_t begin = layout.runs[i].begin;
    const std::size_t end = layout.run_end(i, part.size());
    if (begin != kept)  // forward, onto slots already sent or kept: std::copy is safe
      std::copy(part.begin() + static_cast<long>(begin), part.begin() + static_cast<long>(end),
                part.begin() + static_cast<long>(kept));
    kept += end - begin;
  }
  return kept;
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
  std::vector<int> send_counts;
  Sends sends(mpi.size);
  std::vector<PartLayout> layouts(mine.size());
  try {
    send_counts = plan_sends(mpi, mine, loads, ranks, grid, sends, layouts);
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
    types.push_back(MpiDatatype::at_addresses(sends.lengths[r], sends.where[r], point_type));
    requests.emplace_back();
    MPI_Isend(MPI_BOTTOM, 1, types.back().get(), r, 0, mpi.comm, &requests.back());
  }
  MPI_Waitall(static_cast<int>(requests.size()), requests.data(), MPI_STATUSES_IGNORE);
  // The sent points' slots are dead: a part that keeps less than a quarter (most parts at
  // higher rank counts) is copied to its own size, so the rest returns to the heap for the
  // reads; at 2 ranks about half is kept and the copy would cost more than it saves.
  for (std::size_t p = 0; p < mine.size(); ++p) {
    auto& part = mine[p];
    const auto kept = compact_kept(part, layouts[p], mpi.rank);
    if (kept == 0)
      part = {};
    else if (kept < part.size() / 4)
      part = PointVector(part.begin(), part.begin() + static_cast<long>(kept));
    else
      part.resize(kept);
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
