#include "healgrid/plan/point_exchange.hpp"

#include <algorithm>
#include <array>
#include <climits>
#include <cstring>
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
      cached_owner_ = find(parent);
      if (cached_owner_ < 0) throw std::logic_error("a point's parent cell is in no rank's range");
    }
    return cached_owner_;
  }
  int of(const PointRef& point) { return of_parent(grid_.parent_of(point.cell)); }
  // The one owner of every parent that the cells under a kCellHigh header `high` (2^16 cells)
  // lie in, or -1 when they lie in several ranks' ranges (or beyond them). Ranges are
  // contiguous: the owner of the block's first and last parents owns all between.
  int of_block(std::uint64_t high) const {
    const auto first = static_cast<std::int64_t>(high << PointEntry::kCellLowBits);
    const int owner = find(grid_.parent_of(first));
    return owner == find(grid_.parent_of(first | PointEntry::kCellLowMask)) ? owner : -1;
  }

 private:
  const std::vector<RankPlan>& ranks_;
  const HealpixGrid& grid_;
  // The rank whose range holds `parent`, -1 for none.
  int find(std::int64_t parent) const {
    auto it = std::upper_bound(
        starts_.begin(), starts_.end(), parent,
        [](std::int64_t p, const std::pair<std::int64_t, int>& s) { return p < s.first; });
    const int owner = it == starts_.begin() ? -1 : std::prev(it)->second;
    return owner >= 0 && parent <= ranks_[owner].last_parent ? owner : -1;
  }

  std::vector<std::pair<std::int64_t, int>> starts_;
  std::int64_t cached_parent_ = -1;
  int cached_owner_ = -1;
};

// A run of a part's consecutive points with one owner: entries [begin, end) from its first
// point to its last (headers between them included), `points` points. `state`: the headers in
// force at its first point; `end_state`: at its last.
struct OwnerRun {
  std::uint32_t begin, end;
  int owner;
  std::uint32_t points;
  PointState state, end_state;
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

// The part's runs of one owner, in one read of its entries; false when there are more than
// max(kMinRunPoints, size / kMinRunPoints) (then `runs` is incomplete). Under a cell-high header
// whose block of cells lies in one rank's range (nearly all: ranges span many parents) the
// points need no lookup each.
bool find_runs(const PointVector& part, OwnerLookup& owner, std::vector<OwnerRun>& runs) {
  const std::size_t max_runs = std::max(kMinRunPoints, part.size() / kMinRunPoints);
  runs.clear();
  const PointEntry* entries = part.data();
  const std::size_t n = part.size();
  PointState state, at_last_point;  // the headers in force now, and at the last point
  int current = -1, block_owner = -1;
  std::uint32_t last_point = 0, points = 0;
  bool headers_since_point = false;
  auto end_run = [&] {
    if (runs.empty()) return;
    runs.back().end = last_point + 1;
    runs.back().points = points;
    runs.back().end_state = headers_since_point ? at_last_point : state;
  };
  for (std::size_t i = 0; i < n;) {
    if (entries[i].is_header()) {
      if (!headers_since_point) at_last_point = state;
      headers_since_point = true;
      state.apply(&entries[i]);
      if (entries[i].kind() == PointEntry::kCellHigh) block_owner = owner.of_block(state.high);
      i += PointEntry::kHeaderEntries;
      continue;
    }
    const int o = block_owner >= 0 ? block_owner : owner.of(state.point(entries[i]));
    if (o != current) {
      end_run();
      if (runs.size() == max_runs) return false;
      runs.push_back({static_cast<std::uint32_t>(i), 0, o, 0, state, state});
      points = 0;
      current = o;
    }
    headers_since_point = false;
    last_point = static_cast<std::uint32_t>(i);
    ++points;
    ++i;
  }
  end_run();
  return true;
}

// Keeps, in place and in order, the points of `part`'s runs owned by `me` (`runs`: find_runs'
// complete list): each kept run moved whole, after the headers that restate its state; returns
// their count. The same entries as keep_points with that owner test, without a lookup per point.
std::size_t keep_runs(PointVector& part, const std::vector<OwnerRun>& runs, int me) {
  PointState written;
  std::size_t w = 0, kept = 0;
  for (const auto& run : runs) {
    if (run.owner != me) continue;
    PointEntry headers[3 * PointEntry::kHeaderEntries];
    const std::size_t h = write_headers(written, run.state, headers);
    // Room: a header is restated only when one of its kind was read and not kept since the
    // last kept run (the part begins with all three), as in keep_points.
    HEALGRID_REQUIRE(w + h <= run.begin, "headers restated where entries were read");
    std::copy(headers, headers + h, part.begin() + static_cast<std::ptrdiff_t>(w));
    w += h;
    std::memmove(part.data() + w, part.data() + run.begin,
                 (run.end - run.begin) * sizeof(PointEntry));
    w += run.end - run.begin;
    written = run.end_state;
    kept += run.points;
  }
  part.resize(w);
  return kept;
}

// The points of `part` that `me` owns, kept in place: whole runs when find_runs gave them,
// else point by point (a part scattered over more runs, copied out to send).
std::size_t keep_owned(PointVector& part, const std::vector<OwnerRun>& runs, OwnerLookup& owner,
                       int me) {
  if (!runs.empty()) return keep_runs(part, runs, me);
  return keep_points(part, [&](const PointRef& point) { return owner.of(point) == me; });
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
                            Sends& sends, std::vector<std::vector<OwnerRun>>& part_runs) {
  OwnerLookup owner(ranks, grid);
  part_runs.assign(mine.size(), {});
  for (std::size_t p = 0; p < mine.size(); ++p) {
    const auto& part = mine[p];
    auto& runs = part_runs[p];
    if (part.size() > UINT32_MAX)  // OwnerRun::begin
      throw std::runtime_error("more than 2^32 - 1 points in one granule's part: use more ranks");
    if (!find_runs(part, owner, runs)) {
      runs = {};  // scattered: the part's points are compacted one by one
      copy_out_part(part, mpi.rank, owner, sends);
      continue;
    }
    // A run is sent up to where the next begins (maybe with the next one's headers).
    for (std::size_t i = 0; i < runs.size(); ++i) {
      const std::size_t end = i + 1 < runs.size() ? runs[i + 1].begin : part.size();
      if (runs[i].owner != mpi.rank)
        sends.add_run(runs[i].owner, runs[i].state, part.data() + runs[i].begin,
                      end - runs[i].begin, runs[i].points);
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
  // Per part its runs (48 bytes each, at most one per 64 points or 64 in all: within the 4.5
  // bytes a point the plan allows for a copy, which a part sent in place does not make); empty
  // for a part copied out.
  std::vector<std::vector<OwnerRun>> part_runs;
  try {
    send_counts = plan_sends(mpi, mine, loads, ranks, grid, sends, part_runs);
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
  for (std::size_t p = 0; p < mine.size(); ++p) {
    auto& part = mine[p];
    const auto size = part.size();
    const std::size_t kept = keep_owned(part, part_runs[p], owner, mpi.rank);
    if (kept == 0)
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

std::size_t keep_owned_points(PointVector& part, const std::vector<RankPlan>& ranks,
                              const HealpixGrid& grid, int me) {
  OwnerLookup owner(ranks, grid);
  std::vector<OwnerRun> runs;
  if (!find_runs(part, owner, runs)) runs.clear();
  return keep_owned(part, runs, owner, me);
}

}  // namespace healgrid
