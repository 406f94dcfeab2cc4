#include "healgrid/plan/point_exchange.hpp"

#include <algorithm>
#include <array>
#include <climits>
#include <deque>
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

// A run of a part's consecutive points with one owner. `state`: the headers in force at its
// first point.
struct OwnerRun {
  std::uint32_t begin;
  int owner;
  PointState state;
};

// The sends, per destination: blocks (address, entries) in (granule, group, row) order, each
// run after headers that state its granule beam and its cells' and rows' high bits.
struct Sends {
  std::vector<std::vector<MPI_Aint>> where;
  std::vector<std::vector<int>> lengths;
  std::vector<long long> entries, points;
  // deque: the addresses taken stay valid
  std::deque<std::array<PointEntry, 3 * PointEntry::kHeaderEntries>> headers;
  std::deque<PointVector> copies;  // the copied-out parts' points, per destination
  explicit Sends(int ranks) : where(ranks), lengths(ranks), entries(ranks, 0), points(ranks, 0) {}
  void add_block(int rank, const PointEntry* first, std::size_t n) {
    MPI_Aint address;
    MPI_Get_address(first, &address);
    where[rank].push_back(address);
    lengths[rank].push_back(static_cast<int>(n));
    entries[rank] += static_cast<long long>(n);
  }
  // Entries [first, first + n) holding `npoints` points, read under `state`.
  void add_run(int rank, const PointState& state, const PointEntry* first, std::size_t n,
               std::size_t npoints) {
    auto& h = headers.emplace_back();
    add_block(rank, h.data(), write_headers(PointState{}, state, h.data()));
    add_block(rank, first, n);
    points[rank] += static_cast<long long>(npoints);
  }
};

// Tracks cross few parent ranges: a part with more runs of one owner than
// max(kMinRunPoints, its points / kMinRunPoints) (points scattered over the sky) is copied out
// instead, so that the blocks sent stay few: at most 64 per small part, one per 64 points of a
// large one.
constexpr std::size_t kMinRunPoints = 64;

// The part's runs of one owner and their points (`run_points`), in one read of its entries;
// false when there are more than max(kMinRunPoints, size / kMinRunPoints) (then `runs` is
// incomplete). A run ends where the next begins (its last entries may be the next one's headers).
bool find_runs(const PointVector& part, OwnerLookup& owner, std::vector<OwnerRun>& runs,
               std::vector<std::size_t>& run_points) {
  const std::size_t max_runs = std::max(kMinRunPoints, part.size() / kMinRunPoints);
  runs.clear();
  run_points.clear();
  PointState state;
  int current = -1;
  for (std::size_t i = 0; i < part.size(); ++i) {
    if (part[i].is_header()) {
      state.apply(&part[i++]);  // and the header's second entry
      continue;
    }
    const int o = owner.of(state.point(part[i]));
    if (o != current) {
      if (runs.size() == max_runs) return false;
      runs.push_back({static_cast<std::uint32_t>(i), o, state});
      run_points.push_back(0);
      current = o;
    }
    ++run_points.back();
  }
  return true;
}

// Copies the points of `part` that other ranks own into one new part per destination (headers
// rewritten), sent from there; the part itself is compacted after the sends.
void copy_out_part(const PointVector& part, int me, OwnerLookup& owner, Sends& sends) {
  const std::size_t nranks = sends.where.size();
  std::vector<PointVector*> out(nranks, nullptr);
  std::vector<PointWriter> writers(nranks);
  std::vector<std::size_t> npoints(nranks, 0);
  for_each_point(part, [&](std::size_t, const PointRef& p) {
    const auto r = static_cast<std::size_t>(owner.of(p));
    if (static_cast<int>(r) == me) return;
    if (out[r] == nullptr) out[r] = &sends.copies.emplace_back();
    writers[r].push(*out[r], p);
    ++npoints[r];
  });
  for (std::size_t r = 0; r < nranks; ++r) {
    if (out[r] == nullptr) continue;
    sends.add_block(static_cast<int>(r), out[r]->data(), out[r]->size());
    sends.points[r] += static_cast<long long>(npoints[r]);
  }
}

// Local only: every destination's blocks, sent straight from the parts where they lie in runs
// (no send buffer as large as all the points to allocate and fill). Returns the entries per
// destination (0 for this rank); the points per destination are checked against the loads.
std::vector<int> plan_sends(const Communicator& mpi, const PointParts& mine,
                            const std::vector<ParentLoad>& loads,
                            const std::vector<RankPlan>& ranks, const HealpixGrid& grid,
                            Sends& sends) {
  OwnerLookup owner(ranks, grid);
  std::vector<OwnerRun> runs;
  std::vector<std::size_t> run_points;
  for (const auto& part : mine) {
    if (part.size() > UINT32_MAX)  // OwnerRun::begin
      throw std::runtime_error("more than 2^32 - 1 points in one granule's part: use more ranks");
    if (!find_runs(part, owner, runs, run_points)) {
      copy_out_part(part, mpi.rank, owner, sends);
      continue;
    }
    for (std::size_t i = 0; i < runs.size(); ++i) {
      const std::size_t end = i + 1 < runs.size() ? runs[i + 1].begin : part.size();
      if (runs[i].owner != mpi.rank)
        sends.add_run(runs[i].owner, runs[i].state, part.data() + runs[i].begin,
                      end - runs[i].begin, run_points[i]);
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
    if (sends.entries[r] > static_cast<long long>(INT_MAX))
      throw std::runtime_error("more than 2^31 points to send to one rank: use more ranks");
    send_counts[r] = static_cast<int>(sends.entries[r]);
  }
  return send_counts;
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
  try {
    send_counts = plan_sends(mpi, mine, loads, ranks, grid, sends);
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
  // fresh 4 KB page is a costly trap (docs/performance-history.md).
  PointVector low(before), high(after);
  const auto point_type = MpiDatatype::bytes(sizeof(PointEntry));
  std::vector<MPI_Request> requests;
  std::vector<MpiDatatype> types;  // freed when the exchange returns or throws
  for (int r = 0; r < mpi.size; ++r) {
    if (r == mpi.rank || recv_counts[r] == 0) continue;
    PointEntry* at = (r < mpi.rank ? low.data() : high.data()) + offset[r];
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
  // The sent points' slots are dead: the kept ones move to the front. A part that keeps less
  // than a quarter (most parts at higher rank counts) is copied to its own size, so the rest
  // returns to the heap for the reads; at 2 ranks about half is kept and the copy would cost
  // more than it saves.
  OwnerLookup owner(ranks, grid);
  for (auto& part : mine) {
    const auto size = part.size();
    if (keep_points(part, [&](const PointRef& p) { return owner.of(p) == mpi.rank; }) == 0)
      part = {};
    else if (part.size() < size / 4)
      part = PointVector(part.begin(), part.end());
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
